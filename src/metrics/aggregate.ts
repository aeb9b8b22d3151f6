// Corpus-level ROUGE over (prediction, reference) pairs.
//
// Two aggregations, matching the two ways Hugging Face's `rouge` metric is used:
//   - aggregateRouge: the plain mean of per-pair F-measures, i.e. `use_aggregator=False`
//     followed by a mean. Returned in [0, 1] (multiply by 100 for the usual "ROUGE-1 = 45.2"
//     presentation). Deterministic, and what the studio reports.
//   - bootstrapRouge: rouge_score's BootstrapAggregator (HF's default `use_aggregator=True`):
//     resample pairs with replacement, take the mean of each resample, and report percentiles of
//     those means. Note that `mid` is the 50th percentile of the resampled means, not the plain
//     mean (rouge_score documents "mid is the mean" but computes a median); it is close to the
//     mean but not equal. We use a seeded PRNG, so intervals are reproducible here but are not
//     the same draws as numpy's global RNG in rouge_score.
//
// Argument order is (predictions, references), as in HF `compute(predictions=, references=)`;
// each pair is scored as scoreRouge(reference, prediction).

import { mulberry32 } from '../core/prng';
import {
  RougeScorer,
  type DefaultRougeType,
  type RougeOptions,
  type RougeScore,
  type RougeScores,
  type RougeType,
} from './rouge';

const MEASURES = ['precision', 'recall', 'fmeasure'] as const;

/** Scores each pair; `predictions[i]` is scored against `references[i]`. */
export function scoreRougePairs<T extends RougeType = DefaultRougeType>(
  predictions: readonly string[],
  references: readonly string[],
  options: RougeOptions<T> = {},
): RougeScores<T>[] {
  if (predictions.length !== references.length) {
    throw new RangeError(`predictions (${predictions.length}) and references (${references.length}) differ in length`);
  }
  const scorer = new RougeScorer<T>(options);
  return predictions.map((prediction, i) => scorer.score(references[i], prediction));
}

/** Mean F-measure per type over already-computed pair scores, in [0, 1]; NaN when there are none. */
export function meanFmeasure<T extends RougeType>(
  scores: readonly RougeScores<T>[],
  types: readonly T[],
): Record<T, number> {
  const result = {} as Record<T, number>;
  for (const type of types) {
    let sum = 0;
    for (const s of scores) sum += s[type].fmeasure;
    result[type] = scores.length > 0 ? sum / scores.length : Number.NaN;
  }
  return result;
}

/**
 * Mean F-measure per rouge type over all pairs, in [0, 1] (NaN for zero pairs). Equals HF
 * `rouge.compute(..., use_aggregator=False)` followed by a mean of each list.
 */
export function aggregateRouge<T extends RougeType = DefaultRougeType>(
  predictions: readonly string[],
  references: readonly string[],
  options: RougeOptions<T> = {},
): Record<T, number> {
  const scorer = new RougeScorer<T>(options);
  return meanFmeasure(scoreRougePairs(predictions, references, options), scorer.types);
}

export interface BootstrapOptions {
  /** Number of bootstrap resamples (rouge_score's n_samples). Default 1000. */
  samples?: number;
  /** PRNG seed; the same seed and inputs give the same intervals. Default 0. */
  seed?: number;
  /** Two-sided confidence level in [0, 1] (rouge_score's confidence_interval). Default 0.95. */
  confidence?: number;
}

export interface AggregateScore {
  low: RougeScore;
  mid: RougeScore;
  high: RougeScore;
}

/** numpy.percentile's default ('linear') method on an ascending array, q in [0, 1]. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const position = q * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

/**
 * rouge_score's BootstrapAggregator over already-computed pair scores. One set of resampled
 * indices is shared by all types so their intervals come from the same resamples.
 */
export function bootstrapAggregate<T extends RougeType>(
  scores: readonly RougeScores<T>[],
  types: readonly T[],
  options: BootstrapOptions = {},
): Record<T, AggregateScore> {
  const samples = options.samples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(samples) || samples <= 0) throw new RangeError('samples must be a positive integer');
  if (!(confidence >= 0 && confidence <= 1)) throw new RangeError('confidence must be in [0, 1]');
  if (scores.length === 0) throw new RangeError('bootstrap needs at least one scored pair');

  const n = scores.length;
  const random = mulberry32(options.seed ?? 0);
  // means[t][m] holds the `samples` resampled means of measure m for type t.
  const means = types.map(() => MEASURES.map(() => new Float64Array(samples)));
  const sums = types.map(() => new Float64Array(MEASURES.length));
  for (let s = 0; s < samples; s++) {
    for (const row of sums) row.fill(0);
    for (let k = 0; k < n; k++) {
      const pair = scores[Math.floor(random() * n)];
      types.forEach((type, t) => {
        const score = pair[type];
        sums[t][0] += score.precision;
        sums[t][1] += score.recall;
        sums[t][2] += score.fmeasure;
      });
    }
    types.forEach((_, t) => MEASURES.forEach((_m, m) => (means[t][m][s] = sums[t][m] / n)));
  }

  const delta = (1 - confidence) / 2;
  const result = {} as Record<T, AggregateScore>;
  types.forEach((type, t) => {
    const sorted = means[t].map((column) => column.slice().sort());
    const at = (q: number): RougeScore => ({
      precision: percentileSorted(sorted[0], q),
      recall: percentileSorted(sorted[1], q),
      fmeasure: percentileSorted(sorted[2], q),
    });
    result[type] = { low: at(delta), mid: at(0.5), high: at(1 - delta) };
  });
  return result;
}

/** Scores every pair, then bootstraps confidence intervals like rouge_score's BootstrapAggregator. */
export function bootstrapRouge<T extends RougeType = DefaultRougeType>(
  predictions: readonly string[],
  references: readonly string[],
  options: RougeOptions<T> & BootstrapOptions = {},
): Record<T, AggregateScore> {
  const scorer = new RougeScorer<T>(options);
  return bootstrapAggregate(scoreRougePairs(predictions, references, options), scorer.types, options);
}
