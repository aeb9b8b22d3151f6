// The fused WebGPU SwiGLU gate (Dawn on SwiftShader in Node) against the plain silu(g)·u on the cpu
// backend: value and both gradients to 1e-4 relative, with gates far into both tails (σ saturates,
// exp(−g) overflows) and a size that is not a multiple of the 64-thread workgroup.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { relErr, startWebGPU, uniform, valueAndGrads } from '../../testing/webgpu-node';
import { mulberry32 } from '../../core/prng';
import { swigluWebGPU } from './swiglu';
import { liveTensors } from '../../testing/live-tensors';

const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu-swiglu tests: ${gpu.reason}`);

const plain = (g: tf.Tensor, u: tf.Tensor) => tf.mul(tf.mul(g, tf.sigmoid(g)), u);

describe.skipIf(!gpu.ok)(`swigluWebGPU equals silu(g)·u (${gpu.ok ? gpu.adapter : 'no adapter'})`, () => {
  it('matches value and both gradients, tails included', async () => {
    const rand = mulberry32(5);
    const shape = [37, 45];
    const g = uniform(rand, shape, -6, 6);
    g.data[0] = -120; // exp(120) overflows f32: σ = 0 exactly
    g.data[1] = 120;
    g.data[2] = 0;
    const u = uniform(rand, shape, -2, 2);
    const gy = uniform(rand, shape);
    const ref = await valueAndGrads('cpu', plain, [g, u], gy);
    const before = liveTensors();
    const got = await valueAndGrads('webgpu', (a, b) => swigluWebGPU(a as tf.Tensor2D, b as tf.Tensor2D), [g, u], gy);
    expect(liveTensors()).toBe(before);
    const errs = [relErr(got.value, ref.value), relErr(got.grads[0], ref.grads[0]), relErr(got.grads[1], ref.grads[1])];
    console.log(
      `swiglu: rel err h ${errs[0].toExponential(2)}, dg ${errs[1].toExponential(2)}, du ${errs[2].toExponential(2)}`,
    );
    for (const e of errs) expect(e).toBeLessThan(1e-4);
    expect(Math.abs(got.value[0])).toBe(0); // −120·σ(−120)·u = ±0, not NaN
    expect(Number.isFinite(got.grads[0][0])).toBe(true);
  });

  it('names mismatched shapes', async () => {
    await tf.setBackend('webgpu');
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const b = tf.zeros([3, 2]) as tf.Tensor2D;
    expect(() => swigluWebGPU(a, b)).toThrow('swigluWebGPU: gate [2,3] and up [3,2] must have one shape');
    tf.dispose([a, b]);
  });
});
