// ROUGE-N, ROUGE-L and ROUGE-Lsum, matching Google's `rouge_score` package (the implementation
// behind Hugging Face `evaluate.load("rouge")`) digit for digit.
//
// Conventions, as in rouge_score's `RougeScorer.score(target, prediction)`:
//   recall    = matches / size of the TARGET (reference)
//   precision = matches / size of the PREDICTION
//   fmeasure  = 2PR / (P + R), or 0 when P + R == 0
// Note the argument order: target first. The batch helpers in aggregate.ts take
// (predictions, references) like Hugging Face's `compute`.

import { lcsLength, unionLcs } from './lcs';
import { splitSentences } from './sentences';
import { sharedStemmer, tokenizeRouge, type Stemmer } from './tokenize';

/** rouge1..rouge9 (n-gram overlap), rougeL (sentence LCS) and rougeLsum (summary-level LCS). */
export type RougeNType = `rouge${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`;
export type RougeType = RougeNType | 'rougeL' | 'rougeLsum';

/** The four scores Hugging Face's `rouge` metric reports by default. */
export type DefaultRougeType = 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum';

export const DEFAULT_ROUGE_TYPES: readonly DefaultRougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** Scores keyed by rouge type; `T` is the set of types that were requested. */
export type RougeScores<T extends RougeType = DefaultRougeType> = Record<T, RougeScore>;

export interface RougeOptions<T extends RougeType = DefaultRougeType> {
  /** Porter-stem tokens longer than 3 characters (rouge_score's use_stemmer). Default false. */
  stem?: boolean;
  /** Which scores to compute. Default: rouge1, rouge2, rougeL, rougeLsum. */
  types?: readonly T[];
  /**
   * For rougeLsum, find sentences with `splitSentences` instead of taking the text's lines
   * (rouge_score's split_summaries=True, with our rule-based splitter in place of punkt).
   * Default false: the caller has put one sentence per line, e.g. with prepareForRougeLsum.
   */
  splitSummaries?: boolean;
}

