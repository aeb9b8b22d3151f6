import { describe, expect, it } from 'vitest';
import { countParams } from '../model/config';
import { matmulParams, trainFlopsPerToken } from './flops';
import { mfu } from './summary';
import { REFERENCE_CONFIG, randomBatch, workloadConfig } from './workloads';

describe('train FLOPs per token', () => {
  it('matches a hand count for the tiny preset (C 64, I 172, 2 layers, 4 heads, 2 KV heads, V 512, tied)', () => {
    // Per layer: q 64·64 + k 32·64 + v 32·64 + o 64·64 + gate/up/down 3·172·64
    const perLayer = 4096 + 2048 + 2048 + 4096 + 3 * 11008; // 45,312
    const lmHead = 512 * 64; // tied: the embedding is the output projection
    expect(matmulParams(workloadConfig('tiny'))).toBe(2 * perLayer + lmHead); // 123,392
    // 6·123,392 + 12·2·160·64
    expect(trainFlopsPerToken(workloadConfig('tiny'), 160)).toBe(740_352 + 245_760);
  });

  it('leaves the untied input embedding out of the reference workload, and nothing else', () => {
    const c = REFERENCE_CONFIG;
    expect(countParams(c)).toBe(4_999_424); // the "about 5.0M"
    const norms = 4 * 2 * 256 + 256;
    expect(matmulParams(c)).toBe(4_999_424 - 4096 * 256 - norms); // 3,948,544
    expect(trainFlopsPerToken(c, 256)).toBe(6 * 3_948_544 + 12 * 4 * 256 * 256); // 26,836,992
  });

  it('rejects a sequence length that is not a positive integer', () => {
    expect(() => trainFlopsPerToken(REFERENCE_CONFIG, 0)).toThrow(/seqLen must be a positive integer, got 0/);
  });

  it('MFU is achieved FLOP/s over the ceiling', () => {
    // 1,000 tokens/s × 26.8 MFLOP/token = 26.8 GFLOP/s against a 53.67 GFLOP/s ceiling
    expect(mfu(26_836_992, 1000, 53.673984)).toBeCloseTo(0.5, 12);
    expect(() => mfu(1, 1, 0)).toThrow(/ceiling must be positive/);
  });
});

describe('random reference batch', () => {
  it('labels every position with the next id, seeded', () => {
    const b = randomBatch(4096, 2, 5, 42);
    expect(b.ids.length).toBe(10);
    for (let r = 0; r < 2; r++) for (let t = 0; t < 4; t++) expect(b.labels[r * 5 + t]).toBe(b.ids[r * 5 + t + 1]);
    expect([...b.labels].every((y) => y >= 0 && y < 4096)).toBe(true);
    expect(randomBatch(4096, 2, 5, 42).ids).toEqual(b.ids);
    expect(randomBatch(4096, 2, 5, 43).ids).not.toEqual(b.ids);
  });
});
