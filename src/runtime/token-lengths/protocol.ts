// Messages to and from the token-length worker (one request, one answer; a newer request
// replaces the worker, so answers never need matching to requests).
import type { Pair } from '../../core/example';
import type { LengthTokenizer, TokenizerFiles, TokenLengths } from '../../data/token-lengths';
import { isObj } from '../message-checks';

export interface TokenLengthRequest {
  pairs: Pair[];
  /** Size of the BPE tokenizer trained when no `tokenizer` is given (the run's setting). */
  vocabSize: number;
  /** The tokenizer learns from at most this many pairs (evenly spaced); run.ts uses all of them. */
  maxTokenizerPairs: number;
  /** Lengths are counted on at most this many pairs (evenly spaced): encoding is the slow part. */
  maxCountPairs: number;
  /**
   * The imported model's tokenizer files, when training will fine-tune that model: a run then
   * encodes with it instead of training one, so the lengths must too. Absent: train a BPE.
   */
  tokenizer?: TokenizerFiles;
  /**
   * How many pairs `pairs` were evenly chosen from, when the page sends a sample (it sends at most
   * maxTokenizerPairs: copying a 200 MB data set into the worker blocked the page for over a
   * second). Absent: `pairs` is the whole set.
   */
  total?: number;
}

export type TokenLengthAnswer =
  | { type: 'done'; lengths: TokenLengths; counted: number; total: number; tokenizer: LengthTokenizer }
  | { type: 'error'; message: string };

/** At most `max` items spread evenly over the list (all of it when it is short enough). */
export function evenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, k) => items[Math.floor((k * items.length) / max)]);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isCounts = (v: unknown) => Array.isArray(v) && v.every(isCount);
const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/**
 * The request typed, or what is wrong with it (the worker answers 'error' with it, never acts on
 * it). Only shapes are checked here; whether the tokenizer text parses and loads is found out by
 * loading it (answerTokenLengthRequest), which a shape check could only repeat at the same cost.
 */
export function checkTokenLengthRequest(m: unknown): TokenLengthRequest | string {
  if (!isObj(m)) return 'token-length request is not an object';
  if (
    !Array.isArray(m.pairs) ||
    !m.pairs.every((p) => isObj(p) && typeof p.input === 'string' && typeof p.target === 'string')
  )
    return 'token-length request: pairs must be [{input, target}] strings';
  for (const k of ['vocabSize', 'maxTokenizerPairs', 'maxCountPairs'] as const)
    if (!isCount(m[k]) || m[k] === 0) return `token-length request: ${k} must be a positive integer`;
  if (m.total !== undefined && (!isCount(m.total) || m.total < m.pairs.length))
    return 'token-length request: total must be a count no smaller than the pairs sent';
  const t = m.tokenizer;
  if (t !== undefined) {
    if (!isObj(t) || Array.isArray(t))
      return `token-length request: tokenizer must be {json, config?} (the imported model's tokenizer files as text), got ${typeName(t)}`;
    if (typeof t.json !== 'string')
      return `token-length request: tokenizer.json must be the file's text (a string), got ${typeName(t.json)}`;
    if (t.config !== undefined && typeof t.config !== 'string')
      return `token-length request: tokenizer_config.json must be the file's text (a string), got ${typeName(t.config)}`;
  }
  return m as unknown as TokenLengthRequest;
}

function checkLengthTokenizer(t: unknown): string | null {
  if (!isObj(t)) return 'token-length answer: tokenizer must say which tokenizer was used';
  if (!isCount(t.vocabSize) || t.vocabSize === 0)
    return 'token-length answer: tokenizer.vocabSize must be a positive integer';
  if (t.kind === 'imported') return null;
  if (t.kind === 'trained')
    return isCount(t.pairs)
      ? null
      : 'token-length answer: a trained tokenizer must say on how many pairs (tokenizer.pairs)';
  return `token-length answer: tokenizer has unknown kind ${JSON.stringify(t.kind)}`;
}

/** The answer typed, or what is wrong with it. */
export function checkTokenLengthAnswer(m: unknown): TokenLengthAnswer | string {
  if (!isObj(m)) return 'token-length answer is not an object';
  if (m.type === 'error')
    return typeof m.message === 'string' ? (m as TokenLengthAnswer) : 'token-length answer "error" has no message';
  if (m.type !== 'done') return `token-length answer has unknown type ${JSON.stringify(m.type)}`;
  const l = m.lengths;
  if (!isObj(l) || !isCounts(l.documents) || !isCounts(l.summaries) || !isCount(l.separator))
    return 'token-length answer: lengths must be {documents, summaries: counts, separator}';
  if (!isCount(m.counted) || !isCount(m.total)) return 'token-length answer: counted and total must be counts';
  return checkLengthTokenizer(m.tokenizer) ?? (m as unknown as TokenLengthAnswer);
}
