// The field checks every worker protocol applies to a message on receipt (train/, generate/,
// token-lengths/): one definition each, so "a number" or "a list of model files" means the same in
// every channel.
import type { ModelFile } from '../model/io/model-files';

/** A number that is not NaN (Infinity passes: a diverged loss is still a fact). */
export const isNum = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
/** A non-empty list of {name, bytes: Uint8Array}: a model's files. */
export const isFiles = (v: unknown): v is ModelFile[] =>
  Array.isArray(v) && v.length > 0 && v.every((f) => isObj(f) && isStr(f.name) && f.bytes instanceof Uint8Array);
