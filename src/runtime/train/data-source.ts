// The worker's side of a DataSource: the pairs the page sent as they are, or the served files
// fetched and read here (their skipped rows reported as status events).
import type { RunEvent } from '../../core/events';
import type { DataSource } from '../../core/run-types';
import { decodeUtf8Strict } from '../../data/decode-text';
import { readRunData, type RunData, type TextFile } from '../../train/run-data';

async function fetchFile(url: string): Promise<TextFile> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status} ${res.statusText}`);
  // Bad bytes are named, not replaced.
  return { name: url.split('/').pop() || url, text: decodeUtf8Strict(new Uint8Array(await res.arrayBuffer()), url) };
}

export async function loadRunData(src: DataSource, emit: (e: RunEvent) => void): Promise<RunData> {
  if (src.kind === 'pairs') return { train: src.train, validation: src.validation };
  const train = await fetchFile(src.trainUrl);
  const validation = src.validationUrl ? await fetchFile(src.validationUrl) : undefined;
  return readRunData({ train, validation }, emit);
}

/** The data a checkpoint was trained on, in words (a resume should read the same). */
export const describeSource = (src: DataSource): string =>
  src.kind === 'url' ? src.trainUrl : `${src.name} (${src.train.length} training pairs)`;
