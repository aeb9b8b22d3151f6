// What the token-length worker computes for one message, as a plain function: the worker file only
// wires it to postMessage, so this runs (and is tested) in Node. It never throws: whatever is wrong
// with the message or the tokenizer comes back as an 'error' answer the chart shows, rather than a
// worker that dies and leaves the chart waiting.
import { countTokenLengths, importedTokenizer, trainedTokenizer, type LengthTokenizer } from '../../data/token-lengths';
import type { LoadedTokenizer } from '../../data/tokenizer';
import { checkTokenLengthRequest, evenly, type TokenLengthAnswer } from './protocol';
import { errorMessage } from '../../core/errors';

export function answerTokenLengthRequest(m: unknown): TokenLengthAnswer {
  const req = checkTokenLengthRequest(m);
  if (typeof req === 'string') return { type: 'error', message: req };
  try {
    const { pairs, vocabSize, maxTokenizerPairs, maxCountPairs } = req;
    let tok: LoadedTokenizer;
    let used: LengthTokenizer;
    if (req.tokenizer) {
      // Fine-tuning an imported model encodes with its own tokenizer (run.ts `initial.tokenizer`).
      tok = importedTokenizer(req.tokenizer);
      used = { kind: 'imported', vocabSize: tok.vocabSize };
    } else {
      const forTokenizer = evenly(pairs, maxTokenizerPairs);
      tok = trainedTokenizer(forTokenizer, vocabSize);
      used = { kind: 'trained', vocabSize: tok.vocabSize, pairs: forTokenizer.length };
    }
    const counted = evenly(pairs, maxCountPairs);
    return {
      type: 'done',
      lengths: countTokenLengths(tok, counted),
      counted: counted.length,
      total: req.total ?? pairs.length,
      tokenizer: used,
    };
  } catch (err) {
    return { type: 'error', message: errorMessage(err) };
  }
}
