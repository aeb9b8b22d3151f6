// Messages to and from the token-length worker (one request, one answer; a newer request
// replaces the worker, so answers never need matching to requests).
import type { Pair } from '../data/types';
import type { TokenLengths } from '../data/token-lengths';

export interface TokenLengthRequest {
  pairs: Pair[];
  vocabSize: number;
  /** The tokenizer learns from at most this many pairs (evenly spaced); run.ts uses all of them. */
  maxTokenizerPairs: number;
  /** Lengths are counted on at most this many pairs (evenly spaced): encoding is the slow part. */
  maxCountPairs: number;
}

export type TokenLengthAnswer =
  | { type: 'done'; lengths: TokenLengths; counted: number; total: number; tokenizerPairs: number }
  | { type: 'error'; message: string };

/** At most `max` items spread evenly over the list (all of it when it is short enough). */
export function evenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, k) => items[Math.floor((k * items.length) / max)]);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isCounts = (v: unknown) => Array.isArray(v) && v.every(isCount);

/** The request typed, or what is wrong with it (a bad message is dropped and logged, never acted on). */
export function checkTokenLengthRequest(m: unknown): TokenLengthRequest | string {
  if (!isObj(m)) return 'token-length request is not an object';
  if (!Array.isArray(m.pairs) || !m.pairs.every((p) => isObj(p) && typeof p.input === 'string' && typeof p.target === 'string')) return 'token-length request: pairs must be [{input, target}] strings';
  for (const k of ['vocabSize', 'maxTokenizerPairs', 'maxCountPairs'] as const) if (!isCount(m[k]) || m[k] === 0) return `token-length request: ${k} must be a positive integer`;
  return m as unknown as TokenLengthRequest;
}

/** The answer typed, or what is wrong with it. */
export function checkTokenLengthAnswer(m: unknown): TokenLengthAnswer | string {
  if (!isObj(m)) return 'token-length answer is not an object';
  if (m.type === 'error') return typeof m.message === 'string' ? (m as TokenLengthAnswer) : 'token-length answer "error" has no message';
  if (m.type !== 'done') return `token-length answer has unknown type ${JSON.stringify(m.type)}`;
  const l = m.lengths;
  if (!isObj(l) || !isCounts(l.documents) || !isCounts(l.summaries) || !isCount(l.separator)) return 'token-length answer: lengths must be {documents, summaries: counts, separator}';
  if (!isCount(m.counted) || !isCount(m.total) || !isCount(m.tokenizerPairs)) return 'token-length answer: counted, total and tokenizerPairs must be counts';
  return m as unknown as TokenLengthAnswer;
}
