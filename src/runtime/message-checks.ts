// The field checks every worker protocol applies to a message on receipt (train/, generate/,
// token-lengths/): one definition each, so "a number" or "a list of model files" means the same in
// every channel.
import type { ModelFile } from '../model/io/model-files';
import type { GenerationSettings } from '../model/generate/generate';

/** A number that is not NaN (Infinity passes: a diverged loss is still a fact). */
export const isNum = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
/** A non-empty list of {name, bytes: Uint8Array}: a model's files. */
export const isFiles = (v: unknown): v is ModelFile[] => Array.isArray(v) && v.length > 0 && isFileList(v);
/** A list of {name, bytes: Uint8Array}, maybe empty (a LoRA run's base files when the page has them). */
export const isFileList = (v: unknown): v is ModelFile[] =>
  Array.isArray(v) && v.every((f) => isObj(f) && isStr(f.name) && f.bytes instanceof Uint8Array);

const isInt = (v: unknown, lo: number, hi: number) => isNum(v) && Number.isInteger(v) && v >= lo && v <= hi;
const isIn = (v: unknown, lo: number, hi: number) => isNum(v) && Number.isFinite(v) && v >= lo && v <= hi;

/** Each generation setting's check and its range in words (the ranges validateSpec allows). */
const GENERATION_CHECKS: Record<keyof GenerationSettings, [(v: unknown) => boolean, string]> = {
  numBeams: [(v) => isInt(v, 1, 16), 'an integer in [1, 16]'],
  lengthPenalty: [(v) => isIn(v, -10, 10), 'a number in [-10, 10]'],
  noRepeatNgramSize: [(v) => isInt(v, 0, 16), 'an integer in [0, 16]'],
  repetitionPenalty: [(v) => isIn(v, 1, 10), 'a number in [1, 10]'],
  minNewTokens: [(v) => isInt(v, 0, 2048), 'an integer in [0, 2048]'],
};

/** What is wrong with the generation settings a message carries as its own fields, or '' when nothing is. */
export function notGenerationSettings(msg: Record<string, unknown>): string {
  for (const [key, [ok, range]] of Object.entries(GENERATION_CHECKS)) {
    if (!ok(msg[key])) return `${key} must be ${range}, got ${JSON.stringify(msg[key]) ?? 'nothing'}`;
  }
  return '';
}
