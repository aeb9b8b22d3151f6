// Training throughput of one workload on the current backend: AdamW steps through the studio's
// own trainStep (loss, gradients, global-norm clipping, update) on seeded random tokens.
// Reports time to first step (kernel selection, and shader compilation on WebGPU), steady-state
// tokens/s after warm-up, and the peak of engine-tracked tensor bytes during one step.
import * as tf from '@tensorflow/tfjs-core';
import { countParams, type LlamaConfig } from '../model/config';
import { adapterParamCount, initLora } from '../model/lora';
import { initWeights, isNormWeight, toVariables, type Variables } from '../model/params';
import { ADAMW_DEFAULTS, AdamW } from '../train/adamw';
import { precompileTrainStep, type PrecompileReport } from '../train/precompile';
import { trainStep } from '../train/step';
import { gflopsOf, loraTrainFlopsPerToken, trainFlopsPerToken } from './flops';
import { MIB, formatTiming } from '../core/format';
import { now } from './timing';
import { BENCH_LORA, randomBatch, workloadConfig } from './workloads';
import type { BackendName } from '../core/run-types';
import type { TrainRecord, TrainWorkload } from './types';

const LR = 1e-4;
const MAX_GRAD_NORM = 1.0;

// tfjs-wasm's memory is capped at 4 GiB (wasm32) and never shrinks, so its size after a step is the
// high-water mark of that step, fragmentation included. A step that outgrows it does not fail
// cleanly: in Node tfjs-wasm aborts, and in Chromium's threaded build the worker was seen spinning
// at full CPU until the driver's timeout (SmolLM2-135M Full: a first step at T 64 left the heap at
// ~3.9 GB, the second never returned). Past this mark the bench stops after the first step and reports it alone.
const WASM_HEAP_MAX = 4 * 1024 ** 3;
const WASM_HEAP_STOP = 0.85 * WASM_HEAP_MAX;

/** The wasm backend's memory size in bytes, or null on another backend. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8?.length ?? null;
}

/** Waits until every queued kernel has run: the update kernels are dispatched after trainStep returns. */
export async function syncParams(params: Variables): Promise<void> {
  const first = params.values().next().value as tf.Variable;
  const probe = tf.tidy(() => tf.slice(tf.reshape(first, [-1]), [0], [1]));
  await probe.data();
  probe.dispose();
}

export interface BenchStepper {
  config: LlamaConfig; // the base plus, under LoRA, its adapters
  params: Variables;
  trainableParams: number;
  step: () => ReturnType<typeof trainStep>;
  /** The step's pipelines compiled up front (train/precompile.ts): no weight or moment changes. */
  precompile: () => Promise<PrecompileReport>;
  dispose: () => void;
}

/**
 * Seeded weights (the base's, plus B = 0 adapters under LoRA: the base frozen, no gradients, no
 * moments), AdamW and one seeded random batch of w's shape: one studio optimizer step per call.
 */
export function benchStepper(base: LlamaConfig, w: TrainWorkload): BenchStepper {
  const config = w.method === 'lora' ? { ...base, lora: BENCH_LORA } : base;
  const weights = initWeights(base, 1234);
  if (config.lora) for (const [name, a] of initLora(config, 1234)) weights.set(name, a);
  const params = toVariables(config, weights);
  weights.clear(); // the CPU copies (540 MB for SmolLM2-135M) are not needed once uploaded
  const adamw = () => new AdamW({ ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !isNormWeight(n) });
  const opt = adamw();
  const batch = randomBatch(config.vocabSize, w.batch, w.seqLen, 42);
  return {
    config,
    params,
    trainableParams: config.lora ? adapterParamCount(config) : countParams(config),
    step: () => trainStep(params, config, batch, opt, LR, MAX_GRAD_NORM),
    precompile: () =>
      precompileTrainStep(params, async (throwaway) => {
        const o = adamw(); // a throwaway optimizer: the real one's moments stay unmade
        try {
          await trainStep(throwaway, config, batch, o, LR, MAX_GRAD_NORM);
        } finally {
          o.dispose();
        }
      }),
    dispose: () => {
      opt.dispose();
      for (const v of params.values()) v.dispose();
    },
  };
}