/** rouge_score's `scoring.fmeasure`. */
export function fmeasure(precision: number, recall: number): number {
  // Same operation order as the Python so the floating-point result is bit-identical.
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function makeScore(precision: number, recall: number): RougeScore {
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

const ZERO_SCORE: Readonly<RougeScore> = Object.freeze({ precision: 0, recall: 0, fmeasure: 0 });

function zeroScore(): RougeScore {
  return { ...ZERO_SCORE };
}

/** Multiset of n-grams. Tokens are [a-z0-9]+, so a space-joined key is unambiguous. */
function countNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** ROUGE-N: clipped n-gram overlap (rouge_score `_score_ngrams`). */
export function scoreNgrams(
  targetTokens: readonly string[],
  predictionTokens: readonly string[],
  n: number,
): RougeScore {
  const target = countNgrams(targetTokens, n);
  const prediction = countNgrams(predictionTokens, n);
  let overlap = 0;
  for (const [ngram, count] of target) overlap += Math.min(count, prediction.get(ngram) ?? 0);
  const targetCount = Math.max(0, targetTokens.length - n + 1);
  const predictionCount = Math.max(0, predictionTokens.length - n + 1);
  // max(count, 1): an empty side gives 0 instead of dividing by zero, as in rouge_score.
  return makeScore(overlap / Math.max(predictionCount, 1), overlap / Math.max(targetCount, 1));
}

/** ROUGE-L on whole token sequences (rouge_score `_score_lcs`). */
export function scoreLcs(targetTokens: readonly string[], predictionTokens: readonly string[]): RougeScore {
  if (targetTokens.length === 0 || predictionTokens.length === 0) return zeroScore();
  const lcs = lcsLength(targetTokens, predictionTokens);
  return makeScore(lcs / predictionTokens.length, lcs / targetTokens.length);
}

function countTokens(sentences: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sentence of sentences) {
    for (const token of sentence) counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  return counts;
}

/**
 * Summary-level ROUGE-L (rouge_score `_summary_level_lcs`, ROUGE paper section 3.2): for each
 * reference sentence, the union LCS against all candidate sentences. A union token is a hit only
 * while both the reference and candidate still have unused copies of it — the guard against
 * double counting that ROUGE-1.5.5 implements and the paper omits.
 */
export function scoreSummaryLcs(
  targetSentences: readonly (readonly string[])[],
  predictionSentences: readonly (readonly string[])[],
): RougeScore {
  if (targetSentences.length === 0 || predictionSentences.length === 0) return zeroScore();
  const m = targetSentences.reduce((sum, s) => sum + s.length, 0);
  const n = predictionSentences.reduce((sum, s) => sum + s.length, 0);
  if (m === 0 || n === 0) return zeroScore();

  const refCounts = countTokens(targetSentences);
  const canCounts = countTokens(predictionSentences);
  let hits = 0;
  for (const ref of targetSentences) {
    for (const token of unionLcs(ref, predictionSentences)) {
      const c = canCounts.get(token) ?? 0;
      const r = refCounts.get(token) ?? 0;
      if (c > 0 && r > 0) {
        hits++;
        canCounts.set(token, c - 1);
        refCounts.set(token, r - 1);
      }
    }
  }
  return makeScore(hits / n, hits / m);
}

/** rougeLsum's sentence split: on "\n", dropping empty lines (rouge_score without split_summaries). */
export function splitLines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

function ngramOrder(type: RougeType): number | null {
  const match = /^rouge([1-9])$/.exec(type);
  return match ? Number(match[1]) : null;
}

/**
 * A reusable scorer, like rouge_score's `RougeScorer(rouge_types, use_stemmer)`. Stemming goes
 * through a shared memo table, so creating scorers is cheap and repeated words are stemmed once.
 */
export class RougeScorer<T extends RougeType = DefaultRougeType> {
  readonly types: readonly T[];
  private readonly stemmer: Stemmer | null;
  private readonly sentencesOf: (text: string) => string[];

  constructor(options: RougeOptions<T> = {}) {
    // Without `types`, T is DefaultRougeType, so the default list has exactly type T.
    this.types = options.types ?? (DEFAULT_ROUGE_TYPES as readonly RougeType[] as readonly T[]);
    for (const type of this.types) {
      if (type !== 'rougeL' && type !== 'rougeLsum' && ngramOrder(type) === null) {
        throw new Error(`Invalid rouge type: ${String(type)}`);
      }
    }
    this.stemmer = options.stem ? sharedStemmer : null;
    this.sentencesOf = options.splitSummaries ? splitSentences : splitLines;
  }

  /** Tokens exactly as this scorer sees them. */
  tokenize(text: string): string[] {
    return tokenizeRouge(text, this.stemmer);
  }

  /** Scores `prediction` against `target` (the reference) for each configured type. */
  score(target: string, prediction: string): RougeScores<T> {
    const result: Partial<Record<RougeType, RougeScore>> = {};
    let targetTokens: string[] | null = null;
    let predictionTokens: string[] | null = null;
    for (const type of this.types) {
      if (type === 'rougeLsum') {
        result[type] = scoreSummaryLcs(
          this.sentencesOf(target).map((s) => this.tokenize(s)),
          this.sentencesOf(prediction).map((s) => this.tokenize(s)),
        );
        continue;
      }
      targetTokens ??= this.tokenize(target);
      predictionTokens ??= this.tokenize(prediction);
      if (type === 'rougeL') {
        result[type] = scoreLcs(targetTokens, predictionTokens);
      } else {
        result[type] = scoreNgrams(targetTokens, predictionTokens, ngramOrder(type) ?? 1);
      }
    }
    return result as RougeScores<T>;
  }
}

/** One-shot convenience: scores `prediction` against `target` (reference first, as rouge_score). */
export function scoreRouge<T extends RougeType = DefaultRougeType>(
  target: string,
  prediction: string,
  options: RougeOptions<T> = {},
): RougeScores<T> {
  return new RougeScorer<T>(options).score(target, prediction);
}
