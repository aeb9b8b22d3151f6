// Token lengths of the loaded training pairs, computed in a worker. A new request (other pairs, a
// new vocabulary size, a model imported or cleared) ends the old worker; nothing runs while
// training does, since both would compete for the same cores.
import { useEffect, useState } from 'react';
import type { LengthTokenizer, TokenizerFiles, TokenLengths } from '../../data/token-lengths';
import type { Pair } from '../../core/example';
import { countTokenLengthsInWorker } from '../../app/token-lengths';

export type TokenLengthState =
  | { state: 'idle' }
  | { state: 'working' }
  | { state: 'done'; lengths: TokenLengths; counted: number; total: number; tokenizer: LengthTokenizer }
  | { state: 'error'; message: string };

/**
 * `tokenizer`: the imported model's tokenizer files when a run would fine-tune that model (it then
 * encodes with them), null when a run trains a BPE of `vocabSize`. Pass a stable object (memoized
 * on the model): a new one re-runs the count.
 */
export function useTokenLengths(
  pairs: Pair[] | null,
  vocabSize: number,
  paused: boolean,
  tokenizer: TokenizerFiles | null = null,
): TokenLengthState {
  const [result, setResult] = useState<TokenLengthState>({ state: 'idle' });
  // The vocabulary size only matters for a trained tokenizer; with an imported one, typing in the
  // (then unused) setting must not recount.
  const trainedVocab = tokenizer ? 0 : vocabSize;

  useEffect(() => {
    if (!pairs || pairs.length === 0 || paused) return;
    let cancel: (() => void) | null = null;
    // Typing a vocabulary size passes through many values; start once it settles.
    const timer = setTimeout(() => {
      setResult({ state: 'working' });
      cancel = countTokenLengthsInWorker(pairs, vocabSize, tokenizer, (m) =>
        setResult(
          m.type === 'done'
            ? { state: 'done', lengths: m.lengths, counted: m.counted, total: m.total, tokenizer: m.tokenizer }
            : { state: 'error', message: m.message },
        ),
      );
    }, 400);
    return () => {
      clearTimeout(timer);
      cancel?.();
    };
    // Keyed on trainedVocab, not vocabSize: with an imported tokenizer the request's vocabSize is unused.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pairs, trainedVocab, paused, tokenizer]);

  return result;
}
