// The training loop: epochs of seeded shuffled batches, warmup + decay schedule, AdamW, clipping,
// gradient accumulation, an evaluation loss each epoch; it reports facts through onEvent and stops
// when asked. The whole run around it (data, tokenizer, model, auto batch size) is run.ts.
import type { Example } from '../core/example';
import * as tf from '@tensorflow/tfjs-core';
import { batchesForEpoch, collate } from '../data/batching';
import type { LlamaConfig } from '../model/config';
import { isNormWeight, type Variables } from '../model/params';
import type { Collective } from '../collectives/collective';
import { DynamicLossScaler, type LossScalerOptions } from '../collectives/fp16';
import { AdamW, ADAMW_DEFAULTS, type AdamWOptions } from './adamw';
import { meanGradients, microSeed, rankSeed } from './accumulate';
import {
  applyMeanGradient,
  dataParallelStep,
  ReplicatedAdamW,
  type FlatOptimizer,
  type Replica,
} from './data-parallel';
import { flatLayout, packTensors, type FlatLayout } from './flat';
import { checkOptimizerState, type OptimizerState } from './optimizer-state';
import { ZeroAdamW } from './zero';
import type { RunEvent } from '../core/events';
import { batchLoss, supervised, type Batch, type Training } from './loss';
import { mixSeeds } from '../model/lora';
import { lrAt, warmupSteps } from './schedule';
import type { RunSpec } from './spec';
import { trainStep } from './step';

export type TrainEvent = Extract<RunEvent, { type: 'step' | 'epoch' | 'snapshot' }>;

export interface TrainerInput {
  config: LlamaConfig;
  params: Variables;
  spec: RunSpec;
  train: Example[];
  validation: Example[];
  padId: number;
  onEvent: (e: TrainEvent) => void;
  shouldStop?: () => boolean;
  now?: () => number;
  /**
   * Data parallelism: this replica's collective; absent = one replica. Gradient accumulation is
   * spec.gradientAccumulation micro-batches per replica either way.
   */
  parallel?: ParallelOptions;
  /** Resume: the first startStep optimizer steps are skipped (data order and schedule continue as if run). Same as resumeFrom: { step }. */
  startStep?: number;
  /**
   * Resume from a checkpoint: params already hold its weights; the first `step` optimizer steps are
   * skipped (data order and schedule continue as if run) and the optimizer continues from
   * `optimizer` (any optimizer kind's export). Without it the moments start fresh, as after a
   * recovery from a weights-only snapshot.
   */
  resumeFrom?: { step: number; optimizer?: OptimizerState; epochLoss?: EpochLoss };
  /** Fault drill: when it returns true, this step's loss is made NaN (the update must be skipped and counted). */
  poison?: () => boolean;
  /** Emit a 'snapshot' of the weights every N steps (0: never). */
  snapshotEvery?: number;
  /** Runs after each epoch's evaluation loss (generation and ROUGE live here, outside the loop). */
  afterEpoch?: (e: { epoch: number; step: number; evalLoss: number | null }) => Promise<void>;
  /**
   * Runs after each completed epoch (after afterEpoch), on every rank: the place to save a
   * checkpoint. optimizer() exports the whole optimizer state; under ZeRO-1 it all-gathers, so
   * every rank must call it (once, in step) even if only rank 0 writes the checkpoint.
   */
  onEpochEnd?: (s: EpochEnd) => Promise<void>;
  /**
   * Mid-epoch checkpoints: onEpochEnd is also called (with kind 'step') every `steps` optimizer
   * steps and/or once `minutes` have passed since the last checkpoint (0: off), except on an
   * epoch's last step, whose epoch checkpoint follows. Same rules on every rank: the minutes are
   * agreed through the collective, so ZeRO's export stays collective.
   */
  checkpointEvery?: { steps: number; minutes: number };
}

/** The running epoch's train loss so far: Σ loss over its applied steps (in step order) and their count. */
export interface EpochLoss {
  sum: number;
  count: number;
}

export interface EpochEnd {
  /** 'step': a mid-epoch checkpoint (checkpointEvery), the epoch still running; absent or 'epoch': the epoch is done. */
  kind?: 'epoch' | 'step';
  epoch: number;
  step: number; // optimizer steps done, counting those skipped on resume
  totalSteps: number;
  globalBatch: number; // examples per optimizer step (batch × replicas × accumulation): with the seed, fixes the data order
  /** kind 'step': the running epoch's train-loss sum and count so far (a resume continues them). */
  epochLoss?: EpochLoss;
  optimizer: () => Promise<OptimizerState>;
}

