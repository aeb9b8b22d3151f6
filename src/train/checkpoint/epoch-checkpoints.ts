// The glue between the trainer and checkpoint storage: a TrainerInput.onEpochEnd that saves a
// checkpoint every epoch — and mid-epoch, every N steps or M minutes, when the trainer is given
// checkpointEvery — keeping the last N of the run, and the trainer inputs that resume one. A
// mid-epoch checkpoint is the same record (weights, moments, step): the trainer skips its steps.
// Shells (run.ts, the worker) call these two and need nothing else from checkpoint*.ts.
import type { LlamaConfig } from '../../model/config';
import type { Variables } from '../../model/params';
import { encodeCheckpoint, type CheckpointMeta, type TrainingCheckpoint } from './checkpoint';
import {
  checkpointId,
  checkpointInfo,
  checkpointStorageError,
  DEFAULT_KEEP_LAST,
  saveWithRotation,
  type CheckpointInfo,
  type CheckpointStore,
} from './store';
import { flatLayout, packTensors, unpackViews } from '../flat';
import type { OptimizerState } from '../optimizer-state';
import type { RunSpec } from '../spec';
import type { BaseIdentity } from '../run';
import { globalBatchSize, plannedSteps, type EpochEnd, type EpochLoss } from '../trainer';
import { boundedMessage } from '../../core/bounded-text';
import { errorMessage } from '../../core/errors';
import { isQuotaError } from '../../core/storage-quota';

export interface EpochCheckpointOptions {
  store: CheckpointStore;
  runId: string;
  spec: RunSpec; // as the trainer runs it (after auto batch size)
  config: LlamaConfig;
  params: Variables; // the variables the trainer updates
  keepLast?: number; // default 3 (save_total_limit)
  /** This replica's rank: every rank must run the hook (ZeRO's export is collective); only rank 0 writes. */
  rank?: number;
  extra?: Record<string, string>; // e.g. tokenizer JSON, data source label
  base?: BaseIdentity; // LoRA: the frozen base, recorded so a resume re-attaches the same one
  /** An epoch checkpoint's label (none by default); a mid-epoch one is labelled by stepLabel. */
  label?: (epoch: number) => string;
  now?: () => Date;
  /** After a save: what was written and what rotation deleted (rank 0 only). */
  onSaved?: (saved: CheckpointInfo, deleted: CheckpointInfo[]) => void;
  /**
   * A checkpoint could not be saved (storage full, storage refused): checkpoints are off for the
   * rest of the run and training goes on; `message` says so and why (rank 0 only, once).
   */
  onFailed?: (message: string) => void;
}

/**
 * An onEpochEnd hook that encodes the weights, moments and position and saves them with rotation.
 * A save that fails never fails the run: the weights trained in memory matter more than a copy of
 * them. Checkpoints then stop for this run (a full disk stays full, and every attempt would encode
 * the whole model again), `onFailed` says why, and the checkpoints saved before are kept
 * (saveWithRotation deletes old ones only after a save succeeded).
 */
export function epochCheckpointer(o: EpochCheckpointOptions): (e: EpochEnd) => Promise<void> {
  const layout = flatLayout(o.config);
  let off = false;
  return async ({ kind, epoch, step, totalSteps, globalBatch, optimizer, epochLoss }) => {
    const state = await optimizer(); // on every rank, even with checkpoints off: under ZeRO-1 this all-gathers the shards
    if ((o.rank ?? 0) !== 0 || off) return;
    const meta: CheckpointMeta = {
      version: 1,
      step,
      epoch,
      totalSteps,
      createdAt: (o.now ?? (() => new Date()))().toISOString(),
      runId: o.runId,
      spec: o.spec,
      config: o.config,
      seed: o.spec.seed,
      globalBatch,
      ...(o.extra ? { extra: o.extra } : {}),
      ...(o.base ? { base: o.base } : {}),
      ...(epochLoss ? { epochLoss } : {}),
    };
    const id = checkpointId(o.runId, step);
    let saved: { info: CheckpointInfo; deleted: CheckpointInfo[] };
    try {
      const bytes = encodeCheckpoint({ meta, weights: await packTensors(layout, o.params), optimizer: state });
      const info = checkpointInfo(meta, bytes, kind === 'step' ? stepLabel(step, epoch) : o.label?.(epoch));
      saved = { info, deleted: await saveWithRotation(o.store, info, bytes, o.keepLast ?? DEFAULT_KEEP_LAST) };
    } catch (err) {
      off = true;
      o.onFailed?.(await checkpointsOffMessage(err, `save checkpoint ${id}`));
      return;
    }
    o.onSaved?.(saved.info, saved.deleted);
  };
}

