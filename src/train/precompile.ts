// Every WebGPU pipeline of a training step compiled up front, in parallel, before the first step.
//
// tfjs-backend-webgpu compiles a program's pipeline the first time it runs, with the synchronous
// createComputePipeline: a first step on SwiftShader spent ~8–16 s (60 pipelines at 0.1–0.4 s
// each, 11 of them tfjs's matmul variants at ~90% of the time) compiling one after another. In tfjs's compile-only mode (WEBGPU_ENGINE_COMPILE_ONLY) a
// program is not dispatched: its pipeline is requested with createComputePipelineAsync, so the
// driver compiles them all at once on its own threads, and backend.checkCompileCompletionAsync()
// waits for them. Here one optimizer step runs in that mode through the very functions the real
// step calls (the caller's `step`), on throwaway copies of the variables and a throwaway optimizer:
// no dispatch runs, no weight, moment or RNG state changes, and the pipelines it requested are the
// ones the first real step would have compiled.
//
// Read-backs: a compile-only step computes nothing, and tfjs's read returns null there (a crash in
// its conversion). While the warm-up runs, the backend's read answers every download with a large
// finite value instead (the loss and the squared norm), so the step takes its "finite, clip" branch
// and the clip's own programs are compiled too; the real step that follows reads real values.
import * as tf from '@tensorflow/tfjs-core';
import type { Example } from '../core/example';
import { batchesForEpoch, collate } from '../data/batching';
import type { LlamaConfig } from '../model/config';
import { isNormWeight, type Variables } from '../model/params';
import { microBatches, shardOf } from './accumulate';
import { AdamW, ADAMW_DEFAULTS } from './adamw';
import type { RunSpec } from './spec';
import { lossAndGrads, trainStep } from './step';
import { globalBatchSize } from './trainer';

/** What a warm-up did: pipelines it had compiled, how long it took, and any the driver refused. */
export interface PrecompileReport {
  /** Pipelines compiled by this warm-up (not already in tfjs's cache). */
  pipelines: number;
  /** Wall time of the whole warm-up (recording the step + waiting for every compile). */
  ms: number;
  /**
   * Pipelines the driver refused to build (a validation error, e.g. more storage buffers than the
   * device allows): dropped from tfjs's cache, so the real step compiles them as it always did and
   * reports the same error there.
   */
  failed: string[];
}

const COMPILE_ONLY = 'WEBGPU_ENGINE_COMPILE_ONLY';

/** The value every read-back returns during the warm-up: finite, and large enough that clipping engages. */
const FAKE_READ_VALUE = 1e6;

interface BackendInternals {
  pipelineCache: Record<string, unknown>; // a GPUComputePipeline, or its promise while compiling
  tensorMap: { get(dataId: object): { shape: number[]; dtype: string } | undefined };
  read(dataId: object): Promise<tf.backend_util.BackendValues>;
}

/**
 * Runs `run` once with every WebGPU program compiled but not dispatched, then waits for the
 * compiles. `run` must only make throwaway tensors: nothing it computes holds real values. On any
 * backend but webgpu it does nothing ({ pipelines: 0 }).
 */
export async function compileOnly(run: () => Promise<unknown> | unknown): Promise<PrecompileReport> {
  const t0 = performance.now();
  if (tf.getBackend() !== 'webgpu') return { pipelines: 0, ms: 0, failed: [] };
  const backend = tf.backend() as unknown as BackendInternals; // tfjs-backend-webgpu 4.22's own fields
  const env = tf.env();
  if (env.getBool(COMPILE_ONLY)) throw new Error('compileOnly: a compile-only pass is already running');
  const before = new Set(Object.keys(backend.pipelineCache));
  const realRead = backend.read;
  backend.read = (dataId: object) => {
    const info = backend.tensorMap.get(dataId);
    const n = info ? tf.util.sizeFromShape(info.shape) : 1;
    const out = info?.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    return Promise.resolve(out.fill(FAKE_READ_VALUE));
  };
  env.set(COMPILE_ONLY, true);
  try {
    await run();
  } finally {
    env.set(COMPILE_ONLY, false);
    backend.read = realRead;
  }
  const failed = await settle(backend);
  const added = Object.keys(backend.pipelineCache).filter((k) => !before.has(k)).length;
  return { pipelines: added, ms: performance.now() - t0, failed };
}

/**
 * Waits for every pending pipeline. tfjs's own checkCompileCompletionAsync rejects on the first
 * failure and leaves the rest as promises, after which every dispatch of them throws; here a refused
 * pipeline is removed from the cache instead (its names returned) and the others are kept.
 */
async function settle(backend: BackendInternals): Promise<string[]> {
  const cache = backend.pipelineCache;
  const keys = Object.keys(cache);
  const results = await Promise.allSettled(keys.map((k) => cache[k]));
  const failed: string[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') cache[keys[i]] = r.value;
    else {
      delete cache[keys[i]];
      failed.push(keys[i]);
    }
  });
  return failed;
}

