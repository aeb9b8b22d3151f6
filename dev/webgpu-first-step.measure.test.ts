// Where a preset's first WebGPU training steps go (Dawn over SwiftShader): wall and CPU time per
// step, shader modules and synchronous pipeline compiles (count and time) per step, and with PRE=1
// the compile-only warm-up (src/train/precompile.ts) before step 0. Skipped unless PROBE=1:
//   PROBE=1 [PRE=1] [PRESET=tiny] [B=8] [TS=160,160,159] [PER=1: compile time per pipeline] [KEYS=1]
//   [GEMM=off: tf.matMul instead of the one-pipeline GEMM, kernels/path-mode.ts]
//     npx vitest run dev/webgpu-first-step.measure.test.ts
// Timings on this shared machine are noisy: compare runs made back to back; counts are exact.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { it } from 'vitest';
import { startWebGPU } from '../src/testing/webgpu-node';
import { PRESETS, configFor } from '../src/model/config';
import { initWeights, toVariables } from '../src/model/params';
import { randomBatch } from '../src/bench/workloads';
import { trainStep } from '../src/train/step';
import { AdamW, ADAMW_DEFAULTS } from '../src/train/adamw';
import { isNormWeight } from '../src/model/params';
import { precompileTrainStep } from '../src/train/precompile';
import { setWebGPUMatmul, type PathMode } from '../src/kernels/path-mode';

const gpu = await startWebGPU();

it.skipIf(!gpu.ok || !process.env.PROBE)('first step anatomy', { timeout: 1_800_000 }, async () => {
  await tf.setBackend('webgpu');
  if (process.env.GEMM) setWebGPUMatmul(process.env.GEMM as PathMode);
  const backend = tf.backend() as WebGPUBackend;
  const dev = backend.device as unknown as Record<string, (...a: unknown[]) => unknown>;
  const stats = { modules: 0, moduleMs: 0, pipes: 0, pipeMs: 0, asyncPipes: 0 };
  const keys: string[] = [];
  const sm = dev.createShaderModule.bind(dev);
  dev.createShaderModule = (...a) => {
    const t = performance.now();
    const r = sm(...a);
    stats.modules++;
    stats.moduleMs += performance.now() - t;
    return r;
  };
  const cp = dev.createComputePipeline.bind(dev);
  const per: string[] = [];
  dev.createComputePipeline = (...a) => {
    const t = performance.now();
    const c0 = process.cpuUsage();
    const r = cp(...a);
    const c1 = process.cpuUsage(c0);
    per.push(
      `${(a[0] as { label: string }).label} wall ${(performance.now() - t).toFixed(0)} cpu ${((c1.user + c1.system) / 1000).toFixed(0)}`,
    );
    stats.pipes++;
    stats.pipeMs += performance.now() - t;
    return r;
  };
  const preset = process.env.PRESET ?? 'tiny';
  const p = PRESETS[preset as 'tiny'];
  const config = configFor(p, p.vocabSize);
  const B = Number(process.env.B ?? 8);
  const T = Number(process.env.T ?? p.maxSourceLength + p.maxTargetLength);
  const params = toVariables(config, initWeights(config, 1));
  const opt = new AdamW({ ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !isNormWeight(n) });
  const Ts = (process.env.TS ?? `${T},${T},${T - 1},${T - 1}`).split(',').map(Number);
  for (let s = 0; s < Ts.length; s++) {
    const before = { ...stats };
    const cacheBefore = new Set(
      Object.keys((backend as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache),
    );
    const batch = randomBatch(config.vocabSize, B, Ts[s], s + 1);
    if (process.env.MMAT && s === Number(process.env.MMAT)) tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', 2);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    if (s === 0 && process.env.PRE) {
      const mk = () => new AdamW({ ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !isNormWeight(n) });
      const rep = await precompileTrainStep(params, async (pp) => {
        const o = mk();
        try {
          await trainStep(pp, config, batch, o, 1e-3, 1.0);
        } finally {
          o.dispose();
        }
      });
      console.log(
        `precompile: ${rep.pipelines} pipelines in ${rep.ms.toFixed(0)} ms, failed ${rep.failed.length}; tensors ${tf.memory().numTensors}`,
      );
    }
    const r = await trainStep(params, config, batch, opt, 1e-3, 1.0);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `step ${s} (T=${Ts[s]}): ${ms.toFixed(0)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, loss ${r.loss.toFixed(3)}; shader modules +${stats.modules - before.modules} (${(stats.moduleMs - before.moduleMs).toFixed(0)} ms), pipelines +${stats.pipes - before.pipes} (${(stats.pipeMs - before.pipeMs).toFixed(0)} ms)`,
    );
    if (s > 0 && process.env.KEYS)
      console.log(
        Object.keys((backend as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache)
          .filter((k) => !cacheBefore.has(k))
          .join('\n'),
      );
  }
  if (process.env.PER) console.log(per.join('\n'));
  const cache = (backend as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache;
  keys.push(...Object.keys(cache));
  console.log(`${keys.length} cached pipelines`);
});
