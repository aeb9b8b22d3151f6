import { describe, expect, it } from 'vitest';
import { countParams } from '../model/config';
import { loraTrainFlopsPerToken, matmulParams, trainFlopsPerToken } from './flops';
import { mfu } from './summary';
import { BENCH_LORA, REFERENCE_CONFIG, randomBatch, workloadConfig } from './workloads';
import { adapterParamCount } from '../model/lora';

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

describe('SmolLM2-135M-shaped workload', () => {
  it("has SmolLM2-135M's parameter count, and LoRA r 8 on q/v trains 460,800 of them", () => {
    const c = workloadConfig('smollm2-135m');
    expect(countParams(c)).toBe(134_515_008); // the HF model card's 135M
    const lora = { ...c, lora: BENCH_LORA };
    // per layer: q (8·576 + 576·8) + v (8·576 + 192·8): A (r, in), B (out, r); v's out is 3 KV heads × 64
    expect(adapterParamCount(lora)).toBe(30 * (8 * 576 + 576 * 8 + 8 * 576 + 192 * 8));
    expect(adapterParamCount(lora)).toBe(460_800);
  });

  it("counts LoRA FLOPs as full training minus the frozen weights' gradients plus the adapters' 6×", () => {
    const c = workloadConfig('smollm2-135m');
    const full = trainFlopsPerToken(c, 512);
    expect(loraTrainFlopsPerToken(c, 512, 460_800)).toBe(full - 2 * matmulParams(c) + 6 * 460_800);
    expect(loraTrainFlopsPerToken(c, 512, 460_800) / full).toBeGreaterThan(0.66);
    expect(loraTrainFlopsPerToken(c, 512, 460_800) / full).toBeLessThan(0.72);
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
