// The GPU check's command line, parsed and checked before any work starts: a bad --out must not
// cost the minutes of a run (or a device machine's lease) before it is found.
import { existsSync, statSync, accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CheckForm } from './plan';

export const GPU_CHECK_USAGE =
  'usage: npm run gpu-check -- [--out FILE] [--quick | --full] [--bundle [--no-node]]\n' +
  '  (bundle) node gpu-check-bundle/gpu-check.mjs [--out FILE] [--quick | --full]\n' +
  '  --out FILE   where the JSON goes (default gpu-check-out/gpu-check.json)\n' +
  '  --quick      small shapes, one timed step (the default on a software adapter: SwiftShader, llvmpipe)\n' +
  '  --full       model-sized shapes (the default on a real GPU; under 8 minutes)';

export const DEFAULT_OUT = 'gpu-check-out/gpu-check.json';

export interface GpuCheckArgs {
  out: string; // absolute
  form: CheckForm | undefined; // undefined: by the adapter
  help: boolean;
}

/** Parses argv (without node and the script); throws an Error naming what is wrong. */
export function parseGpuCheckArgs(argv: readonly string[], cwd: string): GpuCheckArgs {
  let out = DEFAULT_OUT;
  let form: CheckForm | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' || a.startsWith('--out=')) {
      const v = a === '--out' ? argv[++i] : a.slice('--out='.length);
      if (v === undefined || v === '' || v.startsWith('--')) throw new Error('--out needs a file name');
      out = v;
    } else if (a === '--quick' || a === '--full') {
      const f = a.slice(2) as CheckForm;
      if (form !== undefined && form !== f) throw new Error('--quick and --full exclude each other');
      form = f;
    } else if (a === '--help' || a === '-h') help = true;
    else throw new Error(`unknown argument "${a}"`);
  }
  return { out: resolve(cwd, out), form, help };
}

/**
 * Throws unless `file` can be written: not a folder, and its folder (made here if missing) writable.
 * An existing file is left as it is until the check's result replaces it.
 */
export function checkOutPath(file: string, mkdir: (dir: string) => void): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new Error(`--out ${file} is a folder, not a file`);
  const dir = dirname(file);
  try {
    mkdir(dir);
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.W_OK);
  } catch (e) {
    throw new Error(`--out ${file} cannot be written: ${e instanceof Error ? e.message : String(e)}`);
  }
}
