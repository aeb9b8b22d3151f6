// LEAD: the extractive baseline every summarization paper reports first — the document's opening
// sentence(s) as its summary. On XSum (Narayan et al., 2018) LEAD is the first sentence, and it is
// weak on purpose: XSum's reference is the article's introductory sentence, removed from the
// document, so the document's own first sentence is the story's second. A trained model should
// beat it. Sentences are the ones rougeLsum splits on (sentences.ts), so a line break ends one:
// XSum documents hold one sentence per line.
import { splitSentences } from './sentences';

/** The first n sentences of document, joined by a space ('' for an empty document). */
export function leadSentences(document: string, n = 1): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`lead: n must be a positive integer, got ${n}`);
  return splitSentences(document).slice(0, n).join(' ');
}