export interface ParallelOptions {
  collective: Collective;
  zeroStage: 0 | 1;
  fp16?: boolean | LossScalerOptions; // gradients exchanged as fp16 with dynamic loss scaling (options: the scaler's)
}

export interface TrainerResult {
  steps: number;
  stopped: boolean;
  skippedSteps: number;
  optimizerBytes: number; // AdamW moments held by this replica
}

/** Examples per optimizer step: per-device batch × replicas × accumulation (transformers' effective batch). */
export const globalBatchSize = (spec: RunSpec, world = 1) => spec.batchSize * world * spec.gradientAccumulation;

export function plannedSteps(spec: RunSpec, trainSize: number, world = 1): number {
  const perEpoch = Math.ceil(trainSize / globalBatchSize(spec, world));
  const all = perEpoch * spec.epochs;
  return spec.maxSteps > 0 ? Math.min(spec.maxSteps, all) : all;
}

/** Token-weighted mean loss over examples, batch by batch, without gradients. */
export async function evaluateLoss(
  params: Variables,
  config: LlamaConfig,
  examples: Example[],
  batchSize: number,
  padId: number,
): Promise<number | null> {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const batch: Batch = collate(examples.slice(i, i + batchSize), padId);
    const n = supervised(batch).rows.length;
    if (n === 0) continue;
    const t = tf.tidy(() => batchLoss(params, config, batch));
    sum += (await t.data())[0] * n;
    count += n;
    t.dispose();
  }
  return count > 0 ? sum / count : null;
}

/**
 * One optimizer step over a global batch of example indices. A single replica keeps everything on
 * the device (trainStep), or, with accumulation, sums micro-batch gradients into one flat vector
 * (meanGradients); replicas exchange that vector through the collective (dataParallelStep).
 */
type Stepper = {
  step(
    indices: number[],
    lr: number,
    poison: boolean,
    training?: Training,
  ): Promise<{ loss: number; gradNorm: number; applied: boolean }>;
  optimizerBytes(): number;
  exportState(): Promise<OptimizerState>;
  dispose(): void;
};

function makeStepper(input: TrainerInput, opts: AdamWOptions): Stepper {
  const { config, params, train, padId, spec } = input;
  const par = input.parallel;
  const accumulation = spec.gradientAccumulation;
  const layout = flatLayout(config);
  if (!par || (par.collective.world === 1 && par.zeroStage === 0 && !par.fp16)) {
    if (accumulation > 1) return accumulatingStepper(input, layout, opts);
    const opt = new AdamW(opts);
    if (input.resumeFrom?.optimizer) opt.restoreState(layout, input.resumeFrom.optimizer);
    return {
      step: (indices, lr, poison, training) =>
        trainStep(
          params,
          config,
          collate(
            indices.map((i) => train[i]),
            padId,
          ),
          opt,
          lr,
          spec.maxGradNorm,
          poison,
          // The seed a group of one derives for rank 0's micro-batch 0 (accumulate.ts): one rule for every path.
          training && { dropoutSeed: microSeed(rankSeed(training, 0), 0) },
        ),
      optimizerBytes: () => [...opt.m.values()].reduce((n, t) => n + 8 * t.size, 0),
      exportState: () => opt.exportState(layout),
      dispose: () => opt.dispose(),
    };
  }
  const optimizer: FlatOptimizer =
    par.zeroStage === 1 ? new ZeroAdamW(par.collective, layout, opts) : new ReplicatedAdamW(layout, opts);
  if (input.resumeFrom?.optimizer) optimizer.restoreState(input.resumeFrom.optimizer);
  const scaler = par.fp16 ? new DynamicLossScaler(par.fp16 === true ? {} : par.fp16) : undefined;
  const saved = input.resumeFrom?.optimizer?.lossScale;
  if (scaler && saved) scaler.load(saved);
  const rep: Replica = {
    collective: par.collective,
    config,
    params,
    layout,
    optimizer,
    padId,
    accumulationSteps: accumulation,
    maxGradNorm: spec.maxGradNorm,
    fp16: scaler,
  };
  return {
    step: (indices, lr, poison, training) => dataParallelStep(rep, train, indices, lr, poison, training),
    optimizerBytes: () => optimizer.optimizerBytes,
    // The scaler's state rides with the moments (identical on every rank: it moves on all-reduced overflow flags).
    exportState: async () => ({ ...(await optimizer.exportState()), ...(scaler ? { lossScale: scaler.state() } : {}) }),
    dispose: () => optimizer.dispose(),
  };
}

