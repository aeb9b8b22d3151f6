// The logits processors Hugging Face `generate` applies to each step's next-token scores before it
// picks (greedy: argmax of the processed logits; beam search: the processed log-softmax plus the
// beam's running score). Plain arrays, one row (V) at a time: generate.ts owns the model loop.
//   - RepetitionPenaltyLogitsProcessor (CTRL, Keskar et al. 2019): every token id already in
//     prompt + output has its score divided by the penalty when positive, multiplied when negative,
//     once per distinct id (HF gathers, rescales and scatters back, so duplicates count once).
//   - NoRepeatNGramLogitsProcessor: −∞ for each token that would repeat an n-gram of prompt + output.
//   - MinNewTokensLengthLogitsProcessor: EOS at −∞ until min_new_tokens tokens have been generated.
// HF runs them in that order (_get_logits_processor); the bans are −∞ and the penalty keeps −∞, so
// the order cannot change a result. Unlike HF, a row's sequence is its real tokens only — left
// padding is not part of it — so a row's output does not depend on the batch it is decoded in.

/** What generation does to each step's scores; absent fields are off (HF's defaults). */
export interface LogitsProcessing {
  noRepeatNgramSize?: number; // > 0: no n-gram of this size occurs twice in prompt + output (0: off)
  repetitionPenalty?: number; // > 1 discourages tokens already present (1: off)
  minNewTokens?: number; // EOS is impossible before this many new tokens (0: off)
}

/** Throws, naming the field, on a setting HF would refuse. */
export function checkLogitsProcessing(o: LogitsProcessing): void {
  const n = o.noRepeatNgramSize ?? 0;
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`generate: noRepeatNgramSize must be a non-negative integer, got ${n}`);
  const p = o.repetitionPenalty ?? 1;
  if (!(Number.isFinite(p) && p > 0))
    throw new Error(`generate: repetitionPenalty must be a strictly positive number, got ${p}`);
  const m = o.minNewTokens ?? 0;
  if (!Number.isInteger(m) || m < 0) throw new Error(`generate: minNewTokens must be a non-negative integer, got ${m}`);
}

/**
 * Tokens that would complete an n-gram already present in seq (HF NoRepeatNGramLogitsProcessor:
 * _get_ngrams + _get_generated_ngrams). seq is one row's real tokens, prompt + generated.
 */
export function bannedNgramTokens(seq: readonly number[], n: number): number[] {
  if (n <= 0 || seq.length + 1 < n) return [];
  const prefix = seq.slice(seq.length - n + 1).join(','); // the last n − 1 tokens
  const banned: number[] = [];
  for (let i = 0; i + n <= seq.length; i++) {
    if (seq.slice(i, i + n - 1).join(',') === prefix) banned.push(seq[i + n - 1]);
  }
  return banned;
}

/**
 * HF RepetitionPenaltyLogitsProcessor on one row of scores (V), in place: for each distinct id in
 * seq, score < 0 ? score · penalty : score / penalty. Computed in float32 as torch does for a
 * float32 tensor and a Python scalar (the product or quotient of two float32 values, rounded once:
 * the same number whether the row is a Float32Array or not).
 */
export function applyRepetitionPenalty(row: Float32Array, seq: readonly number[], penalty: number): void {
  if (penalty === 1) return;
  const p = Math.fround(penalty);
  for (const id of new Set(seq)) {
    const s = row[id];
    row[id] = s < 0 ? s * p : s / p;
  }
}

/**
 * Every processor on one row (V) of next-token scores, in place. `seq` is the row's prompt and
 * generated tokens, `generated` how many of them were generated (HF: input length − prompt length).
 * The repetition penalty scans prompt and output (HF); no-repeat n-grams the output only (see below).
 */
export function processScores(
  row: Float32Array,
  seq: readonly number[],
  generated: number,
  eosId: number,
  o: LogitsProcessing,
): void {
  applyRepetitionPenalty(row, seq, o.repetitionPenalty ?? 1);
  // No-repeat n-grams over the generated tokens only, as bart-large-xsum's no_repeat_ngram_size 3
  // acts (its decoder sees only the summary). HF on a decoder-only model would scan the prompt too,
  // and the prompt here is the article: every phrase of it (a name, "the Prime Minister") would be
  // banned from the summary — on the 100 validation pairs 55 references share a trigram with their article.
  for (const t of bannedNgramTokens(seq.slice(seq.length - generated), o.noRepeatNgramSize ?? 0)) row[t] = -Infinity;
  if (generated < (o.minNewTokens ?? 0)) row[eosId] = -Infinity;
}
