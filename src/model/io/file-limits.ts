// How many model files, and how big, the studio reads — checked on the sizes a File or a zip's
// central directory declares, before a byte is read or inflated. A JSON file is parsed whole, so a
// 500 MB "config.json" would cost seconds and memory to refuse; its name says how big it can be.
import { clipText } from '../../core/bounded-text';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** Files one model or adapter may be: a sharded checkpoint has tens, never thousands. */
export const MAX_MODEL_FILES = 4096;
/** Bytes of all the files of one model or adapter (picked, or unpacked from a zip). */
export const MAX_MODEL_BYTES = 8 * GiB;

/** The JSON files of a model, each at most this big (the largest real tokenizer.json are ~35 MB). */
const JSON_BYTES: Record<string, number> = {
  'config.json': MiB,
  'generation_config.json': MiB,
  'adapter_config.json': MiB,
  'model.safetensors.index.json': 16 * MiB,
  'tokenizer_config.json': 16 * MiB,
  'tokenizer.json': 64 * MiB,
};
const OTHER_JSON_BYTES = 64 * MiB;

/** "1.5 GiB", "512 KiB", "12 bytes" (the next unit from 1,000 of one: "1.0 MiB", not "1023.3 KiB"). */
export function bytesText(n: number): string {
  if (n < 1000) return `${n} bytes`;
  const [v, unit] = n < 1000 * 1024 ? [n / 1024, 'KiB'] : n < 1000 * MiB ? [n / MiB, 'MiB'] : [n / GiB, 'GiB'];
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
}

/** Throws when a JSON file is larger than a file of its name can be. `name` is the file's base name. */
export function checkModelFileSize(name: string, size: number): void {
  if (!name.toLowerCase().endsWith('.json')) return;
  const max = JSON_BYTES[name] ?? OTHER_JSON_BYTES;
  if (size > max)
    throw new Error(
      `${clipText(name, 60)} is ${bytesText(size)}; the studio reads a ${name in JSON_BYTES ? clipText(name, 60) : 'JSON file'} of at most ${bytesText(max)}`,
    );
}

/** Throws, naming the limit, when a set of files is too many or too big to be one model. */
export function checkModelFileList(files: readonly { name: string; size: number }[], what = 'files'): void {
  if (files.length > MAX_MODEL_FILES)
    throw new Error(
      `${files.length.toLocaleString('en-US')} ${what} given; a model or adapter is at most ${MAX_MODEL_FILES.toLocaleString('en-US')} files`,
    );
  let total = 0;
  for (const f of files) {
    checkModelFileSize(f.name.split(/[\\/]/).pop() ?? f.name, f.size);
    total += f.size;
  }
  if (total > MAX_MODEL_BYTES)
    throw new Error(
      `the ${what} given are ${bytesText(total)} in all; the studio reads at most ${bytesText(MAX_MODEL_BYTES)} for one model`,
    );
}
