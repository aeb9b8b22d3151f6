// Token lengths of the loaded training pairs, computed in a worker. A new request (other pairs, a
// new vocabulary size) ends the old worker; nothing runs while training does, since both would
// compete for the same cores.
import { useEffect, useState } from 'react';
import type { TokenLengths } from '../../data/token-lengths';
import type { Pair } from '../../data/types';
import { checkTokenLengthAnswer, type TokenLengthRequest } from '../../workers/token-lengths-protocol';

export const MAX_TOKENIZER_PAIRS = 2000;
export const MAX_COUNT_PAIRS = 300;

export type TokenLengthState =
  | { state: 'idle' }
  | { state: 'working' }
  | { state: 'done'; lengths: TokenLengths; counted: number; total: number; tokenizerPairs: number }
  | { state: 'error'; message: string };

export function useTokenLengths(pairs: Pair[] | null, vocabSize: number, paused: boolean): TokenLengthState {
  const [result, setResult] = useState<TokenLengthState>({ state: 'idle' });

  useEffect(() => {
    if (!pairs || pairs.length === 0 || paused) return;
    let worker: Worker | null = null;
    // Typing a vocabulary size passes through many values; start once it settles.
    const timer = setTimeout(() => {
      setResult({ state: 'working' });
      worker = new Worker(new URL('../../workers/token-lengths.worker.ts', import.meta.url), { type: 'module', name: 'token-lengths' });
      worker.onmessage = (ev: MessageEvent) => {
        const m = checkTokenLengthAnswer(ev.data);
        if (typeof m === 'string') {
          console.warn(`token-length worker: dropped a bad message: ${m}`);
          return;
        }
        setResult(m.type === 'done' ? { state: 'done', lengths: m.lengths, counted: m.counted, total: m.total, tokenizerPairs: m.tokenizerPairs } : { state: 'error', message: m.message });
        worker?.terminate();
      };
      worker.onerror = (ev) => setResult({ state: 'error', message: ev.message || 'the token-length worker failed' });
      const req: TokenLengthRequest = { pairs, vocabSize, maxTokenizerPairs: MAX_TOKENIZER_PAIRS, maxCountPairs: MAX_COUNT_PAIRS };
      worker.postMessage(req);
    }, 400);
    return () => {
      clearTimeout(timer);
      worker?.terminate();
    };
  }, [pairs, vocabSize, paused]);

  return result;
}
