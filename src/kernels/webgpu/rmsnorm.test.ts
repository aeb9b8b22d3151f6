// The fused WebGPU RMSNorm (Dawn on SwiftShader in Node) against plain.ts rmsNorm on the cpu
// backend: value and both gradients to 1e-4 relative, on shapes that are not multiples of the
// 64-thread workgroup nor of the 16-column dw blocks.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { relErr, startWebGPU, uniform, valueAndGrads, type HostTensor } from '../../testing/webgpu-node';
import { rmsNorm } from '../plain';
import { mulberry32 } from '../../core/prng';
import { rmsNormWebGPU } from './rmsnorm';
import { setWebGPUKernels, useWebGPUKernels } from '../path-mode';
import { liveTensors } from '../../testing/live-tensors';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu-rmsnorm tests: ${gpu.reason}`);

const EPS = 1e-5;
const TOL = 1e-4;

async function compare(shape: number[], seed: number, scaleRows = false): Promise<number[]> {
  const rand = mulberry32(seed);
  const C = shape[shape.length - 1];
  const x = uniform(rand, shape, -2, 2);
  if (scaleRows) {
    // Rows of very different magnitude (1e-3 … 1e2), and one all-zero row where inv = rsqrt(eps).
    for (let r = 0; r < x.data.length / C; r++)
      for (let c = 0; c < C; c++) x.data[r * C + c] *= r === 1 ? 0 : 10 ** ((r % 6) - 3);
  }
  const w: HostTensor = uniform(rand, [C], 0.5, 1.5);
  const gy = uniform(rand, shape); // weights every output, so every gradient entry is checked
  const ref = await valueAndGrads('cpu', (a, b) => rmsNorm(a, b, EPS), [x, w], gy);
  const got = await valueAndGrads('webgpu', (a, b) => rmsNormWebGPU(a, b, EPS), [x, w], gy);
  const errs = [relErr(got.value, ref.value), relErr(got.grads[0], ref.grads[0]), relErr(got.grads[1], ref.grads[1])];
  console.log(
    `rmsNorm ${JSON.stringify(shape)}${scaleRows ? ' (scaled rows)' : ''}: rel err y ${errs[0].toExponential(2)}, dx ${errs[1].toExponential(2)}, dw ${errs[2].toExponential(2)}`,
  );
  return errs;
}

describe.skipIf(!gpu.ok)(`rmsNormWebGPU equals rmsNorm (${gpu.ok ? gpu.adapter : 'no adapter'})`, () => {
  it('in value, dx and dw for (37, 70), (3, 13, 70), (5, 3) and (130, 300)', async () => {
    for (const [shape, seed] of [
      [[37, 70], 1],
      [[3, 13, 70], 2],
      [[5, 3], 3],
      [[130, 300], 4],
    ] as const) {
      for (const e of await compare([...shape], seed)) expect(e).toBeLessThan(TOL);
    }
  });

  it('with rows of very different scale and an all-zero row', async () => {
    for (const e of await compare([37, 70], 5, true)) expect(e).toBeLessThan(TOL);
  });

  it('leaks no tensors, forward or backward', async () => {
    await tf.setBackend('webgpu');
    const x = tf.randomNormal([37, 70]);
    const w = tf.randomUniform([70], 0.5, 1.5);
    const before = liveTensors();
    const y = rmsNormWebGPU(x, w, EPS);
    await y.data();
    y.dispose();
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tf.sum(rmsNormWebGPU(a, b, EPS)))([x, w]);
    await Promise.all(grads.map((g) => g.data()));
    tf.dispose([value, ...grads]);
    expect(liveTensors()).toBe(before);
    tf.dispose([x, w]);
  });

  it('refuses other backends and mismatched weights, and is switched on for webgpu in auto mode', async () => {
    await tf.setBackend('webgpu');
    expect(useWebGPUKernels()).toBe(true);
    expect(() => rmsNormWebGPU(tf.zeros([2, 4]), tf.ones([3]), EPS)).toThrow(
      /weight shape \[3\] does not match the last axis 4/,
    );
    await tf.setBackend('cpu');
    expect(useWebGPUKernels()).toBe(false);
    setWebGPUKernels('on');
    expect(useWebGPUKernels()).toBe(true);
    setWebGPUKernels('auto');
    expect(() => rmsNormWebGPU(tf.zeros([2, 4]), tf.ones([4]), EPS)).toThrow(
      /needs the webgpu backend, the current one is cpu/,
    );
    await tf.setBackend('webgpu');
  });
});
