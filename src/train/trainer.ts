// The training loop: epochs of seeded shuffled batches, warmup + decay schedule, AdamW, clipping,
// an evaluation loss each epoch; it reports facts through onEvent and stops when asked.
import * as tf from '@tensorflow/tfjs-core';
import { batchesForEpoch, collate } from '../data/batching';
import type { LlamaConfig } from '../model/config';
import { isNormWeight, type Variables } from '../model/params';
import { AdamW, ADAMW_DEFAULTS } from './adamw';
import type { RunEvent } from './events';
import { batchLoss, supervised, type Batch } from './loss';
import { lrAt, warmupSteps } from './schedule';
import type { RunSpec } from './spec';
import { trainStep } from './step';

export interface Example {
  inputIds: number[];
  labels: number[];
}

export type TrainEvent = Extract<RunEvent, { type: 'step' | 'epoch' }>;

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
  /** Runs after each epoch's evaluation loss (generation and ROUGE live here, outside the loop). */
  afterEpoch?: (e: { epoch: number; step: number; evalLoss: number | null }) => Promise<void>;
}

export interface TrainerResult {
  steps: number;
  stopped: boolean;
  skippedSteps: number;
}

export function plannedSteps(spec: RunSpec, trainSize: number): number {
  const perEpoch = Math.ceil(trainSize / spec.batchSize);
  const all = perEpoch * spec.epochs;
  return spec.maxSteps > 0 ? Math.min(spec.maxSteps, all) : all;
}

/** Token-weighted mean loss over examples, batch by batch, without gradients. */
export async function evaluateLoss(params: Variables, config: LlamaConfig, examples: Example[], batchSize: number, padId: number): Promise<number | null> {
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

export async function runTraining(input: TrainerInput): Promise<TrainerResult> {
  const { config, params, spec, train, validation, padId, onEvent } = input;
  const shouldStop = input.shouldStop ?? (() => false);
  const now = input.now ?? (() => performance.now());
  if (train.length === 0) throw new Error('no training examples');
  const total = plannedSteps(spec, train.length);
  const warmup = warmupSteps(total, spec.warmupRatio);
  const opt = new AdamW({ ...ADAMW_DEFAULTS, weightDecay: spec.weightDecay, decays: (n) => !isNormWeight(n) });
  const start = now();
  const recent: { tokens: number; ms: number }[] = []; // recent steps, for a steady tokens/s
  let step = 0;
  let skippedSteps = 0;
  let stopped = false;
  try {
    for (let epoch = 1; epoch <= spec.epochs && step < total && !stopped; epoch++) {
      let lossSum = 0;
      let lossCount = 0;
      for (const indices of batchesForEpoch(train.length, spec.batchSize, spec.seed, epoch)) {
        if (step >= total) break;
        if (shouldStop()) {
          stopped = true;
          break;
        }
        const t0 = now();
        const batch = collate(indices.map((i) => train[i]), padId);
        const lr = lrAt(spec.schedule, spec.learningRate, step, total, warmup);
        const res = await trainStep(params, config, batch, opt, lr, spec.maxGradNorm);
        step += 1;
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
          type: 'step', step, totalSteps: total, epoch, loss: res.loss, lr, gradNorm: res.gradNorm,
          tokensPerSec: w.ms > 0 ? (w.tokens * 1000) / w.ms : 0, elapsedMs: now() - start, skipped: !res.applied,
        });
      }
      if (!stopped && lossCount > 0) {
        const evalLoss = validation.length > 0 ? await evaluateLoss(params, config, validation, spec.batchSize, padId) : null;
        onEvent({ type: 'epoch', epoch, trainLoss: lossSum / lossCount, evalLoss });
        if (input.afterEpoch) await input.afterEpoch({ epoch, step, evalLoss });
      }
    }
  } finally {
    opt.dispose();
  }
  return { steps: step, stopped, skippedSteps };
}
