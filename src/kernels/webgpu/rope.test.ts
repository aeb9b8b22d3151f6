// The fused WebGPU rotary embedding (Dawn on SwiftShader in Node) against plain.ts applyRope on the
// cpu backend: value and dx to 1e-4 relative, with shared (T, D) tables, per-row (B, 1, T, D) tables
// of left-padded rows (negative positions), and arbitrary tables (the backward is the exact
// transpose, not only for Hugging Face's duplicated halves).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { relErr, startWebGPU, uniform, valueAndGrads, type HostTensor } from '../../testing/webgpu-node';
import { mulberry32 } from '../../core/prng';
import { ropeTables, ropeTablesPerRow } from '../../model/rope';
import { applyRope } from '../plain';
import { applyRopeWebGPU } from './rope';
import { liveTensors } from '../../testing/live-tensors';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu-rope tests: ${gpu.reason}`);

const TOL = 1e-4;
type Tables = () => { cos: tf.Tensor2D | tf.Tensor4D; sin: tf.Tensor2D | tf.Tensor4D };

async function compare(
  shape: [number, number, number, number],
  seed: number,
  tables: Tables,
  label: string,
): Promise<number[]> {
  const rand = mulberry32(seed);
  const x = uniform(rand, shape, -2, 2);
  const gy = uniform(rand, shape);
  // Tables are made inside f, on whichever backend runs it (valueAndGrads disposes them).
  const run = (rope: typeof applyRope) => (a: tf.Tensor) => {
    const { cos, sin } = tables();
    return rope(a as tf.Tensor4D, cos, sin);
  };
  const ref = await valueAndGrads('cpu', run(applyRope), [x], gy);
  const got = await valueAndGrads('webgpu', run(applyRopeWebGPU), [x], gy);
  const errs = [relErr(got.value, ref.value), relErr(got.grads[0], ref.grads[0])];
  console.log(
    `rope ${JSON.stringify(shape)} ${label}: rel err y ${errs[0].toExponential(2)}, dx ${errs[1].toExponential(2)}`,
  );
  return errs;
}

describe.skipIf(!gpu.ok)(`applyRopeWebGPU equals applyRope (${gpu.ok ? gpu.adapter : 'no adapter'})`, () => {
  it('with shared (T, D) tables from position 5, D = 10 and D = 64', async () => {
    for (const e of await compare([2, 3, 13, 10], 1, () => ropeTables(5, 13, 10, 10000), 'ropeTables(5)'))
      expect(e).toBeLessThan(TOL);
    for (const e of await compare([1, 2, 7, 64], 2, () => ropeTables(0, 7, 64, 500000), 'ropeTables(0)'))
      expect(e).toBeLessThan(TOL);
  });

  it('with per-row (B, 1, T, D) tables of left-padded rows, and a (1, 1, T, D) table', async () => {
    for (const e of await compare(
      [3, 2, 9, 12],
      3,
      () => ropeTablesPerRow(2, 9, 12, 10000, [0, 4, 7]),
      'per row [0, 4, 7]',
    ))
      expect(e).toBeLessThan(TOL);
    for (const e of await compare([3, 2, 9, 12], 4, () => ropeTablesPerRow(0, 9, 12, 10000, [3]), '(1, 1, T, D)'))
      expect(e).toBeLessThan(TOL);
  });

  it('with arbitrary (not half-duplicated) tables', async () => {
    const rand = mulberry32(9);
    const c: HostTensor = uniform(rand, [2, 1, 5, 6]);
    const s: HostTensor = uniform(rand, [2, 1, 5, 6]);
    const tables = () => ({ cos: tf.tensor4d(c.data, [2, 1, 5, 6]), sin: tf.tensor4d(s.data, [2, 1, 5, 6]) });
    for (const e of await compare([2, 3, 5, 6], 5, tables, 'random tables')) expect(e).toBeLessThan(TOL);
  });

  it('leaks no tensors, forward or backward, and keeps its tables when the caller disposes them', async () => {
    await tf.setBackend('webgpu');
    const x = tf.randomNormal([2, 3, 13, 10]) as tf.Tensor4D;
    const before = liveTensors();
    const t1 = ropeTables(0, 13, 10, 10000);
    const y = applyRopeWebGPU(x, t1.cos, t1.sin);
    await y.data();
    tf.dispose([y, t1.cos, t1.sin]);
    const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => {
      const t = ropeTables(0, 13, 10, 10000);
      const out = applyRopeWebGPU(a as tf.Tensor4D, t.cos, t.sin);
      tf.dispose([t.cos, t.sin]);
      return tf.sum(out);
    })(x);
    await grad.data();
    tf.dispose([value, grad]);
    expect(liveTensors()).toBe(before);
    x.dispose();
  });

  it('rejects odd head sizes and tables of the wrong shape', async () => {
    await tf.setBackend('webgpu');
    const x = tf.zeros([1, 1, 4, 6]) as tf.Tensor4D;
    const bad = tf.zeros([4, 5]) as tf.Tensor2D;
    expect(() => applyRopeWebGPU(x, bad, bad)).toThrow(/cos shape \[4,5\] is neither \(T, D\) = \(4, 6\)/);
    expect(() => applyRopeWebGPU(tf.zeros([1, 1, 4, 5]) as tf.Tensor4D, bad, bad)).toThrow(/head size 5 must be even/);
    tf.dispose([x, bad]);
  });
});