/**
 * "Checkpoints are off for the rest of this run: storage is full: could not save checkpoint … This
 * site uses … Training goes on …": why first (core/storage-quota.ts's wording for a full disk),
 * then what still holds. At most MAX_MESSAGE_CHARS.
 */
export async function checkpointsOffMessage(err: unknown, what: string): Promise<string> {
  // OPFS and IndexedDB already say "storage is full: …" (checkpointStorageError); a bare quota error is said the same way.
  const said = errorMessage(isQuotaError(err) ? await checkpointStorageError(err, what) : err);
  const why = /^(storage is full|could not |no persistent storage)/.test(said) ? said : `could not ${what}: ${said}`;
  return boundedMessage(
    `Checkpoints are off for the rest of this run: ${why}${/[.!]$/.test(why) ? '' : '.'} Training goes on with the model in memory (it still reaches the page when the run ends), and the checkpoints saved before are kept.`,
  );
}

/** How a mid-epoch checkpoint is named in lists: "step 37 (epoch 2)". */
export const stepLabel = (step: number, epoch: number) => `step ${step} (epoch ${epoch})`;

/** A checkpoint saved mid-epoch (by stepLabel), not at an epoch's end. */
export const isStepCheckpoint = (info: { label?: string }) => info.label?.startsWith('step ') ?? false;

/**
 * What a resumed run needs from a decoded checkpoint: the weights by name (for toVariables) and the
 * trainer's resumeFrom. The run must rebuild the same examples (same data, tokenizer and spec) so
 * that (seed, step) lands on the same batch; trainLoop checks step against its planned steps.
 */
export function resumeInputs(ckpt: TrainingCheckpoint): {
  weights: Map<string, Float32Array>;
  resumeFrom: { step: number; optimizer: OptimizerState; epochLoss?: EpochLoss };
} {
  const { step, epochLoss } = ckpt.meta;
  return {
    weights: unpackViews(flatLayout(ckpt.meta.config), ckpt.weights),
    resumeFrom: { step, optimizer: ckpt.optimizer, ...(epochLoss ? { epochLoss } : {}) },
  };
}

/**
 * Throws naming the first mismatch that would stop (seed, step) from landing on the same batch of
 * the same model: another model shape, seed, global batch or step plan (data size, epochs, maxSteps).
 * The per-replica batch may differ as long as the global batch is the same.
 */
export function checkResumable(
  ckpt: TrainingCheckpoint,
  run: { spec: RunSpec; config: LlamaConfig; trainSize: number; world?: number },
): void {
  const saved = ckpt.meta;
  const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b); // lora is an object
  const keys = new Set([...Object.keys(saved.config), ...Object.keys(run.config)]) as Set<keyof LlamaConfig>;
  for (const k of keys) {
    if (!same(saved.config[k], run.config[k]))
      throw new Error(
        `resume: the checkpoint's model has ${k} ${JSON.stringify(saved.config[k])}, this run's has ${JSON.stringify(run.config[k])}`,
      );
  }
  if (saved.seed !== run.spec.seed)
    throw new Error(
      `resume: the checkpoint was trained with seed ${saved.seed}, this run has ${run.spec.seed} (the data order would differ)`,
    );
  const batch = globalBatchSize(run.spec, run.world ?? 1);
  if (saved.globalBatch !== undefined && saved.globalBatch !== batch)
    throw new Error(
      `resume: the checkpoint was trained with a global batch of ${saved.globalBatch} examples per step, this run has ${batch} (batch × replicas × accumulation; the data order would differ)`,
    );
  const total = plannedSteps(run.spec, run.trainSize, run.world ?? 1);
  if (total !== saved.totalSteps)
    throw new Error(
      `resume: this run plans ${total} steps, the checkpoint's run planned ${saved.totalSteps} (different data size, epochs or maxSteps)`,
    );
}
