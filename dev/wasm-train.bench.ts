// Times train steps (loss + grads + clip + AdamW) of the reference workload on tfjs-backend-wasm in
// Node, with a per-kernel profile. Run: npx vitest bench --run dev/wasm-train.bench.ts
// Env: FAST=off|on|auto (default auto = fast path on wasm), STEPS (default 3), PROFILE=0 to skip it.
// Node gets the single-threaded SIMD binary: tfjs-wasm reports no multithread support under Node
// (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE, tfjs issue #3830).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { bench, describe } from 'vitest';
import { REFERENCE_BATCH, REFERENCE_CONFIG, REFERENCE_SEQ } from '../src/bench/workloads';
import { countParams, type LlamaConfig } from '../src/model/config';
import { initWeights, isNormWeight, toVariables } from '../src/model/params';
import { shareIdentityOnWasm } from '../src/kernels/wasm/identity';
import { setFastPath, type PathMode } from '../src/kernels/path-mode';
import { AdamW, ADAMW_DEFAULTS } from '../src/train/adamw';
import { trainStep } from '../src/train/step';

// The fixed reference workload, as `npm run bench` defines it.
const REF = REFERENCE_CONFIG;
const B = REFERENCE_BATCH;
const T = REFERENCE_SEQ;
const STEPS = Number(process.env.STEPS ?? 3);
const MODE = (process.env.FAST ?? 'auto') as PathMode;

