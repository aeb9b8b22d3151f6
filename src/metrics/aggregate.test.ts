import { describe, expect, it } from 'vitest';
import { aggregateRouge, bootstrapAggregate, bootstrapRouge, percentileSorted, scoreRougePairs } from './aggregate';
import { mulberry32 } from '../core/prng';
import { scoreRouge } from './rouge';

const predictions = [
  'the cat sat on the mat',
  'a dog barked at the postman',
  'stocks fell sharply on monday',
  'the minister resigned after the scandal',
  'heavy rain caused flooding in the north',
  'nothing in common here',
];
const references = [
  'the cat was sitting on the mat',
  'the postman was chased by a barking dog',
  'shares dropped on monday amid fears',
  'the minister has resigned over the scandal',
  'flooding hit northern towns after heavy rain',
  'completely different words entirely',
];

describe('aggregateRouge', () => {
  it('is the mean per-pair F-measure in [0, 1], scoring each prediction against its reference', () => {
    const agg = aggregateRouge(predictions, references, { stem: true });
    for (const type of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const) {
      const mean =
        predictions.reduce((sum, p, i) => sum + scoreRouge(references[i], p, { stem: true })[type].fmeasure, 0) /
        predictions.length;
      expect(agg[type]).toBeCloseTo(mean, 12);
      expect(agg[type]).toBeGreaterThan(0);
      expect(agg[type]).toBeLessThan(1);
    }
  });

  it('honours types, gives 1 for identical corpora and rejects mismatched lengths', () => {
    expect(aggregateRouge(references, references, { types: ['rouge2'] })).toEqual({ rouge2: 1 });
    expect(() => aggregateRouge(predictions, references.slice(1))).toThrow(RangeError);
    expect(Number.isNaN(aggregateRouge([], []).rouge1)).toBe(true);
  });
});

describe('bootstrapRouge', () => {
  it('is reproducible for a seed, and low <= mid <= high around the mean', () => {
    const a = bootstrapRouge(predictions, references, { stem: true, samples: 500, seed: 42 });
    const b = bootstrapRouge(predictions, references, { stem: true, samples: 500, seed: 42 });
    const c = bootstrapRouge(predictions, references, { stem: true, samples: 500, seed: 7 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const mean = aggregateRouge(predictions, references, { stem: true });
    for (const type of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const) {
      for (const m of ['precision', 'recall', 'fmeasure'] as const) {
        expect(a[type].low[m]).toBeLessThanOrEqual(a[type].mid[m]);
        expect(a[type].mid[m]).toBeLessThanOrEqual(a[type].high[m]);
      }
      expect(a[type].low.fmeasure).toBeLessThanOrEqual(mean[type]);
      expect(a[type].high.fmeasure).toBeGreaterThanOrEqual(mean[type]);
      expect(Math.abs(a[type].mid.fmeasure - mean[type])).toBeLessThan(0.1);
    }
  });

  it('collapses to the value when every pair scores the same, and validates options', () => {
    const scores = scoreRougePairs(['a b c', 'd e f'], ['a b c', 'd e f'], { types: ['rouge1'] });
    const agg = bootstrapAggregate(scores, ['rouge1'], { samples: 50 });
    expect(agg.rouge1).toEqual({
      low: { precision: 1, recall: 1, fmeasure: 1 },
      mid: { precision: 1, recall: 1, fmeasure: 1 },
      high: { precision: 1, recall: 1, fmeasure: 1 },
    });
    expect(() => bootstrapAggregate(scores, ['rouge1'], { samples: 0 })).toThrow(RangeError);
    expect(() => bootstrapAggregate(scores, ['rouge1'], { confidence: 1.5 })).toThrow(RangeError);
    expect(() => bootstrapAggregate([], ['rouge1'])).toThrow(RangeError);
  });

  it('uses numpy-style linear percentiles', () => {
    const sorted = Float64Array.from([1, 2, 3, 4]);
    expect(percentileSorted(sorted, 0)).toBe(1);
    expect(percentileSorted(sorted, 0.5)).toBe(2.5);
    expect(percentileSorted(sorted, 0.025)).toBeCloseTo(1.075, 12);
    expect(percentileSorted(sorted, 1)).toBe(4);
  });
});

describe('mulberry32', () => {
  it('is deterministic per seed and yields floats in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});
