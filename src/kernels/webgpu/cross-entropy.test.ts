// The fused WebGPU softmax + cross-entropy (Dawn on SwiftShader in Node) against plain.ts
// crossEntropy on the cpu backend: loss and dlogits to 1e-4 relative, mean and sum, for V that is
// not a multiple of the 64-thread workgroup, with ignored rows.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { relErr, startWebGPU, uniform, valueAndGrads, type HostTensor } from '../../testing/webgpu-node';
import { IGNORE_INDEX } from '../../core/example';
import { crossEntropy } from '../plain';
import { mulberry32 } from '../../core/prng';
import { crossEntropyWebGPU } from './cross-entropy';
import { liveTensors } from '../../testing/live-tensors';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu-cross-entropy tests: ${gpu.reason}`);

const TOL = 1e-4;
const GY: HostTensor = { data: Float32Array.of(1.7), shape: [] }; // dy ≠ 1, so its scaling is checked

function targetsFor(rand: () => number, N: number, V: number, ignoreEvery = 0): Int32Array {
  // The first and last class appear, and targets repeat.
  return Int32Array.from({ length: N }, (_, i) =>
    ignoreEvery && i % ignoreEvery === 1 ? IGNORE_INDEX : i === 0 ? 0 : i === 1 ? V - 1 : Math.floor(rand() * V) % 97,
  );
}

/** Rows of a host (N, V) matrix whose target is supervised, and those targets. */
function supervisedRows(z: HostTensor, targets: Int32Array): { z: HostTensor; targets: Int32Array; rows: number[] } {
  const V = z.shape[1];
  const rows = [...targets.keys()].filter((i) => targets[i] !== IGNORE_INDEX);
  const data = new Float32Array(rows.length * V);
  rows.forEach((r, k) => data.set(z.data.subarray(r * V, (r + 1) * V), k * V));
  return { z: { data, shape: [rows.length, V] }, targets: Int32Array.from(rows, (r) => targets[r]), rows };
}

async function compare(
  N: number,
  V: number,
  seed: number,
  reduction: 'mean' | 'sum',
  spread: number,
  ignoreEvery = 0,
): Promise<number[]> {
  const rand = mulberry32(seed);
  const z = uniform(rand, [N, V], -spread, spread);
  const targets = targetsFor(rand, N, V, ignoreEvery);
  const sup = supervisedRows(z, targets);
  const ref = await valueAndGrads('cpu', (a) => crossEntropy(a as tf.Tensor2D, sup.targets, reduction), [sup.z], GY);
  const got = await valueAndGrads('webgpu', (a) => crossEntropyWebGPU(a as tf.Tensor2D, targets, reduction), [z], GY);
  // The reference gradient covers supervised rows only; ignored rows must come back exactly 0.
  const refGrad = new Float32Array(N * V);
  sup.rows.forEach((r, k) => refGrad.set(ref.grads[0].subarray(k * V, (k + 1) * V), r * V));
  const errs = [relErr(got.value, ref.value), relErr(got.grads[0], refGrad)];
  const label = `crossEntropy (${N}, ${V}) ${reduction} ±${spread}${ignoreEvery ? `, ${N - sup.rows.length} rows ignored` : ''}`;
  console.log(
    `${label}: loss ${got.value[0].toFixed(5)} vs ${ref.value[0].toFixed(5)}, rel err loss ${errs[0].toExponential(2)}, dlogits ${errs[1].toExponential(2)}`,
  );
  return errs;
}

describe.skipIf(!gpu.ok)(`crossEntropyWebGPU equals crossEntropy (${gpu.ok ? gpu.adapter : 'no adapter'})`, () => {
  it('in loss and dlogits, mean and sum, for (37, 1031) and (9, 2053)', async () => {
    for (const reduction of ['mean', 'sum'] as const) {
      for (const e of await compare(37, 1031, 1, reduction, 4)) expect(e).toBeLessThan(TOL);
      for (const e of await compare(9, 2053, 2, reduction, 4)) expect(e).toBeLessThan(TOL);
    }
  });

  it('with large logits (±60: exp would overflow without the max) and with ignored rows', async () => {
    for (const e of await compare(37, 1031, 3, 'mean', 60)) expect(e).toBeLessThan(TOL);
    for (const reduction of ['mean', 'sum'] as const)
      for (const e of await compare(37, 1031, 4, reduction, 4, 3)) expect(e).toBeLessThan(TOL);
  });

  it('with fewer classes than threads (V = 5)', async () => {
    for (const e of await compare(37, 5, 5, 'mean', 4)) expect(e).toBeLessThan(TOL);
  });

  it('leaks no tensors, forward or backward', async () => {
    await tf.setBackend('webgpu');
    const z = tf.randomNormal([37, 1031]) as tf.Tensor2D;
    const targets = Int32Array.from({ length: 37 }, (_, i) => (i * 31) % 1031);
    const before = liveTensors();
    const loss = crossEntropyWebGPU(z, targets);
    await loss.data();
    loss.dispose();
    const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => crossEntropyWebGPU(a as tf.Tensor2D, targets, 'sum'))(z);
    await grad.data();
    tf.dispose([value, grad]);
    expect(liveTensors()).toBe(before);
    z.dispose();
  });

  it('rejects targets outside the vocabulary and a row count mismatch', async () => {
    await tf.setBackend('webgpu');
    const z = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => crossEntropyWebGPU(z, Int32Array.of(1, 4))).toThrow(/target 4 is outside \[0, 4\)/);
    expect(() => crossEntropyWebGPU(z, Int32Array.of(-1, 0))).toThrow(/target -1 is outside/);
    expect(() => crossEntropyWebGPU(z, Int32Array.of(1))).toThrow(/2 logit rows but 1 targets/);
    z.dispose();
  });
});