/** One replica, spec.gradientAccumulation micro-batches a step: the same update as a data-parallel group of one. */
function accumulatingStepper(input: TrainerInput, layout: FlatLayout, opts: AdamWOptions): Stepper {
  const { config, params, train, padId, spec } = input;
  const optimizer = new ReplicatedAdamW(layout, opts);
  if (input.resumeFrom?.optimizer) optimizer.restoreState(input.resumeFrom.optimizer);
  const grad = new Float32Array(layout.total); // (P) reused every step
  return {
    step: async (indices, lr, poison, training) => {
      const mean = await meanGradients(
        params,
        config,
        layout,
        train,
        indices,
        spec.gradientAccumulation,
        padId,
        grad,
        poison,
        training && { dropoutSeed: rankSeed(training, 0) },
      );
      return applyMeanGradient(optimizer, params, mean, spec.maxGradNorm, lr);
    },
    optimizerBytes: () => optimizer.optimizerBytes,
    exportState: () => optimizer.exportState(),
    dispose: () => optimizer.dispose(),
  };
}

/** The epoch loop over tokenized examples (run.ts's runTraining is the whole run around it). */
export async function trainLoop(input: TrainerInput): Promise<TrainerResult> {
  const { config, params, spec, train, validation, padId, onEvent } = input;
  const shouldStop = input.shouldStop ?? (() => false);
  const now = input.now ?? (() => performance.now());
  if (train.length === 0) throw new Error('no training examples');
  const world = input.parallel?.collective.world ?? 1;
  const total = plannedSteps(spec, train.length, world);
  const startStep = resumeStep(input, total);
  const warmup = warmupSteps(total, spec.warmupRatio);
  const stepper = makeStepper(input, {
    ...ADAMW_DEFAULTS,
    weightDecay: spec.weightDecay,
    decays: (n) => !isNormWeight(n),
  });
  const dropout = (config.lora?.dropout ?? 0) > 0;
  const start = now();
  const recent: { tokens: number; ms: number }[] = []; // recent steps, for a steady tokens/s
  let step = 0;
  let skippedSteps = 0;
  let stopped = false;
  const perEpoch = Math.ceil(train.length / globalBatchSize(spec, world));
  const every = input.onEpochEnd ? input.checkpointEvery : undefined;
  let lastCheckpoint = now(); // the minutes rule counts from the start, then from each checkpoint
  const checkpoint = async (kind: 'epoch' | 'step', epoch: number, epochLoss?: EpochLoss) => {
    let exported: Promise<OptimizerState> | null = null;
    await input.onEpochEnd?.({
      kind,
      ...(epochLoss ? { epochLoss } : {}),
      epoch,
      step,
      totalSteps: total,
      globalBatch: globalBatchSize(spec, world),
      optimizer: () => (exported ??= stepper.exportState()),
    });
    lastCheckpoint = now();
  };
  try {
    for (let epoch = 1; epoch <= spec.epochs && step < total && !stopped; epoch++) {
      let lossSum = 0;
      let lossCount = 0;
      // Resumed mid-epoch (a step checkpoint): the steps before it count toward this epoch's mean too.
      const carried = input.resumeFrom?.epochLoss;
      if (carried && startStep > (epoch - 1) * perEpoch && startStep < epoch * perEpoch) {
        lossSum = carried.sum;
        lossCount = carried.count;
      }
      let ran = 0; // steps this call ran in this epoch (an epoch done before the resume ends nothing)
      for (const indices of batchesForEpoch(train.length, globalBatchSize(spec, world), spec.seed, epoch)) {
        if (step >= total) break;
        if (step < startStep) {
          step += 1; // done before the resume: same batches, same schedule position
          continue;
        }
        await yieldToEventLoop();
        // Replicas must agree to stop on the same step, or one would wait forever in a collective.
        if (await agreeAny(input.parallel?.collective, shouldStop())) {
          stopped = true;
          break;
        }
        const t0 = now();
        const lr = lrAt(spec.schedule, spec.learningRate, step, total, warmup);
        // LoRA dropout: masks a pure function of (seed, step), so a resume draws what the straight run drew.
        const training = dropout ? { dropoutSeed: mixSeeds(spec.seed, step) } : undefined;
        const res = await stepper.step(indices, lr, input.poison?.() ?? false, training);
        step += 1;
        ran += 1;
        if (!res.applied) skippedSteps += 1;
        else {
          lossSum += res.loss;
          lossCount += 1;
        }
        const tokens = indices.reduce((a, i) => a + train[i].inputIds.length, 0);
        recent.push({ tokens, ms: now() - t0 });
        if (recent.length > 10) recent.shift();
        const w = recent.reduce((a, x) => ({ tokens: a.tokens + x.tokens, ms: a.ms + x.ms }), { tokens: 0, ms: 0 });
        onEvent({
          type: 'step',
          step,
          totalSteps: total,
          epoch,
          loss: res.loss,
          lr,
          gradNorm: res.gradNorm,
          tokensPerSec: w.ms > 0 ? (w.tokens * 1000) / w.ms : 0,
          elapsedMs: now() - start,
          skipped: !res.applied,
        });
        if (input.snapshotEvery && step % input.snapshotEvery === 0 && step < total) {
          onEvent({ type: 'snapshot', step, weights: await packTensors(flatLayout(config), params) });
        }
        // An epoch's last step (and the run's) gets its epoch checkpoint below instead.
        if (every && step < total && step % perEpoch !== 0) {
          const bySteps = every.steps > 0 && step % every.steps === 0; // a pure function of step: same on every rank
          const byTime =
            every.minutes > 0 &&
            (await agreeAny(input.parallel?.collective, now() - lastCheckpoint >= every.minutes * 60_000));
          if (bySteps || byTime) await checkpoint('step', epoch, { sum: lossSum, count: lossCount });
        }
      }
      if (!stopped && lossCount > 0) {
        const evalLoss =
          validation.length > 0 ? await evaluateLoss(params, config, validation, spec.batchSize, padId) : null;
        onEvent({ type: 'epoch', epoch, trainLoss: lossSum / lossCount, evalLoss });
        if (input.afterEpoch) await input.afterEpoch({ epoch, step, evalLoss });
      }
      // Same condition on every rank (stop is agreed, steps are shared), so ZeRO's export stays collective.
      if (!stopped && ran > 0 && input.onEpochEnd) await checkpoint('epoch', epoch);
    }
    return { steps: step, stopped, skippedSteps, optimizerBytes: stepper.optimizerBytes() };
  } finally {
    stepper.dispose();
  }
}

