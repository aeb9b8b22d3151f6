import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { collate } from '../data/batching';
import { IGNORE_INDEX, type Example } from '../core/example';
import { PRESETS, type LlamaConfig } from '../model/config';
import { disposeParams, initWeights, toVariables } from '../model/params';
import { accumulateGradients, microBatches, shardOf } from './accumulate';
import { flatLayout, packTensors } from './flat';
import { lossAndGrads } from './step';
import { liveTensors } from '../testing/live-tensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const I = IGNORE_INDEX;
const config: LlamaConfig = { ...PRESETS.tiny.model, vocabSize: 300 };
const layout = flatLayout(config);
// Varied lengths and masks: 3, 1, 4 and 0 supervised tokens.
const examples: Example[] = [
  { inputIds: [5, 6, 7, 8, 9], labels: [I, I, 8, 9, 10] },
  { inputIds: [11, 12], labels: [I, 13] },
  { inputIds: [20, 21, 22, 23, 24, 25, 26], labels: [I, I, I, 24, 25, 26, 27] },
  { inputIds: [30, 31, 32], labels: [I, I, I] },
];

const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('sharding a global batch', () => {
  it('shardOf and microBatches cut contiguously, sizes differing by at most 1', () => {
    const idx = [9, 8, 7, 6, 5, 4, 3];
    expect([0, 1, 2].map((r) => shardOf(idx, r, 3))).toEqual([
      [9, 8, 7],
      [6, 5],
      [4, 3],
    ]);
    expect(microBatches([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
    expect(microBatches([1], 3)).toEqual([[1], [], []]);
    expect(() => microBatches([1], 0)).toThrow(/accumulationSteps/);
  });
});

describe('accumulateGradients', () => {
  it('sums summed-loss gradients over micro-batches: equals tokens × the mean-loss gradient of the whole batch', async () => {
    const params = toVariables(config, initWeights(config, 11));
    const all = [0, 1, 2, 3];
    const whole = collate(
      all.map((i) => examples[i]),
      0,
    );
    expect(whole.tokens).toBe(8);
    const ref = lossAndGrads(params, config, whole); // mean over the 8 tokens
    const mean = await packTensors(layout, ref.grads);
    const meanLoss = (await ref.loss.data())[0];
    ref.loss.dispose();
    for (const g of ref.grads.values()) g.dispose();

    const before = liveTensors();
    // 3 micro-batches: [0, 1], [2], [3]; the last has no supervised token and is skipped.
    const acc = await accumulateGradients(params, config, layout, examples, all, 3, 0);
    expect(liveTensors()).toBe(before);
    expect(acc.tokens).toBe(8);
    expect(acc.lossSum / acc.tokens).toBeCloseTo(meanLoss, 5);
    const perToken = acc.grad.map((x) => x / acc.tokens);
    expect(maxAbsDiff(perToken, mean)).toBeLessThan(1e-6 * maxAbs(mean) + 1e-9);

    // Reusing a buffer zeroes it first; an all-masked shard contributes nothing.
    const empty = await accumulateGradients(params, config, layout, examples, [3], 1, 0, acc.grad);
    expect(empty.grad).toBe(acc.grad);
    expect(empty.tokens).toBe(0);
    expect(maxAbs(empty.grad)).toBe(0);
    disposeParams(params);
  });
});
