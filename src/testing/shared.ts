// Where the read-only ../shared folder (data and oracle fixtures) lives. Tests read it in place;
// nothing from it is copied into the repo. Override with STUDIO_SHARED_DIR.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const sharedDir = process.env.STUDIO_SHARED_DIR
  ? resolve(process.env.STUDIO_SHARED_DIR)
  : resolve(repoRoot, '../shared');

export function sharedPath(...parts: string[]): string {
  return resolve(sharedDir, ...parts);
}

export function readShared(...parts: string[]): Buffer {
  return readFileSync(sharedPath(...parts));
}

export function readSharedText(...parts: string[]): string {
  return readShared(...parts).toString('utf8');
}
