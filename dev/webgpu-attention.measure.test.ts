// The fused WebGPU attention (src/kernels/webgpu/attention.ts) against the plain path at the
// model's attention shapes (tiny, reference, small presets): forward + backward wall time and
// counts of dispatched programs, pipelines compiled on first use and their compile time. Skipped
// unless MEASURE=1 (minutes on SwiftShader):
//   MEASURE=1 npx vitest run dev/webgpu-attention.measure.test.ts    (B=<n> overrides the batch)
// On SwiftShader (a software GPU on shared CPU cores) times compare the two paths' work on that
// renderer only; the counts are exact anywhere.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { startWebGPU } from '../src/testing/webgpu-node';
import { attention as attentionPlain } from '../src/kernels/plain';
import { attentionWebGPU } from '../src/kernels/webgpu/attention';

const gpu = await startWebGPU();
const ITERS = Number(process.env.ITERS ?? 2);

/** [name, B, H, KV, T, D] of the presets' attention (model/config.ts, bench/workloads.ts). */
const SHAPES: [string, number, number, number, number, number][] = [
  ['tiny', 8, 4, 2, 160, 16],
  ['reference', 8, 4, 2, 256, 64],
  ['small', 8, 4, 2, 576, 64],
];

const causal = (T: number) =>
  tf.tensor4d(
    Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)),
    [1, 1, T, T],
  );

interface Internals {
  runWebGPUProgram(...a: unknown[]): unknown;
  pipelineCache: Record<string, unknown>;
  device: { createComputePipeline(...a: unknown[]): unknown };
}

describe.skipIf(!gpu.ok || !process.env.MEASURE)('fused vs plain attention on webgpu', () => {
  it('times and counts forward + backward at the presets’ shapes', { timeout: 3_600_000 }, async () => {
    await tf.setBackend('webgpu');
    const backend = tf.backend() as unknown as Internals;
    let dispatches = 0;
    let compileMs = 0;
    const run = backend.runWebGPUProgram.bind(backend);
    backend.runWebGPUProgram = (...a: unknown[]) => {
      dispatches++;
      return run(...a);
    };
    const create = backend.device.createComputePipeline.bind(backend.device);
    backend.device.createComputePipeline = (...a: unknown[]) => {
      const t = performance.now();
      const p = create(...a);
      compileMs += performance.now() - t;
      return p;
    };
    const lines: string[] = [];
    for (const [name, B0, H, KV, T, D] of SHAPES) {
      const B = Number(process.env.B ?? B0);
      const q = tf.randomNormal([B, H, T, D]) as tf.Tensor4D;
      const k = tf.randomNormal([B, KV, T, D]) as tf.Tensor4D;
      const v = tf.randomNormal([B, KV, T, D]) as tf.Tensor4D;
      const gy = tf.randomUniform([B, H, T, D], -1, 1);
      const mask = causal(T) as tf.Tensor4D;
      for (const [path, f] of [
        ['fused', attentionWebGPU],
        ['plain', attentionPlain],
      ] as const) {
        const once = async () => {
          const d0 = dispatches;
          const t0 = performance.now();
          const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, mask), gy)),
          )([q, k, v]);
          await Promise.all(grads.map((g) => tf.slice(tf.reshape(g, [-1]), 0, 1).data()));
          const ms = performance.now() - t0;
          tf.dispose(grads);
          return { ms, dispatches: dispatches - d0 - 6 }; // less the loss's mul and sum, the 3 reads' reshape-free slices
        };
        const k0 = Object.keys(backend.pipelineCache).length;
        const c0 = compileMs;
        const first = await once();
        const pipelines = Object.keys(backend.pipelineCache).length - k0;
        const times: number[] = [];
        let n = 0;
        for (let i = 0; i < ITERS; i++) {
          const r = await once();
          times.push(r.ms);
          n = r.dispatches;
        }
        const line = `${name} B=${B} H=${H} KV=${KV} T=${T} D=${D} ${path}: ${n} dispatches; first call ${first.ms.toFixed(0)} ms (${pipelines} new pipelines, ${(compileMs - c0).toFixed(0)} ms compiling); then best ${Math.min(...times).toFixed(0)} ms`;
        console.log(line);
        lines.push(line);
        expect(n).toBeGreaterThan(0);
      }
      tf.dispose([q, k, v, gy, mask]);
    }
    console.log(`\n${lines.join('\n')}`);
  });
});
