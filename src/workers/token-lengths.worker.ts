// Trains the tokenizer a run would train and counts token lengths, off the main thread: on the
// XSum sample this takes seconds, which would freeze the page.
/// <reference lib="webworker" />
import { countTokenLengths } from '../data/token-lengths';
import { trainTokenizer } from '../data/tokenizer';
import { checkTokenLengthRequest, evenly, type TokenLengthAnswer } from './token-lengths-protocol';

const post = (m: TokenLengthAnswer) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

self.onmessage = (ev: MessageEvent) => {
  const req = checkTokenLengthRequest(ev.data);
  if (typeof req === 'string') {
    console.warn(`token-length worker: dropped a bad message: ${req}`);
    return;
  }
  try {
    const { pairs, vocabSize, maxTokenizerPairs, maxCountPairs } = req;
    const forTokenizer = evenly(pairs, maxTokenizerPairs);
    const tok = trainTokenizer(forTokenizer.flatMap((p) => [p.input, p.target]), vocabSize);
    const counted = evenly(pairs, maxCountPairs);
    post({ type: 'done', lengths: countTokenLengths(tok, counted), counted: counted.length, total: pairs.length, tokenizerPairs: forTokenizer.length });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
