import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readShared } from '../testing/shared';
import { configFor, countParams, PRESETS } from './config';
import { forward } from './llama';
import { loadLlama2c } from './io/llama2c';
import { disposeParams, EMBED, initWeights, paramShapes, resizeEmbeddings, toVariables } from './params';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('parameters', () => {
  it('countParams equals the tensors created, for every preset', () => {
    for (const p of Object.values(PRESETS)) {
      const c = configFor(p, p.vocabSize);
      const n = paramShapes(c).reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
      expect(countParams(c)).toBe(n);
    }
    const small = configFor(PRESETS.small, 4096);
    expect(countParams(small)).toBeGreaterThan(3e6);
    expect(countParams(small)).toBeLessThan(20e6);
  });

  it('the same seed gives bit-identical weights; norms start at one', () => {
    const c = configFor(PRESETS.tiny, 300);
    const a = initWeights(c, 7);
    const b = initWeights(c, 7);
    for (const [k, v] of a) expect(b.get(k)).toEqual(v);
    expect(initWeights(c, 8).get(EMBED)).not.toEqual(a.get(EMBED));
    expect(Array.from(a.get('model.norm.weight')!).every((x) => x === 1)).toBe(true);
    const e = a.get(EMBED)!;
    const std = Math.sqrt(e.reduce((s, x) => s + x * x, 0) / e.length);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
  });

  it('growing the vocabulary for a pad token keeps every old logit and adds a mean row', async () => {
    const ckpt = loadLlama2c(new Uint8Array(readShared('fixtures/llama2c/aidreams260K.bin')));
    const ids = tf.tensor2d([[1, 319, 459, 355]], [1, 4], 'int32');
    const before = toVariables(ckpt.config, ckpt.weights);
    const oldLogits = forward(before, ckpt.config, ids).logits;
    const weights = new Map(ckpt.weights);
    const grown = resizeEmbeddings(ckpt.config, weights, 513);
    expect(grown.vocabSize).toBe(513);
    const after = toVariables(grown, weights);
    const newLogits = forward(after, grown, ids).logits; // (1, 4, 513)
    const kept = tf.slice(newLogits, [0, 0, 0], [1, 4, 512]);
    expect(tf.max(tf.abs(tf.sub(kept, oldLogits))).dataSync()[0]).toBe(0);
    const emb = weights.get(EMBED)!;
    const C = ckpt.config.hiddenSize;
    let mean0 = 0;
    for (let r = 0; r < 512; r++) mean0 += emb[r * C] / 512;
    expect(emb[512 * C]).toBeCloseTo(mean0, 6);
    expect(() => resizeEmbeddings(grown, weights, 100)).toThrow(/cannot shrink vocabulary from 513 to 100/);
    disposeParams(before);
    disposeParams(after);
  });
});
