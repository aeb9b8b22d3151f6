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