setWasmPaths(resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
shareIdentityOnWasm(); // as the app's workers run it (src/runtime/backend.ts)

function batch(seed: number) {
  // Every position supervised with its next token, as the PyTorch reference trains.
  const ids = new Int32Array(B * T);
  let s = seed;
  for (let i = 0; i < ids.length; i++) ids[i] = (s = (s * 1103515245 + 12345) >>> 0) % REF.vocabSize;
  const labels = new Int32Array(B * T).fill(-100);
  for (let b = 0; b < B; b++) for (let t = 0; t < T - 1; t++) labels[b * T + t] = ids[b * T + t + 1];
  return { ids, labels, batchSize: B, seqLen: T };
}

/** Matmul FLOPs of one step (forward + backward = 3× forward), B·T tokens, all supervised but the last per row. */
function stepFlops(c: LlamaConfig): number {
  const C = c.hiddenSize;
  const D = C / c.numAttentionHeads;
  const kv = c.numKeyValueHeads * D;
  const N = B * T;
  const perLayer =
    2 * N * (2 * C * C + 2 * C * kv + 3 * C * c.intermediateSize) + // projections
    2 * 2 * B * c.numAttentionHeads * T * T * D + // q kᵀ and p v
    2 * B * (c.numAttentionHeads + c.numKeyValueHeads) * T * D * D; // rotate_half product
  return 3 * (c.numHiddenLayers * perLayer + 2 * B * (T - 1) * C * c.vocabSize);
}

/**
 * This process's CPU time (user + system) in ms. Other jobs share these 2 cores, so wall time swings
 * 3× between identical steps; the wasm backend runs one thread in Node, so CPU time is what a step
 * would take on an idle core (plus a little GC).
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * The backend's matmul ceiling right now: GFLOP/s of the best of 3 (2048, 256) @ (256, 688) products
 * (the MLP shape, XNNPACK's case). Taken before every step: other jobs share these cores, so a step
 * is judged against the ceiling measured beside it.
 */
function ceilingGflops(): number {
  return tf.tidy(() => {
    const a = tf.randomNormal([2048, 256]);
    const b = tf.randomNormal([256, 688]);
    let best = Infinity;
    for (let i = 0; i < 4; i++) {
      const t0 = cpuMs();
      tf.matMul(a, b).dataSync();
      if (i > 0) best = Math.min(best, cpuMs() - t0);
    }
    return (2 * 2048 * 256 * 688) / best / 1e6;
  });
}

const times: number[] = [];
const cpuTimes: number[] = [];
const ceilings: number[] = [];
let ready: Promise<{ params: ReturnType<typeof toVariables>; opt: AdamW }> | null = null;

async function setup() {
  await tf.setBackend('wasm');
  await tf.ready();
  setFastPath(MODE);
  const params = toVariables(REF, initWeights(REF, 1));
  const opt = new AdamW({ ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !isNormWeight(n) });
  await trainStep(params, REF, batch(0), opt, 1e-3, 1.0); // warm-up: XNNPACK operators, moments
  return { params, opt };
}

describe(`reference workload on wasm (fast path ${MODE})`, () => {
  bench(
    'train step B=8 T=256',
    async () => {
      const { params, opt } = await (ready ??= setup());
      ceilings.push(ceilingGflops());
      const t0 = performance.now();
      const c0 = cpuMs();
      const r = await trainStep(params, REF, batch(times.length + 1), opt, 1e-3, 1.0);
      cpuTimes.push(cpuMs() - c0);
      times.push(performance.now() - t0);
      const gf = stepFlops(REF) / cpuTimes.at(-1)! / 1e6;
      console.log(
        `step ${times.length}: wall ${times.at(-1)!.toFixed(0)} ms, cpu ${cpuTimes.at(-1)!.toFixed(0)} ms (${((B * T) / (cpuTimes.at(-1)! / 1000)).toFixed(0)} tokens per cpu-second), loss ${r.loss.toFixed(4)}, ` +
          `${gf.toFixed(2)} GFLOP per cpu-second = ${((100 * gf) / ceilings.at(-1)!).toFixed(0)}% of the ${ceilings.at(-1)!.toFixed(1)} GFLOP/s matmul ceiling`,
      );
      if (times.length === STEPS) await report(params, opt);
    },
    { iterations: STEPS, time: 0, warmupIterations: 0, warmupTime: 0 },
  );

  async function report(params: ReturnType<typeof toVariables>, opt: AdamW) {
    const ms = times.reduce((a, b) => a + b, 0) / times.length;
    const best = Math.min(...times);
    const cpu = cpuTimes.reduce((a, b) => a + b, 0) / cpuTimes.length;
    console.log(
      `\n${countParams(REF)} params, ${(stepFlops(REF) / 1e9).toFixed(1)} GFLOP/step, backend ${tf.getBackend()}, fast path ${MODE}`,
    );
    console.log(
      `mean ${ms.toFixed(0)} ms/step (${((B * T) / (ms / 1000)).toFixed(0)} tokens/s), best ${best.toFixed(0)} ms (${((B * T) / (best / 1000)).toFixed(0)} tokens/s); cpu mean ${cpu.toFixed(0)} ms/step (${((B * T) / (cpu / 1000)).toFixed(0)} tokens per cpu-second)`,
    );
    if (process.env.PROFILE !== '0') {
      const prof = await tf.profile(async () => {
        await trainStep(params, REF, batch(99), opt, 1e-3, 1.0);
      });
      const byKernel = new Map<string, { ms: number; n: number }>();
      let total = 0;
      // customGrad ops ("unnamed scope") and the gradient tape's tidy ("forward") wrap kernels already
      // counted: left out. Work done in JavaScript (transposes, slicing in wasm-matmul.ts) is in no kernel.
      for (const k of prof.kernels.filter((k) => k.name !== 'unnamed scope' && k.name !== 'forward')) {
        const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        const key =
          process.env.PROFILE === 'shapes' && k.name === 'BatchMatMul'
            ? `${k.name} ${JSON.stringify(k.inputShapes)}`
            : k.name;
        const e = byKernel.get(key) ?? { ms: 0, n: 0 };
        e.ms += t;
        e.n += 1;
        byKernel.set(key, e);
        total += t;
      }
      console.log(
        `profile: kernel total ${total.toFixed(0)} ms, peak tensor bytes ${(prof.peakBytes / 2 ** 20).toFixed(0)} MiB`,
      );
      for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
        console.log(
          `  ${name.padEnd(40)} ${e.ms.toFixed(0).padStart(6)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ×${e.n}`,
        );
      }
    }
  }
});
