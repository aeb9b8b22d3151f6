// The one-pipeline GEMM (src/kernels/webgpu/matmul.ts) against tf.matMul on Dawn over SwiftShader,
// at the reference workload's products (B8×T256: 2048 rows, d 256, SwiGLU 688, V 4096, head size
// 64) forward and in the transposes their gradients take: GFLOP/s of each, timed alternately in
// one process (both pipelines compiled first) so the shared machine's load hits both alike.
// Then whole steady training steps (bench/train.ts's stepper: tiny B8×T160, reference B8×T256)
// with kernels/path-mode.ts's matmul switch off and on, alternately: tokens/s each way.
// Skipped unless PROBE=1:   PROBE=1 [REPS=3] [ONLY=products|steps] [WORKLOADS=tiny,reference]
//   npx vitest run dev/webgpu-gemm.measure.test.ts
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { startWebGPU } from '../src/testing/webgpu-node';
import { matMulWebGPU } from '../src/kernels/webgpu/matmul';
import { setWebGPUMatmul } from '../src/kernels/path-mode';
import { benchStepper, syncParams } from '../src/bench/train';
import { workloadConfig } from '../src/bench/workloads';
import type { TrainWorkload } from '../src/bench/types';

const gpu = await startWebGPU();

// [label, stored A shape, stored B shape, transposeA, transposeB]
const CASES: Array<[string, number[], number[], boolean, boolean]> = [
  ['x·Wᵀ (up/gate)', [2048, 256], [688, 256], false, true],
  ['dY·W (dx)', [2048, 688], [688, 256], false, false],
  ['dYᵀ·X (dW)', [2048, 688], [2048, 256], true, false],
  ['x·Wᵀ (head)', [2048, 256], [4096, 256], false, true],
  ['q·kᵀ (B·KV batched)', [16, 512, 64], [16, 256, 64], false, true],
  ['P·v', [16, 512, 256], [16, 256, 64], false, false],
];

it.skipIf(!gpu.ok || !process.env.PROBE || process.env.ONLY === 'steps')(
  'gemm vs tf.matMul',
  { timeout: 1_800_000 },
  async () => {
    await tf.setBackend('webgpu');
    const reps = Number(process.env.REPS ?? 3);
    for (const [label, as, bs, tA, tB] of CASES) {
      const a = tf.randomUniform(as);
      const b = tf.randomUniform(bs);
      const run = async (f: typeof tf.matMul | typeof matMulWebGPU) => {
        const t0 = performance.now();
        const c = f(a, b, tA, tB);
        await c.data();
        c.dispose();
        return performance.now() - t0;
      };
      await run(tf.matMul); // compile both
      await run(matMulWebGPU);
      const times = { tfjs: [] as number[], gemm: [] as number[] };
      for (let r = 0; r < reps; r++) {
        times.tfjs.push(await run(tf.matMul));
        times.gemm.push(await run(matMulWebGPU));
      }
      const M = tA ? as[as.length - 1] : as[as.length - 2];
      const K = tA ? as[as.length - 2] : as[as.length - 1];
      const N = tB ? bs[bs.length - 2] : bs[bs.length - 1];
      const batch = as.length > 2 ? as[0] : 1;
      const gflop = (2 * batch * M * N * K) / 1e9;
      const best = (xs: number[]) => Math.min(...xs);
      console.log(
        `${label} ${batch}×${M}×${K}×${N}: tfjs ${(gflop / (best(times.tfjs) / 1000)).toFixed(2)} GFLOP/s, gemm ${(gflop / (best(times.gemm) / 1000)).toFixed(2)} GFLOP/s (best of ${reps}; ms tfjs ${times.tfjs.map((t) => t.toFixed(0)).join('/')}, gemm ${times.gemm.map((t) => t.toFixed(0)).join('/')})`,
      );
      tf.dispose([a, b]);
    }
  },
);

it.skipIf(!gpu.ok || !process.env.PROBE || process.env.ONLY === 'products')(
  'steady steps, tf.matMul vs gemm',
  { timeout: 3_600_000 },
  async () => {
    await tf.setBackend('webgpu');
    const reps = Number(process.env.REPS ?? 2);
    const sizes: Record<string, [number, number]> = { tiny: [8, 160], reference: [8, 256] };
    for (const name of (process.env.WORKLOADS ?? 'tiny,reference').split(',')) {
      const [batch, seqLen] = sizes[name];
      const w: TrainWorkload = {
        name: name as TrainWorkload['name'],
        method: 'full',
        batch,
        seqLen,
        warmup: 1,
        timed: reps,
        profileMemory: false,
      };
      const steppers = { off: benchStepper(workloadConfig(w.name), w), on: benchStepper(workloadConfig(w.name), w) };
      const step = async (mode: 'off' | 'on') => {
        setWebGPUMatmul(mode);
        const t0 = performance.now();
        await steppers[mode].step();
        await syncParams(steppers[mode].params);
        return performance.now() - t0;
      };
      try {
        const first = { off: await step('off'), on: await step('on') };
        const ms = { off: [] as number[], on: [] as number[] };
        for (let r = 0; r < reps; r++) for (const m of ['off', 'on'] as const) ms[m].push(await step(m));
        const tps = (xs: number[]) => ((batch * seqLen) / (Math.min(...xs) / 1000)).toFixed(1);
        console.log(
          `${name} B${batch}×T${seqLen} steady: tf.matMul ${tps(ms.off)} tokens/s, gemm ${tps(ms.on)} tokens/s (best of ${reps}; ms tf.matMul ${ms.off.map((t) => t.toFixed(0)).join('/')}, gemm ${ms.on.map((t) => t.toFixed(0)).join('/')}; first steps ${first.off.toFixed(0)} / ${first.on.toFixed(0)} ms, the second sharing the first's non-matmul pipelines)`,
        );
      } finally {
        setWebGPUMatmul('auto');
        steppers.off.dispose();
        steppers.on.dispose();
      }
    }
  },
);
