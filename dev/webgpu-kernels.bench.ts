// Fused WebGPU kernels against the plain ops they replace, forward + backward, both on the webgpu
// backend (Dawn on SwiftShader in Node: a software GPU on these 2 cores, so the numbers compare the
// two paths' work, not what a real GPU would do). Run:
//   npx vitest bench --run dev/webgpu-kernels.bench.ts        (ITERS=5 by default)
// Each timed call computes the value and every gradient, then reads back one element of each
// gradient: the queue runs in order, so that read waits for all the work and moves almost nothing.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { bench, describe } from 'vitest';
import { attentionPlain, startWebGPU } from '../src/testing/webgpu-node';
import { applyRope, crossEntropy, rmsNorm } from '../src/kernels/plain';
import { ropeTables } from '../src/model/rope';
import { attentionWebGPU } from '../src/kernels/webgpu/attention';
import { crossEntropyWebGPU } from '../src/kernels/webgpu/cross-entropy';
import { rmsNormWebGPU } from '../src/kernels/webgpu/rmsnorm';
import { applyRopeWebGPU } from '../src/kernels/webgpu/rope';

const ITERS = Number(process.env.ITERS ?? 5);
const gpu = await startWebGPU();
if (!gpu.ok) console.warn(`SKIPPED webgpu kernel benchmarks: ${gpu.reason}`);

interface Case {
  name: string;
  inputs: () => tf.Tensor[]; // made once, on webgpu
  fused: (...xs: tf.Tensor[]) => tf.Tensor; // scalar-reducible output
  plain: (...xs: tf.Tensor[]) => tf.Tensor;
}

const N = 2048;
const targets = Int32Array.from({ length: N }, (_, i) => (i * 7919) % 4096);
const rope = () => ropeTables(0, 256, 64, 10000);
/** The causal (1, 1, T, T) additive mask llama.ts builds for training. */
const causal = (T: number) =>
  tf.tensor4d(
    Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)),
    [1, 1, T, T],
  );

const CASES: Case[] = [
  {
    name: 'RMSNorm N=2048 C=256',
    inputs: () => [tf.randomNormal([N, 256]), tf.randomUniform([256], 0.5, 1.5)],
    fused: (x, w) => rmsNormWebGPU(x, w, 1e-5),
    plain: (x, w) => rmsNorm(x, w, 1e-5),
  },
  {
    name: 'cross-entropy N=2048 V=4096 (mean)',
    inputs: () => [tf.randomNormal([N, 4096], 0, 2)],
    fused: (z) => crossEntropyWebGPU(z as tf.Tensor2D, targets),
    plain: (z) => crossEntropy(z as tf.Tensor2D, targets),
  },
  {
    name: 'RoPE B=8 H=4 T=256 D=64',
    inputs: () => [tf.randomNormal([8, 4, 256, 64])],
    fused: (x) => {
      const { cos, sin } = rope();
      return applyRopeWebGPU(x as tf.Tensor4D, cos, sin);
    },
    plain: (x) => {
      const { cos, sin } = rope();
      return applyRope(x as tf.Tensor4D, cos, sin);
    },
  },
  {
    name: 'attention B=8 H=4 KV=2 T=S=256 D=64 (causal)',
    inputs: () => [
      tf.randomNormal([8, 4, 256, 64]),
      tf.randomNormal([8, 2, 256, 64]),
      tf.randomNormal([8, 2, 256, 64]),
    ],
    fused: (q, k, v) => attentionWebGPU(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, causal(256)),
    plain: (q, k, v) => attentionPlain(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, causal(256)),
  },
];

/** Forward + backward of Σ f(xs)·gy, then a one-element read of each gradient; returns wall ms. */
async function step(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], gy: tf.Tensor[]): Promise<number> {
  const t0 = performance.now();
  const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), gy[0])))(xs);
  await Promise.all(grads.map((g) => tf.slice(tf.reshape(g, [-1]), 0, 1).data()));
  const ms = performance.now() - t0;
  tf.dispose(grads);
  return ms;
}

const results: string[] = [];

describe.skipIf(!gpu.ok)(
  `fused vs plain, forward + backward, on webgpu (${gpu.ok ? gpu.adapter : 'no adapter'})`,
  () => {
    for (const c of CASES) {
      for (const path of ['fused', 'plain'] as const) {
        const times: number[] = [];
        let xs: tf.Tensor[] = [];
        let gy: tf.Tensor[] = [];
        bench(
          `${c.name} ${path}`,
          async () => {
            if (times.length === 0 && xs.length === 0) {
              await tf.setBackend('webgpu');
              xs = c.inputs();
              const probe = c[path](...xs);
              gy = [tf.randomUniform(probe.shape, -1, 1)];
              probe.dispose();
              await step(c[path], xs, gy); // warm-up: shader compiles (seconds each on SwiftShader)
            }
            times.push(await step(c[path], xs, gy));
            if (times.length === ITERS) {
              const mean = times.reduce((a, b) => a + b, 0) / times.length;
              const line = `${c.name} ${path}: mean ${mean.toFixed(1)} ms, best ${Math.min(...times).toFixed(1)} ms over ${ITERS}`;
              console.log(line);
              results.push(line);
              tf.dispose([...xs, ...gy]);
              if (results.length === CASES.length * 2) console.log(`\n${results.join('\n')}`);
            }
          },
          { iterations: ITERS, time: 0, warmupIterations: 0, warmupTime: 0 },
        );
      }
    }
  },
);