/** Throwaway variables that share the params' data: an assign to one replaces its own data only. */
function throwawayVariables(params: Variables): Variables {
  const out: Variables = new Map();
  for (const [name, v] of params) out.set(name, tf.variable(v, v.trainable));
  return out;
}

/**
 * One training step's pipelines compiled in parallel before the first real step: `step` is the
 * run's own step (loss, gradients, clip, optimizer update) applied to the variables it is given,
 * with an optimizer of its own making (a fresh one, disposed by `step`: its moments are thrown
 * away). The model's variables, the run's optimizer and every RNG are left as they were. The
 * batch's shapes decide which pipelines are compiled (tfjs keys them by rank, vector width and tile
 * fit, so a batch of another length may still compile a few): pass the first batch.
 */
export async function precompileTrainStep(
  params: Variables,
  step: (throwaway: Variables) => Promise<unknown>,
): Promise<PrecompileReport> {
  if (tf.getBackend() !== 'webgpu') return { pipelines: 0, ms: 0, failed: [] };
  const throwaway = throwawayVariables(params);
  try {
    return await compileOnly(() => step(throwaway));
  } finally {
    for (const v of throwaway.values()) v.dispose();
  }
}

/**
 * Whether tfjs runs on a software renderer (SwiftShader, llvmpipe). There the warm-up loses:
 * measured back to back in Node on Dawn over SwiftShader (tiny preset, B 8, T 160, 2 shared cores),
 * createComputePipelineAsync spent ~3.5× the CPU time of the synchronous compiles it replaced
 * (≈16 s against ≈5 s for the same 59 pipelines), and 2 cores leave little to run in parallel: the
 * first step took 57–71 s with the warm-up against 27–43 s without. Chromium (whose Dawn runs in the
 * GPU process) was no better: its first tiny step (bench anatomy, B8×T160, tf.matMul, a fresh
 * browser per run, interleaved; dev/first-step-chromium.mjs) took 12.5 and 43.7 s with the warm-up
 * (8.4 and 34 s of it compiling 47 pipelines) against 11.5 and 23.4 s without. So the run skips it
 * on software adapters in the browser too; since the one-pipeline GEMM (kernels/webgpu/matmul.ts)
 * the step compiles ~36 cheap pipelines, leaving a warm-up little to win there anyway.
 */
function softwareAdapter(): boolean {
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return /swiftshader|llvmpipe|lavapipe|warp/i.test(`${info?.vendor ?? ''} ${info?.architecture ?? ''}`);
}

/** What the run's first step needs to be rehearsed: its model, settings and training examples. */
export interface FirstStepInput {
  params: Variables;
  config: LlamaConfig;
  spec: RunSpec;
  train: readonly Example[];
  padId: number;
  /** Replicas in the data-parallel group (1: one replica). */
  world: number;
}

/**
 * The trainer's first step rehearsed in compile-only mode (trainer.ts makeStepper): one replica
 * without accumulation runs trainStep (loss, gradients, clip, AdamW) on the first batch of epoch 1;
 * replicas or accumulation run the summed-loss gradients of their first micro-batch (their update
 * is flat.ts's, on the CPU-side vector, and compiles nothing on the device). No-op off webgpu.
 */
export async function precompileFirstStep(o: FirstStepInput): Promise<PrecompileReport> {
  if (tf.getBackend() !== 'webgpu' || o.train.length === 0 || softwareAdapter())
    return { pipelines: 0, ms: 0, failed: [] };
  const { params, config, spec, train, padId, world } = o;
  const first = batchesForEpoch(train.length, globalBatchSize(spec, world), spec.seed, 1)[0];
  const micro = microBatches(shardOf(first, 0, world), spec.gradientAccumulation)[0];
  const batch = collate(
    micro.map((i) => train[i]),
    padId,
  );
  if (batch.tokens === 0) return { pipelines: 0, ms: 0, failed: [] }; // batchLoss would refuse it; the step skips it
  // LoRA dropout draws its masks on the device when it is on: rehearse it too (seed irrelevant).
  const training = (config.lora?.dropout ?? 0) > 0 ? { dropoutSeed: 0 } : undefined;
  const onReplica = world === 1 && spec.gradientAccumulation === 1;
  return precompileTrainStep(params, async (p) => {
    if (!onReplica) {
      const { loss, grads } = lossAndGrads(p, config, batch, 'sum', false, training);
      tf.dispose([loss, ...grads.values()]);
      return;
    }
    // The trainer's AdamW options (trainer.ts): which parameters decay decides which programs run.
    const opt = new AdamW({ ...ADAMW_DEFAULTS, weightDecay: spec.weightDecay, decays: (n) => !isNormWeight(n) });
    try {
      await trainStep(p, config, batch, opt, spec.learningRate, spec.maxGradNorm, false, training);
    } finally {
      opt.dispose();
    }
  });
}
