import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, ADAMW_DEFAULTS } from './adamw';
import { lrAt, warmupSteps } from './schedule';
import { clipByGlobalNorm } from './clip';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('AdamW', () => {
  it('equals hand-computed torch.optim.AdamW values over two steps (lr 0.1, wd 0.01)', async () => {
    const params = new Map([
      ['w', tf.variable(tf.tensor1d([1, -2]))],
      ['model.norm.weight', tf.variable(tf.tensor1d([1, -2]))],
    ]);
    const opt = new AdamW({ ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !n.endsWith('norm.weight') });
    for (const g of [
      [0.5, 0.1],
      [-0.25, 0.2],
    ]) {
      const grads = new Map([
        ['w', tf.tensor1d(g)],
        ['model.norm.weight', tf.tensor1d(g)],
      ]);
      opt.apply(params, grads, 0.1);
    }
    // Worked by hand from the update rule (see adamw.ts):
    // step 1: p = p(1 − 0.001) − 0.1·ĝ/(|ĝ| + 1e-8) = [0.899, −2.098]
    // step 2: m = [0.02, 0.029], v = [3.1225e-4, 4.999e-5], bias corrections 0.19 and 0.001999
    const w = await params.get('w')!.data();
    expect(w[0]).toBeCloseTo(0.8714672987058463, 6);
    expect(w[1]).toBeCloseTo(-2.1924201864887465, 6);
    expect(Array.from(await opt.m.get('w')!.data())).toEqual([expect.closeTo(0.02, 7), expect.closeTo(0.029, 7)]);
    // Norm weights take the same Adam step without the decay term.
    const n = await params.get('model.norm.weight')!.data();
    // Without decay: step 1 gives [0.9, −2.1]; step 2 subtracts the same Adam update as above.
    expect(n[0]).toBeCloseTo(0.9 - (0.898101 - 0.8714672987058463), 5);
    expect(n[0]).not.toBeCloseTo(w[0], 6);
    opt.dispose();
  });
});

describe('schedule', () => {
  it('follows transformers: linear warmup from 0, then linear or cosine decay to 0', () => {
    const total = 100;
    const warm = warmupSteps(total, 0.1);
    expect(warm).toBe(10);
    expect(lrAt('linear', 1e-3, 0, total, warm)).toBe(0);
    expect(lrAt('linear', 1e-3, 5, total, warm)).toBeCloseTo(5e-4, 12);
    expect(lrAt('linear', 1e-3, 10, total, warm)).toBeCloseTo(1e-3, 12);
    expect(lrAt('linear', 1e-3, 55, total, warm)).toBeCloseTo(5e-4, 12);
    expect(lrAt('linear', 1e-3, 100, total, warm)).toBe(0);
    expect(lrAt('cosine', 1e-3, 55, total, warm)).toBeCloseTo(5e-4, 12);
    expect(lrAt('cosine', 1e-3, 32.5, total, warm)).toBeCloseTo(1e-3 * 0.5 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(lrAt('constant', 1e-3, 99, total, warm)).toBe(1e-3);
    expect(lrAt('linear', 1e-3, 0, total, 0)).toBe(1e-3);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients by max_norm / (‖g‖ + 1e-6) only when the norm exceeds it', async () => {
    const grads = new Map([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor1d([0, 4])],
    ]); // ‖g‖ = 5
    const { grads: clipped, norm } = await clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(Array.from(await clipped.get('a')!.data())[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    expect(Array.from(await clipped.get('b')!.data())[1]).toBeCloseTo(4 / (5 + 1e-6), 6);
    const same = new Map([['a', tf.tensor1d([0.3, 0.4])]]);
    const r = await clipByGlobalNorm(same, 1);
    expect(r.grads.get('a')).toBe(same.get('a'));
  });
});
