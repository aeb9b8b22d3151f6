import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readShared, readSharedText } from '../../testing/shared';
import { greedy, greedyRecompute } from '../generate/generate';
import { loadLlama2c, permuteRotary } from './llama2c';
import { disposeParams, toVariables } from '../params';

// The oracle: ids printed by the numpy reference (../shared/fixtures/llama2c/reference_forward_numpy.py).
function expectedIds(): number[] {
  const line = readSharedText('fixtures/llama2c/greedy_from_BOS_64.txt').split('\n')[0];
  return JSON.parse(line.replace(/^ids\s*/, '')) as number[];
}

describe('llama2.c checkpoint', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('reads the header of aidreams260K.bin', () => {
    const { config, seqLen } = loadLlama2c(new Uint8Array(readShared('fixtures/llama2c/aidreams260K.bin')));
    expect(config).toMatchObject({
      hiddenSize: 64,
      intermediateSize: 172,
      numHiddenLayers: 4,
      numAttentionHeads: 4,
      numKeyValueHeads: 4,
      vocabSize: 512,
      tieWordEmbeddings: true,
    });
    expect(seqLen).toBe(128);
  });

  it('greedy decoding from BOS reproduces the reference 64 ids exactly (KV cache and recompute)', async () => {
    const ckpt = loadLlama2c(new Uint8Array(readShared('fixtures/llama2c/aidreams260K.bin')));
    const params = toVariables(ckpt.config, ckpt.weights);
    const want = expectedIds();
    expect(want).toHaveLength(64);
    // The reference runs 64 positions from BOS and stops if BOS comes back.
    const cached = await greedy(params, ckpt.config, [1], { maxNewTokens: 64, stopIds: [1] });
    expect(cached).toEqual(want);
    const recomputed = await greedyRecompute(params, ckpt.config, [1], { maxNewTokens: 64, stopIds: [1] });
    expect(recomputed).toEqual(cached);
    disposeParams(params);
  });

  it('permutes q/k rows per head from interleaved to half-split layout', () => {
    // One head, D = 4, 1 column: rows [0,1,2,3] → [0,2,1,3].
    expect(Array.from(permuteRotary(new Float32Array([0, 1, 2, 3]), 1, 4, 1))).toEqual([0, 2, 1, 3]);
    // Two heads of D = 4, 2 columns: each head permuted on its own.
    const w = new Float32Array(16).map((_, i) => i);
    expect(Array.from(permuteRotary(w, 2, 4, 2))).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
  });

  it('rejects a truncated file and a bad header with a clear message', () => {
    const bytes = new Uint8Array(readShared('fixtures/llama2c/aidreams260K.bin'));
    expect(() => loadLlama2c(bytes.slice(0, 10))).toThrow(/shorter than its 28-byte header/);
    expect(() => loadLlama2c(bytes.slice(0, 5000))).toThrow(/needs \d+ float32 values, file has \d+/);
    const bad = bytes.slice();
    new DataView(bad.buffer).setInt32(12, 3, true); // 3 heads do not divide dim 64
    expect(() => loadLlama2c(bad)).toThrow(/not divisible by numAttentionHeads 3/);
  });
});
