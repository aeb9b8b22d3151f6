// The page's side of the token-length worker: one request, one answer, then the worker ends. A
// caller with a newer request cancels the old one (which ends its worker), so answers never need
// matching to requests.
import type { TokenizerFiles } from '../data/token-lengths';
import type { Pair } from '../core/example';
import {
  checkTokenLengthAnswer,
  evenly,
  type TokenLengthAnswer,
  type TokenLengthRequest,
} from '../runtime/token-lengths/protocol';

/** The tokenizer learns from at most this many pairs (evenly spaced). */
export const MAX_TOKENIZER_PAIRS = 2000;
/** Lengths are counted on at most this many pairs (evenly spaced): encoding is the slow part. */
export const MAX_COUNT_PAIRS = 300;

/**
 * Counts the token lengths of `pairs` in a worker: with `tokenizer` when given, else with a BPE of
 * `vocabSize` trained on them. `onAnswer` gets the one answer (or why the worker failed).
 * Returns a cancel that ends the worker.
 */
export function countTokenLengthsInWorker(
  pairs: Pair[],
  vocabSize: number,
  tokenizer: TokenizerFiles | null,
  onAnswer: (a: TokenLengthAnswer) => void,
): () => void {
  const worker = new Worker(new URL('../runtime/token-lengths/worker.ts', import.meta.url), {
    type: 'module',
    name: 'token-lengths',
  });
  worker.onmessage = (ev: MessageEvent) => {
    const m = checkTokenLengthAnswer(ev.data);
    if (typeof m === 'string') {
      console.warn(`token-length worker: dropped a bad message: ${m}`);
      return;
    }
    onAnswer(m);
    worker.terminate();
  };
  worker.onerror = (ev) => onAnswer({ type: 'error', message: ev.message || 'the token-length worker failed' });
  // Only a sample crosses to the worker: the worker uses at most MAX_TOKENIZER_PAIRS (≥
  // MAX_COUNT_PAIRS) anyway, and cloning every pair of a big file blocked the page (1.4 s for 200 MB).
  const sample = evenly(pairs, MAX_TOKENIZER_PAIRS);
  const req: TokenLengthRequest = {
    pairs: sample,
    total: pairs.length,
    vocabSize,
    maxTokenizerPairs: MAX_TOKENIZER_PAIRS,
    maxCountPairs: MAX_COUNT_PAIRS,
  };
  if (tokenizer) req.tokenizer = tokenizer;
  worker.postMessage(req);
  return () => worker.terminate();
}
