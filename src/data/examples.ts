// Turning an (article, summary) pair into one causal-LM training example.
//
// Template (what the model reads, left to right):
//   [BOS] + encode(document)[:maxSourceLength] + encode(separator) + encode(summary)[:maxTargetLength-1] + [EOS]
//   '------------------------ prompt -------------------------'   '--------- supervised part ----------'
// The summary part, EOS included, is at most maxTargetLength tokens. The document keeps its head when
// truncated: XSum-style news puts the gist first.
//
// Label alignment (decided here; the loss must follow it):
//   labels are PRE-SHIFTED. labels[t] is the target for the logits at position t, i.e. the id of the
//   token at t + 1. So labels has the same length as inputIds, and the loss is
//   cross_entropy(logits[t], labels[t]) over every t with labels[t] != IGNORE_INDEX — with NO further
//   shift in the model or the loss. (This differs from Hugging Face's convention, where labels equal
//   input_ids and the model shifts.) labels[t] is IGNORE_INDEX while the token at t + 1 is still part
//   of the prompt, and at the last position (nothing follows it). Hence the supervised tokens are
//   exactly the summary tokens + EOS, the first of them predicted from the last separator token.
//
//   t:          0     1 .. P-2          P-1        P .. L-2       L-1
//   inputIds:   BOS   doc + separator   sep_last   summary        EOS
//   labels:     -100  -100              summary_0  summary_1..EOS -100      (P = promptLength, L = length)
//
// Train on inputs (axolotl's train_on_inputs; ExampleOptions.superviseDocument): the document is
// supervised too, as plain language modelling — labels[t] = inputIds[t + 1] for t = 0 .. D-1, so
// BOS predicts doc_0 and doc_{D-2} predicts doc_{D-1}. A fresh model then learns the language from
// every article token (~400 per example) instead of only from the ~20-token summaries. What stays
// masked: targets that are separator tokens (a fixed format string the studio always supplies,
// never something to generate; after a truncated document predicting it is noise), BOS (never a
// target), the last position, and padding (the collator's). D = document tokens, S = separator tokens:
//
//   t:          0      1 .. D-1         D .. D+S-1                P-1 = D+S   P .. L-2       L-1
//   inputIds:   BOS    doc_0..doc_D-2   doc_D-1, sep_0..sep_S-2   sep_last    summary        EOS
//   labels:     doc_0  doc_1..doc_D-1   -100 (sep_0..sep_S-1)     summary_0   summary_1..EOS -100
import { IGNORE_INDEX, type Example, type Pair } from '../core/example';
import type { TextTokenizer } from './types';

/** Between article and summary: a plain-text cue any tokenizer can encode (the GPT-2 paper's "TL;DR:"). */
export const DEFAULT_SEPARATOR = '\nTL;DR:\n';

export type ExampleTokenizer = Pick<TextTokenizer, 'encode' | 'bosId' | 'eosId'>;

export interface PromptOptions {
  maxSourceLength: number; // tokens of the document kept (BOS and separator not counted)
  separator?: string; // DEFAULT_SEPARATOR when absent
}

export interface ExampleOptions extends PromptOptions {
  maxTargetLength: number; // tokens of the summary kept, EOS included (so >= 1)
  superviseDocument?: boolean; // train on inputs: also supervise the document tokens (default false: the summary only)
}

/** An example built from a prompt: labels[t] = inputIds[t + 1] over the summary and EOS. */
export interface PromptExample extends Example {
  promptLength: number; // P: BOS + document + separator tokens; inputIds.slice(0, P) is buildPrompt's result
}

function checkLength(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer >= ${min}, got ${v}`);
}

/** Tokens of text after the first n that BPE merges could still touch (they are local). */
const HEAD_MARGIN = 16;
/** Characters per kept token in the first try: generous for any subword vocabulary. */
const HEAD_CHARS_PER_TOKEN = 16;

/**
 * The first n ids of encode(text) without encoding all of it: a 10 MB article would otherwise take
 * ~40 s to tokenize for the 512 tokens kept. Encodes a prefix cut at whitespace and keeps it only
 * if it gave n + HEAD_MARGIN tokens — merges are local, so tokens that far before the cut cannot
 * depend on what follows — else encodes the whole text, as before.
 */
export function encodeHead(tok: Pick<TextTokenizer, 'encode'>, text: string, n: number): number[] {
  const chars = (n + HEAD_MARGIN) * HEAD_CHARS_PER_TOKEN;
  if (text.length > 2 * chars) {
    const cut = text.lastIndexOf(' ', chars);
    if (cut > 0) {
      const ids = tok.encode(text.slice(0, cut));
      if (ids.length >= n + HEAD_MARGIN) return ids.slice(0, n);
    }
  }
  return tok.encode(text).slice(0, n);
}

/** The prompt's parts: the truncated document's ids and the separator's. */
function promptParts(tok: ExampleTokenizer, document: string, opts: PromptOptions): { doc: number[]; sep: number[] } {
  checkLength('maxSourceLength', opts.maxSourceLength, 0);
  return { doc: encodeHead(tok, document, opts.maxSourceLength), sep: tok.encode(opts.separator ?? DEFAULT_SEPARATOR) };
}

/** Prompt ids for generation: [BOS] + truncated document + separator — the exact prefix of buildExample. */
export function buildPrompt(tok: ExampleTokenizer, document: string, opts: PromptOptions): number[] {
  const { doc, sep } = promptParts(tok, document, opts);
  return [tok.bosId, ...doc, ...sep];
}

/** One training example; see the header comment for the template and the label alignment. */
export function buildExample(tok: ExampleTokenizer, pair: Pair, opts: ExampleOptions): PromptExample {
  checkLength('maxTargetLength', opts.maxTargetLength, 1);
  const { doc, sep } = promptParts(tok, pair.input, opts);
  const summary = tok.encode(pair.target).slice(0, opts.maxTargetLength - 1);
  const inputIds = [tok.bosId, ...doc, ...sep, ...summary, tok.eosId];
  const P = 1 + doc.length + sep.length;
  const L = inputIds.length;
  const labels = new Array<number>(L).fill(IGNORE_INDEX);
  // Train on inputs: positions 0 .. D-1 predict doc_0 .. doc_{D-1}; the separator's targets stay masked.
  if (opts.superviseDocument) for (let t = 0; t < doc.length; t++) labels[t] = inputIds[t + 1];
  // Positions P-1 .. L-2 predict summary_0 .. EOS.
  for (let t = P - 1; t < L - 1; t++) labels[t] = inputIds[t + 1];
  return { inputIds, labels, promptLength: P };
}

/** buildExample over many pairs. The separator is encoded once per example; cheap next to the article. */
export function buildExamples(tok: ExampleTokenizer, pairs: readonly Pair[], opts: ExampleOptions): PromptExample[] {
  return pairs.map((p) => buildExample(tok, p, opts));
}
