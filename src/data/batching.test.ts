import { describe, expect, it } from 'vitest';
import { readSharedText } from '../testing/shared';
import { batchesForEpoch, collate, mulberry32, shuffledIndices, splitTrainValidation } from './batching';
import { buildExample, type ExampleTokenizer } from './examples';
import { readPairs } from './readers';
import { IGNORE_INDEX } from '../core/example';

const I = IGNORE_INDEX;
const PAD = 0;
const tok: ExampleTokenizer = { bosId: 1, eosId: 2, encode: (t) => Array.from(t, (c) => c.charCodeAt(0) + 3) };

describe('collate', () => {
  it('right-pads ids with padId and labels with IGNORE_INDEX into (B, T) row-major', () => {
    const b = collate(
      [
        { inputIds: [1, 5, 6, 2], labels: [I, 6, 2, I] },
        { inputIds: [1, 7], labels: [2, I] },
        { inputIds: [1, 8, 9, 10, 2], labels: [I, I, 10, 2, I] },
      ],
      PAD,
    );
    expect(b.batchSize).toBe(3);
    expect(b.seqLen).toBe(5);
    expect(b.ids).toBeInstanceOf(Int32Array);
    expect(Array.from(b.ids)).toEqual([1, 5, 6, 2, PAD, 1, 7, PAD, PAD, PAD, 1, 8, 9, 10, 2]);
    expect(Array.from(b.labels)).toEqual([I, 6, 2, I, I, 2, I, I, I, I, I, I, 10, 2, I]);
    expect(b.tokens).toBe(2 + 1 + 2);
  });

  it('pads real examples: every padded position is ignored, supervised count = summaries + EOS', () => {
    const { pairs } = readPairs(readSharedText('data/xsum/validation.jsonl'), 'jsonl', undefined, 'validation.jsonl');
    const opts = { maxSourceLength: 64, maxTargetLength: 16 };
    const examples = pairs.slice(0, 8).map((p) => buildExample(tok, p, opts));
    const b = collate(examples, PAD);
    const T = Math.max(...examples.map((e) => e.inputIds.length));
    expect(b.seqLen).toBe(T);
    expect(b.ids).toHaveLength(8 * T);
    let expected = 0;
    examples.forEach((e, r) => {
      const L = e.inputIds.length;
      expect(Array.from(b.ids.subarray(r * T, r * T + L))).toEqual(e.inputIds);
      expect(Array.from(b.ids.subarray(r * T + L, (r + 1) * T)).every((v) => v === PAD)).toBe(true);
      expect(Array.from(b.labels.subarray(r * T + L, (r + 1) * T)).every((v) => v === I)).toBe(true);
      const summaryTokens = Math.min(tok.encode(pairs[r].target).length, opts.maxTargetLength - 1);
      expected += summaryTokens + 1;
    });
    expect(b.tokens).toBe(expected);
  });

  it('rejects an empty batch and mismatched labels', () => {
    expect(() => collate([], PAD)).toThrow('collate: the batch is empty');
    expect(() => collate([{ inputIds: [1, 2], labels: [I] }], PAD)).toThrow(
      'collate: example 0 has 2 input ids but 1 labels',
    );
  });
});

describe('mulberry32', () => {
  it('is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(xs[0]);
  });
});

describe('shuffledIndices', () => {
  const isPermutation = (order: number[], n: number) =>
    order.length === n && [...order].sort((x, y) => x - y).every((v, i) => v === i);

  it('repeats for the same seed and epoch, differs across epochs and seeds', () => {
    expect(shuffledIndices(871, 7, 3)).toEqual(shuffledIndices(871, 7, 3));
    expect(shuffledIndices(871, 7, 3)).not.toEqual(shuffledIndices(871, 7, 4));
    expect(shuffledIndices(871, 7, 0)).not.toEqual(shuffledIndices(871, 8, 0));
    expect(shuffledIndices(871, 7, 0)).not.toEqual(Array.from({ length: 871 }, (_, i) => i));
  });

  it('is a permutation every epoch', () => {
    for (let epoch = 0; epoch < 5; epoch++) expect(isPermutation(shuffledIndices(101, 42, epoch), 101)).toBe(true);
    expect(shuffledIndices(0, 1, 0)).toEqual([]);
    expect(shuffledIndices(1, 1, 0)).toEqual([0]);
  });
});

describe('batchesForEpoch', () => {
  it('covers every index exactly once per epoch, in shuffled order', () => {
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = batchesForEpoch(871, 8, 42, epoch);
      expect(batches).toHaveLength(109);
      expect(batches.slice(0, -1).every((b) => b.length === 8)).toBe(true);
      expect(batches.at(-1)).toHaveLength(871 - 108 * 8);
      expect(batches.flat()).toEqual(shuffledIndices(871, 42, epoch));
      expect(new Set(batches.flat()).size).toBe(871);
    }
    expect(batchesForEpoch(871, 8, 42, 0)).toEqual(batchesForEpoch(871, 8, 42, 0));
  });

  it('drops the short last batch when asked', () => {
    const batches = batchesForEpoch(10, 4, 1, 0, true);
    expect(batches.map((b) => b.length)).toEqual([4, 4]);
    expect(batchesForEpoch(3, 4, 1, 0, true)).toEqual([]);
    expect(batchesForEpoch(8, 4, 1, 0, true).map((b) => b.length)).toEqual([4, 4]);
    expect(() => batchesForEpoch(8, 0, 1, 0)).toThrow('batchSize must be an integer >= 1, got 0');
  });
});

describe('splitTrainValidation', () => {
  const items = Array.from({ length: 971 }, (_, i) => i);

  it('splits deterministically into disjoint parts that keep the file order', () => {
    const a = splitTrainValidation(items, 0.1, 5);
    expect(a).toEqual(splitTrainValidation(items, 0.1, 5));
    expect(a.validation).toHaveLength(97);
    expect(a.train).toHaveLength(971 - 97);
    expect([...a.train, ...a.validation].sort((x, y) => x - y)).toEqual(items);
    expect(a.train).toEqual([...a.train].sort((x, y) => x - y));
    expect(a.validation).toEqual([...a.validation].sort((x, y) => x - y));
    expect(splitTrainValidation(items, 0.1, 6).validation).not.toEqual(a.validation);
  });

  it('keeps at least one row on each side, and handles 0', () => {
    expect(splitTrainValidation([1, 2, 3], 0.01, 1).validation).toHaveLength(1);
    expect(splitTrainValidation([1, 2, 3], 0.99, 1).train).toHaveLength(1);
    expect(splitTrainValidation([1, 2, 3], 0, 1)).toEqual({ train: [1, 2, 3], validation: [] });
    expect(() => splitTrainValidation([1], 0.5, 1)).toThrow('need at least 2');
    expect(() => splitTrainValidation(items, 1, 1)).toThrow('validationFraction must be in [0, 1), got 1');
  });
});
