import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalGroup } from '../collectives/local-collective';
import { isNormWeight } from '../model/params';
import { mulberry32 } from '../core/prng';
import { AdamW, ADAMW_DEFAULTS, type AdamWOptions } from './adamw';
import { ReplicatedAdamW } from './data-parallel';
import { layoutOf, packTensors } from './flat';
import { adamwFloat32, ZeroAdamW } from './zero';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const opts: AdamWOptions = { ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !isNormWeight(n) };

function randomArray(n: number, rand: () => number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

describe('adamwFloat32', () => {
  it('is adamw.ts bit for bit on the cpu backend, with and without weight decay', async () => {
    const rand = mulberry32(5);
    const n = 257;
    const p0 = randomArray(n, rand, 1);
    const names = ['w', 'model.norm.weight'];
    const params = new Map(names.map((k) => [k, tf.variable(tf.tensor1d(p0))]));
    const ref = new AdamW(opts);
    const p = { w: p0.slice(), 'model.norm.weight': p0.slice() };
    const state = names.map(() => ({ m: new Float32Array(n), v: new Float32Array(n) }));
    for (let step = 1; step <= 4; step++) {
      // Gradients of every magnitude, a few exactly zero and a few around ε.
      const g = randomArray(n, rand, 10 ** -(step * 2));
      g[0] = 0;
      g[1] = 1e-8;
      const lr = 1e-2 / step;
      const grads = new Map(names.map((k) => [k, tf.tensor1d(g)]));
      ref.apply(params, grads, lr);
      for (const t of grads.values()) t.dispose();
      names.forEach((k, i) =>
        adamwFloat32(
          p[k as keyof typeof p],
          g,
          state[i].m,
          state[i].v,
          lr,
          opts.decays(k) ? opts.weightDecay : 0,
          step,
          opts,
        ),
      );
    }
    for (const [i, k] of names.entries()) {
      expect(Array.from(p[k as keyof typeof p])).toEqual(Array.from(await params.get(k)!.data()));
      expect(Array.from(state[i].v)).toEqual(Array.from(await ref.v.get(k)!.data()));
    }
    expect(Array.from(p.w)).not.toEqual(Array.from(p['model.norm.weight'])); // decay did differ
    ref.dispose();
    for (const v of params.values()) v.dispose();
  });
});

describe('ZeroAdamW', () => {
  // 23 values over 3 ranks (8, 8, 7): rank boundaries fall inside tensors, norm weights included.
  const layout = layoutOf([
    ['a', [2, 3]],
    ['b.input_layernorm.weight', [5]],
    ['c', [3, 3]],
    ['model.norm.weight', [3]],
  ]);

  it('keeps moments only for its contiguous range, with decay masked per tensor', () => {
    const group = createLocalGroup(3);
    const opt = group.map((c) => new ZeroAdamW(c, layout, opts));
    expect(opt.map((o) => o.range)).toEqual([
      { start: 0, end: 8 },
      { start: 8, end: 16 },
      { start: 16, end: 23 },
    ]);
    expect(opt.map((o) => o.optimizerBytes)).toEqual([64, 64, 56]);
    expect(opt[0].segments.map((s) => [s.name, s.start, s.end, s.decay])).toEqual([
      ['a', 0, 6, true],
      ['b.input_layernorm.weight', 6, 8, false],
    ]);
    expect(opt[1].segments.map((s) => [s.name, s.start, s.end, s.decay])).toEqual([
      ['b.input_layernorm.weight', 8, 11, false],
      ['c', 11, 16, true],
    ]);
    expect(opt[2].segments.map((s) => [s.name, s.start, s.end, s.decay])).toEqual([
      ['c', 16, 20, true],
      ['model.norm.weight', 20, 23, false],
    ]);
  });

  it('over 3 ranks equals the replicated AdamW bit for bit after 5 steps, every rank alike', async () => {
    const rand = mulberry32(9);
    const init = randomArray(layout.total, rand, 1);
    const grads = Array.from({ length: 5 }, (_, s) => randomArray(layout.total, rand, 10 ** -s));
    const vars = () =>
      new Map(
        layout.entries.map((e) => [e.name, tf.variable(tf.tensor(init.slice(e.offset, e.offset + e.size), e.shape))]),
      );

    const refParams = vars();
    const ref = new ReplicatedAdamW(layout, opts);
    for (const [s, g] of grads.entries()) await ref.apply(refParams, g, 1e-2 * (s + 1));
    const expected = await packTensors(layout, refParams);

    const ranks = await Promise.all(
      createLocalGroup(3).map(async (c) => {
        const params = vars();
        const opt = new ZeroAdamW(c, layout, opts);
        for (const [s, g] of grads.entries()) await opt.apply(params, g, 1e-2 * (s + 1));
        expect(opt.step).toBe(5);
        const out = await packTensors(layout, params);
        for (const v of params.values()) v.dispose();
        return out;
      }),
    );
    for (const r of ranks) expect(Array.from(r)).toEqual(Array.from(expected));
    ref.dispose();
    for (const v of refParams.values()) v.dispose();
  });
});