export async function measureTrain(
  backend: BackendName,
  w: TrainWorkload,
  log: (line: string) => void,
): Promise<TrainRecord> {
  const base = workloadConfig(w.name);
  const stepper = benchStepper(base, w);
  const { config, params, trainableParams, step } = stepper;
  const tag = `${backend} train ${w.name}${w.method === 'lora' ? ' LoRA' : ''} B${w.batch}×T${w.seqLen}`;
  try {
    // The first step doubles as the memory probe: it is not steady state anyway, and a profiled
    // step costs a whole extra step on the slow backends. tf.profile reads back every kernel's
    // output to look for NaNs unless CHECK_COMPUTATION_FOR_ERRORS is off.
    let peakBytes: number | null = null;
    const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
    let t0 = now();
    let res = await (async () => {
      if (!w.profileMemory) return step();
      tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
      try {
        let out: Awaited<ReturnType<typeof step>> | null = null;
        const info = await tf.profile(async () => {
          out = await step();
        });
        peakBytes = info.peakBytes;
        return out!;
      } finally {
        tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
      }
    })();
    await syncParams(params);
    const firstStepMs = now() - t0;
    let heapBytes = wasmHeapBytes();
    const heapNote = heapBytes === null ? '' : `, wasm heap ${(heapBytes / MIB).toFixed(0)} MiB`;
    log(`${tag}: first step ${formatTiming(firstStepMs)} (loss ${res.loss.toFixed(3)}${heapNote})`);
    const nearCap = heapBytes !== null && heapBytes > WASM_HEAP_STOP && w.timed > 0;
    if (nearCap)
      log(
        `${tag}: the wasm heap is past ${((100 * WASM_HEAP_STOP) / WASM_HEAP_MAX).toFixed(0)}% of its 4 GiB: the first step is the measurement (another might not return)`,
      );
    const timed = nearCap ? 0 : w.timed;
    for (let i = 1; i < (nearCap ? 0 : w.warmup); i++) await step();
    await syncParams(params);
    t0 = now();
    for (let i = 0; i < timed; i++) {
      res = await step();
      if (timed > 1) log(`${tag}: timed step ${i + 1}/${timed}`);
    }
    await syncParams(params);
    heapBytes = wasmHeapBytes();
    // timed 0: a single step (SwiftShader's LoRA step, or a wasm heap near its cap), reported as is,
    // compilation (and AdamW's first allocation of its moments) included.
    const meanStepMs = timed > 0 ? (now() - t0) / timed : firstStepMs;
    const tokensPerStep = w.batch * w.seqLen;
    const tokensPerSec = tokensPerStep / (meanStepMs / 1000);
    const flopsPerToken = config.lora
      ? loraTrainFlopsPerToken(base, w.seqLen, trainableParams)
      : trainFlopsPerToken(config, w.seqLen);
    const record: TrainRecord = {
      backend,
      workload: w.name,
      method: w.method,
      params: countParams(base),
      trainableParams,
      batch: w.batch,
      seqLen: w.seqLen,
      tokensPerStep,
      warmup: w.warmup,
      timed,
      firstStepMs,
      meanStepMs,
      tokensPerSec,
      flopsPerToken,
      achievedGflops: gflopsOf(flopsPerToken * tokensPerStep, meanStepMs),
      peakBytes,
      bytesAfter: tf.memory().numBytes,
      heapBytes,
      finalLoss: res.loss,
    };
    log(
      `${tag}: ${tokensPerSec.toFixed(1)} tokens/s (${formatTiming(meanStepMs)}/step, ${record.achievedGflops.toFixed(2)} GFLOP/s)`,
    );
    return record;
  } finally {
    stepper.dispose();
  }
}
