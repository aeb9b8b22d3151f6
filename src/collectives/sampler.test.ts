import { describe, expect, it } from 'vitest';
import { evalShards, gatherInOrder, shardBatch, shardRange } from './sampler';

describe('shardBatch', () => {
  it('cuts every batch into contiguous, disjoint shards covering it once, sizes within 1, bigger ones first', () => {
    for (let n = 0; n <= 23; n++) {
      const batch = Array.from({ length: n }, (_, i) => 1000 + ((i * 7) % 23)); // arbitrary indices
      for (let world = 1; world <= 6; world++) {
        const shards = Array.from({ length: world }, (_, r) => shardBatch(batch, r, world));
        expect(shards.flat()).toEqual(batch); // concatenation in rank order = the batch: contiguous, disjoint, complete
        const sizes = shards.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect([...sizes].sort((a, b) => b - a)).toEqual(sizes); // non-increasing in rank
      }
    }
  });

  it('matches the documented split and validates its arguments', () => {
    expect([0, 1, 2].map((r) => shardBatch([0, 1, 2, 3, 4, 5, 6], r, 3))).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect([0, 1, 2].map((r) => shardBatch([9], r, 3))).toEqual([[9], [], []]);
    expect(shardRange(10, 3, 4)).toEqual({ start: 8, end: 10 });
    expect(() => shardBatch([1], 2, 2)).toThrow(/rank 2 is outside 0\.\.1/);
    expect(() => shardBatch([1], 0, 0)).toThrow(/world must be a positive integer/);
    expect(() => shardRange(-1, 0, 1)).toThrow(/n must be a non-negative integer/);
  });
});

describe('evalShards + gatherInOrder', () => {
  it('gives each validation example to exactly one rank and gathers exactly n results in the original order', () => {
    for (let n = 0; n <= 17; n++) {
      for (let world = 1; world <= 5; world++) {
        const shards = Array.from({ length: world }, (_, r) => evalShards(n, r, world));
        const seen = shards.flat().sort((a, b) => a - b);
        expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
        const results = shards.map((idx) => idx.map((i) => `result ${i}`));
        expect(gatherInOrder(results, world)).toEqual(Array.from({ length: n }, (_, i) => `result ${i}`));
      }
    }
  });

  it('refuses parts that do not match the shards (wrong count, a dropped or duplicated result)', () => {
    expect(() => gatherInOrder([[1, 2]], 2)).toThrow(/expected 2 parts, got 1/);
    expect(() => gatherInOrder([[1], [2, 3]], 2)).toThrow(/rank 0 returned 1 results, its shard of 3 has 2/);
    expect(() => gatherInOrder([[1, 2, 3], []], 2)).toThrow(/rank 0 returned 3 results/);
  });
});
