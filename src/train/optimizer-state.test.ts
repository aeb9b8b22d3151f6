import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalGroup } from '../collectives/local-collective';
import { isNormWeight, type Variables } from '../model/params';
import { mulberry32 } from '../core/prng';
import { AdamW, ADAMW_DEFAULTS, type AdamWOptions } from './adamw';
import { ReplicatedAdamW, type FlatOptimizer } from './data-parallel';
import { layoutOf, packTensors, unpackTensors, type FlatLayout } from './flat';
import type { OptimizerState } from './optimizer-state';
import { ZeroAdamW } from './zero';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const opts: AdamWOptions = { ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !isNormWeight(n) };
// Three tensors, 7 + 12 + 5 = 24 values: ZeRO ranges over 2 or 3 ranks cut through tensors.
const layout: FlatLayout = layoutOf([
  ['a', [7]],
  ['b', [3, 4]],
  ['model.norm.weight', [5]],
]);

const rand = mulberry32(11);
const p0 = Float32Array.from({ length: layout.total }, () => rand() * 2 - 1);
const grads = Array.from({ length: 6 }, () =>
  Float32Array.from({ length: layout.total }, () => (rand() * 2 - 1) * 0.1),
);

const vars = (flat: Float32Array): Variables => {
  const ts = unpackTensors(layout, flat);
  const out: Variables = new Map([...ts].map(([k, t]) => [k, tf.variable(t)]));
  ts.forEach((t) => t.dispose());
  return out;
};

/** One optimizer per rank, each applying grads[from..to) at lr 0.01; returns rank 0's parameters and every rank's export. */
async function runRanks(
  world: number,
  make: (c: ReturnType<typeof createLocalGroup>[number]) => FlatOptimizer,
  start: Float32Array,
  from: number,
  to: number,
  restore?: OptimizerState,
) {
  return Promise.all(
    createLocalGroup(world).map(async (c) => {
      const params = vars(start);
      const opt = make(c);
      if (restore) opt.restoreState(restore);
      for (let k = from; k < to; k++) await opt.apply(params, grads[k], 0.01);
      const state = await opt.exportState();
      const p = await packTensors(layout, params);
      params.forEach((v) => v.dispose());
      opt.dispose();
      return { p, state };
    }),
  );
}

describe('optimizer state export / restore (flat layout order)', () => {
  it('AdamW exports zeros before any step, and its moments by name at their layout offsets', async () => {
    const adam = new AdamW(opts);
    expect(await adam.exportState(layout)).toEqual({ step: 0, m: new Float32Array(24), v: new Float32Array(24) });
    const params = vars(p0);
    const g = unpackTensors(layout, grads[0]);
    adam.apply(params, g, 0.01);
    const s = await adam.exportState(layout);
    // After one step m = (1 − β1) g and v = (1 − β2) g², element for element in layout order.
    for (let i = 0; i < 24; i++) {
      expect(s.m[i]).toBeCloseTo(0.1 * grads[0][i], 7);
      expect(s.v[i]).toBeCloseTo(0.001 * grads[0][i] ** 2, 9);
    }
    expect(s.step).toBe(1);
    g.forEach((t) => t.dispose());
    params.forEach((v) => v.dispose());
    adam.dispose();
  });

  it('every kind exports the same state, and a state moves between kinds and world sizes without changing the result', async () => {
    // Reference: one replicated optimizer, six steps straight.
    const [ref] = await runRanks(1, () => new ReplicatedAdamW(layout, opts), p0, 0, 6);
    // ZeRO-1 over 2 ranks: the export all-gathers, so every rank holds the whole (bit-identical) state.
    const zero = await runRanks(2, (c) => new ZeroAdamW(c, layout, opts), p0, 0, 6);
    expect(zero[0].state).toEqual(ref.state);
    expect(zero[1].state).toEqual(ref.state);
    expect(zero[0].p).toEqual(ref.p);

    // Three steps on one device, then three more elsewhere from the exported state.
    const [half] = await runRanks(1, () => new ReplicatedAdamW(layout, opts), p0, 0, 3);
    expect(half.state.step).toBe(3);
    const intoZero3 = await runRanks(3, (c) => new ZeroAdamW(c, layout, opts), half.p, 3, 6, half.state);
    expect(intoZero3[2].p).toEqual(ref.p); // adamwFloat32 is adamw.ts bit for bit on cpu
    expect(intoZero3[0].state).toEqual(ref.state);
    // ...and back: ZeRO-2's half-way state resumed by a replicated optimizer.
    const zeroHalf = await runRanks(2, (c) => new ZeroAdamW(c, layout, opts), p0, 0, 3);
    const [back] = await runRanks(1, () => new ReplicatedAdamW(layout, opts), zeroHalf[0].p, 3, 6, zeroHalf[0].state);
    expect(back.p).toEqual(ref.p);
    expect(back.state).toEqual(ref.state);

    // Negative control: the same three steps with fresh moments land elsewhere.
    const [fresh] = await runRanks(1, () => new ReplicatedAdamW(layout, opts), half.p, 3, 6);
    expect(fresh.p).not.toEqual(ref.p);
  });

  it('restore refuses a state that does not fit, naming the problem', () => {
    const bad = { step: 1, m: new Float32Array(23), v: new Float32Array(24) };
    expect(() => new ReplicatedAdamW(layout, opts).restoreState(bad)).toThrow(
      "AdamW.restoreState: optimizer m has 23 values, the model's layout needs 24",
    );
    const [c] = createLocalGroup(1);
    expect(() => new ZeroAdamW(c, layout, opts).restoreState({ ...bad, m: new Float32Array(24), step: -1 })).toThrow(
      /optimizer step must be a non-negative integer, got -1/,
    );
  });
});