/** The step to resume at (resumeFrom or the older startStep), checked against the run and the optimizer state. */
function resumeStep(input: TrainerInput, total: number): number {
  const { resumeFrom, startStep } = input;
  if (resumeFrom && startStep !== undefined && startStep !== resumeFrom.step)
    throw new Error(`resume: startStep ${startStep} and resumeFrom.step ${resumeFrom.step} disagree (give one)`);
  const step = resumeFrom?.step ?? startStep ?? 0;
  if (!Number.isSafeInteger(step) || step < 0)
    throw new Error(`resume: step must be a non-negative integer, got ${String(step)}`);
  if (step > total)
    throw new Error(
      `resume: step ${step} is past this run's ${total} planned steps (different data, batch size or epochs?)`,
    );
  const opt = resumeFrom?.optimizer;
  if (opt) {
    checkOptimizerState(opt, flatLayout(input.config).total, 'resume');
    // Skipped (non-finite) steps do not advance the optimizer, so its step can trail, never lead.
    if (opt.step > step)
      throw new Error(
        `resume: the optimizer state has taken ${opt.step} steps, more than the ${step} steps resumed from`,
      );
  }
  return step;
}

/**
 * Lets queued messages (Stop, fault drills) and timers (heartbeats) run between steps. On wasm and
 * cpu every await in a step can settle as a microtask, and a loop of microtasks never returns to
 * the event loop: a worker would hear Stop only after the last step, and miss its heartbeats.
 * A MessageChannel round trip is a macrotask without setTimeout's 4 ms clamp.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((r) => setTimeout(r, 0));
  const ch = new MessageChannel();
  return new Promise((resolve) => {
    ch.port1.onmessage = () => {
      ch.port1.close();
      ch.port2.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/** True on every rank if any rank says true (one tiny all-reduce; free with one replica): stop, or a checkpoint due. */
async function agreeAny(c: Collective | undefined, mine: boolean): Promise<boolean> {
  if (!c || c.world === 1) return mine;
  const flag = new Float32Array([mine ? 1 : 0]);
  await c.allReduceSum(flag);
  return flag[0] > 0;
}
