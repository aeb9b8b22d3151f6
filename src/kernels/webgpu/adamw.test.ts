// The fused WebGPU optimizer kernels (Dawn on SwiftShader in Node) against plain-adamw.ts on the cpu
// backend: the step gate, and AdamW over several steps with and without weight decay, with clipping
// active, ungated, and a non-finite step that must leave p, m and v bit for bit as they were.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { relErr, startWebGPU } from '../../testing/webgpu-node';
import { mulberry32 } from '../../core/prng';
import * as plain from '../plain-adamw';
import { GATE, type AdamWStep } from '../plain-adamw';
import { adamwUpdateWebGPU, stepGateWebGPU } from './adamw';
import { countTfjsWebGPU, diffCounts } from './device-counter';
import { liveTensors } from '../../testing/live-tensors';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu-adamw tests: ${gpu.reason}`);

const TOL = 1e-4;
const HYPER = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
// Not multiples of the 64-thread workgroup; one 1-D (a norm weight), one 2-D.
const SHAPES = [[37, 70], [130]];

const draw = (rand: () => number, n: number, scale = 1) =>
  Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

/** p, m, v of every shape on the current backend, from the same host values. */
function makeState(host: Float32Array[]) {
  return tf.tidy(() => {
    return host.map((p, k) => ({
      p: tf.variable(tf.tensor(p, SHAPES[k]), false),
      m: tf.variable(tf.zeros(SHAPES[k]), false),
      v: tf.variable(tf.zeros(SHAPES[k]), false),
    }));
  });
}
type State = ReturnType<typeof makeState>;

async function read(s: State): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const { p, m, v } of s) for (const t of [p, m, v]) out.push((await t.data()) as Float32Array);
  return out;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/**
 * One step on `backend`: the gate of (loss, grads), then AdamW on every tensor through it (or no gate).
 * Returns the gate's values.
 */
async function step(
  backend: 'cpu' | 'webgpu',
  state: State,
  loss: number,
  grads: Float32Array[],
  maxNorm: number,
  s: AdamWStep,
  gated = true,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  const g = grads.map((x, k) => tf.tensor(x, SHAPES[k]));
  const l = tf.scalar(loss);
  const gate =
    backend === 'webgpu'
      ? stepGateWebGPU(l, g, maxNorm)
      : tf.tidy(() => plain.stepGate(l, plain.sumSquares(g), maxNorm));
  state.forEach(({ p, m, v }, k) => {
    const decay = k === 0 ? s.weightDecay : 0; // the 1-D tensor does not decay, as a norm weight
    const args = [p, g[k], m, v, { ...s, weightDecay: decay }, gated ? gate : undefined] as const;
    if (backend === 'webgpu') adamwUpdateWebGPU(...args);
    else plain.adamwUpdate(...args);
  });
  const values = (await gate.data()) as Float32Array;
  tf.dispose([...g, l, gate]);
  return values;
}

describe.skipIf(!gpu.ok)(
  `the fused AdamW and step gate equal plain-adamw.ts (${gpu.ok ? gpu.adapter : 'no adapter'})`,
  () => {
    it('over 4 steps, decay on and off, clipping active, then a non-finite step changes nothing', async () => {
      for (const weightDecay of [0.01, 0]) {
        const rand = mulberry32(weightDecay > 0 ? 11 : 12);
        const init = SHAPES.map((s) =>
          draw(
            rand,
            s.reduce((a, b) => a * b, 1),
          ),
        );
        await tf.setBackend('cpu');
        const ref = makeState(init);
        await tf.setBackend('webgpu');
        const got = makeState(init);
        for (let t = 1; t <= 4; t++) {
          const grads = init.map((x) => draw(rand, x.length, 0.5));
          // max norm 1 against a gradient norm of ~6: clipped on every step.
          const s = { ...HYPER, lr: 0.05, weightDecay, step: t };
          const want = await step('cpu', ref, 2.5, grads, 1, s);
          const have = await step('webgpu', got, 2.5, grads, 1, s);
          expect(want[GATE.coef]).toBeLessThan(0.5);
          expect(want[GATE.finite]).toBe(1);
          expect(have[GATE.loss]).toBe(want[GATE.loss]);
          for (const slot of [GATE.norm, GATE.coef]) expect(Math.abs(have[slot] / want[slot] - 1)).toBeLessThan(1e-5);
          expect(have[GATE.finite]).toBe(1);
        }
        const [a, b] = [await read(got), await read(ref)];
        const errs = a.map((x, i) => relErr(x, b[i]));
        console.log(
          `fused AdamW, decay ${weightDecay}, 4 clipped steps: rel err p/m/v ${errs.map((e) => e.toExponential(1)).join(' ')}`,
        );
        for (const e of errs) expect(e).toBeLessThan(TOL);

        // A NaN loss, then an infinite gradient: flagged, and p, m, v keep every bit.
        const before = await read(got);
        const nanGrads = init.map((x) => draw(rand, x.length));
        const s5 = { ...HYPER, lr: 0.05, weightDecay, step: 5 };
        expect((await step('webgpu', got, Number.NaN, nanGrads, 1, s5))[GATE.finite]).toBe(0);
        nanGrads[1][3] = Number.POSITIVE_INFINITY;
        expect((await step('webgpu', got, 1, nanGrads, 0, s5))[GATE.finite]).toBe(0);
        const after = await read(got);
        after.forEach((x, i) => expect(bits(x)).toEqual(bits(before[i])));

        // Ungated (the flat path's update), no clipping: still the plain path's values.
        const grads = init.map((x) => draw(rand, x.length, 0.01));
        await step('cpu', ref, 1, grads, 0, s5, false);
        await step('webgpu', got, 1, grads, 0, s5, false);
        const [c, d] = [await read(got), await read(ref)];
        c.forEach((x, i) => expect(relErr(x, d[i])).toBeLessThan(TOL));
        await tf.setBackend('cpu');
        ref.forEach((r) => tf.dispose([r.p, r.m, r.v]));
        await tf.setBackend('webgpu');
        got.forEach((r) => tf.dispose([r.p, r.m, r.v]));
      }
    });

    it('no clipping when the norm is within the bound or maxNorm ≤ 0: coefficient 1', async () => {
      await tf.setBackend('webgpu');
      const g = [tf.tensor1d([0.3, 0.4])];
      for (const maxNorm of [1, 0, -1]) {
        const gate = stepGateWebGPU(tf.scalar(0.7), g, maxNorm);
        const [loss, norm, coef, finite] = await gate.data();
        expect([loss, coef, finite]).toEqual([Math.fround(0.7), 1, 1]);
        expect(norm).toBeCloseTo(0.5, 6);
        gate.dispose();
      }
      tf.dispose(g);
    });

    it('one dispatch per tensor, in place: a read after it sees the update, an aliasing tensor keeps its values, nothing leaks', async () => {
      await tf.setBackend('webgpu');
      const counter = countTfjsWebGPU();
      const host = Float32Array.from({ length: 300 }, (_, i) => i / 300);
      const src = tf.tensor1d(host);
      const alias = tf.variable(src, false); // shares src's buffer until the kernel gives it its own
      const p = tf.tidy(() => tf.variable(tf.tensor1d(host), false)); // owns its buffer
      const [m, v] = [tf.variable(tf.zeros([300]), false), tf.variable(tf.zeros([300]), false)];
      const [ma, va] = [tf.variable(tf.zeros([300]), false), tf.variable(tf.zeros([300]), false)];
      const g = tf.onesLike(p);
      await p.data(); // tfjs now caches p's values on the CPU
      const tensors = liveTensors();
      const s = { ...HYPER, lr: 0.1, weightDecay: 0, step: 1 };
      adamwUpdateWebGPU(p, g, m, v, s);
      const moved = (await p.data()) as Float32Array;
      expect(moved[0]).toBeCloseTo(-0.1, 5); // 0 − lr · m̂/(√v̂ + ε) with m̂ = v̂ = 1
      adamwUpdateWebGPU(alias, g, ma, va, s);
      expect((await alias.data())[0]).toBeCloseTo(-0.1, 5);
      expect(bits((await src.data()) as Float32Array)).toEqual(bits(host)); // the tensor it aliased did not move
      const before = counter.counts();
      adamwUpdateWebGPU(p, g, m, v, { ...s, step: 2 });
      await m.data();
      const d = diffCounts(counter.counts(), before);
      expect(d.dispatchesBy).toEqual({ AdamWFused: 1 }); // p owns its buffer now: no copy
      expect(d.buffersCreated).toBe(0);
      expect(d.bytesUploaded).toBe(0);
      expect(liveTensors()).toBe(tensors);
      tf.dispose([src, alias, p, m, v, ma, va, g]);
    });

    it('refuses other backends and mismatched sizes by name', async () => {
      await tf.setBackend('cpu');
      const [p, m, v] = [0, 1, 2].map(() => tf.variable(tf.zeros([4]), false));
      const s = { ...HYPER, lr: 0.1, weightDecay: 0, step: 1 };
      expect(() => adamwUpdateWebGPU(p, tf.zeros([4]), m, v, s)).toThrow(/needs the webgpu backend/);
      await tf.setBackend('webgpu');
      const [q, mq, vq] = [0, 1, 2].map(() => tf.variable(tf.zeros([4]), false));
      expect(() => adamwUpdateWebGPU(q, tf.zeros([5]), mq, vq, s)).toThrow(/one size/);
      expect(() => adamwUpdateWebGPU(q, tf.zeros([4]), mq, vq, { ...s, step: 0 })).toThrow(/step must be an integer/);
    });
  },
);
