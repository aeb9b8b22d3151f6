// A training checkpoint: everything needed to continue a run exactly where an epoch ended —
// weights, AdamW moments and step, the run's settings and position — as ONE safetensors file
// (tensors "weights", "optimizer.m", "optimizer.v", each (P) float32 in flatLayout order; the rest
// as JSON in __metadata__), so any safetensors reader can open it and the weights alone load as-is.
//
// RNG state: the studio draws randomness in two places only, both pure functions of the seed —
// initWeights(config, seed) and the data order batchesForEpoch(n, batch, seed, epoch). Dropout is
// absent. So (seed, step) IS the whole RNG state: a resumed run recomputes the epoch's order and
// skips the first `step` batches (trainer.ts, resumeFrom), landing on the same batch it would have
// drawn uninterrupted. Nothing else needs saving; checkpoint.test.ts asserts the batches agree.
// (LoRA's dropout masks are a pure function of (seed, step) too: trainer.ts.)
//
// LoRA (meta.config.lora): "weights" and the moments hold the ADAPTERS only (flatLayout of a LoRA
// config); meta.base names the frozen base they sit on (id, revision, weightsHash). A resume
// re-attaches the base the caller supplies and refuses one whose hash differs (train/lora-run.ts).
import { validateConfig, type LlamaConfig } from '../../model/config';
import { readSafetensors, writeSafetensors } from '../../model/io/safetensors';
import { flatLayout } from '../flat';
import type { LossScalerState } from '../../collectives/fp16';
import { checkOptimizerState, type OptimizerState } from '../optimizer-state';
import { validateSpec, type RunSpec } from '../spec';
import { validateLora } from '../../model/lora-config';
import type { BaseIdentity } from '../run';
import type { EpochLoss } from '../trainer';

export const CHECKPOINT_VERSION = 1;
/** The __metadata__ "format" value that marks a studio checkpoint among safetensors files. */
export const CHECKPOINT_FORMAT = 'training-studio-checkpoint';

export interface CheckpointMeta {
  version: 1;
  step: number; // optimizer steps done (the resume point)
  epoch: number; // the epoch it ended, or (a mid-epoch checkpoint) the epoch it is in
  totalSteps: number; // the run's planned steps (a resumed run must plan the same)
  createdAt: string; // ISO 8601
  runId: string;
  spec: RunSpec;
  config: LlamaConfig;
  seed: number; // = spec.seed: with step, the whole RNG state (see the top of this file)
  globalBatch?: number; // examples per optimizer step when saved (batchesForEpoch's batch size)
  extra?: Record<string, string>; // free slots for the shell (tokenizer JSON, data source label…)
  base?: BaseIdentity; // LoRA: the frozen base the adapters belong to (required when config.lora)
  /** A mid-epoch checkpoint: the running epoch's train-loss sum and count so far, so a resume reports the whole epoch's mean. */
  epochLoss?: EpochLoss;
}

export interface TrainingCheckpoint {
  meta: CheckpointMeta;
  weights: Float32Array; // (P) flat trainable parameters (LoRA: adapters), flatLayout(meta.config) order
  optimizer: OptimizerState; // (P) moments, same order
}

const TENSORS = { weights: 'weights', m: 'optimizer.m', v: 'optimizer.v' } as const;

export function encodeCheckpoint(ckpt: TrainingCheckpoint): Uint8Array {
  checkCheckpoint(ckpt); // never write a file decodeCheckpoint would refuse
  const { meta, weights, optimizer } = ckpt;
  const P = weights.length;
  const tensors = new Map([
    [TENSORS.weights, { shape: [P], data: weights }],
    [TENSORS.m, { shape: [P], data: optimizer.m }],
    [TENSORS.v, { shape: [P], data: optimizer.v }],
  ]);
  const md: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    meta: JSON.stringify(meta),
    optimizer_step: String(optimizer.step),
  };
  if (optimizer.lossScale) md.loss_scale = JSON.stringify(optimizer.lossScale);
  return writeSafetensors(tensors, md);
}

export function decodeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    throw new Error(`checkpoint: not a readable safetensors file (truncated or corrupt?): ${(e as Error).message}`);
  }
  const md = file.metadata;
  if (md.format !== CHECKPOINT_FORMAT) {
    const got =
      md.format === undefined ? 'has no __metadata__.format' : `has __metadata__.format ${JSON.stringify(md.format)}`;
    throw new Error(
      `checkpoint: the file ${got}, expected "${CHECKPOINT_FORMAT}" (a plain weights file is not a training checkpoint)`,
    );
  }
  let meta: unknown;
  try {
    meta = JSON.parse(md.meta ?? '');
  } catch (e) {
    throw new Error(`checkpoint: __metadata__.meta is not valid JSON (${(e as Error).message})`);
  }
  const optStep = Number(md.optimizer_step);
  if (md.optimizer_step === undefined || !/^\d+$/.test(md.optimizer_step))
    throw new Error(
      `checkpoint: __metadata__.optimizer_step must be a non-negative integer, got ${JSON.stringify(md.optimizer_step)}`,
    );
  const tensor = (name: string) => {
    const t = file.tensors.get(name);
    if (!t) throw new Error(`checkpoint: tensor "${name}" is missing`);
    if (t.dtype !== 'F32')
      throw new Error(
        `checkpoint: tensor "${name}" is ${t.dtype}, must be F32 (moments and weights are saved exactly)`,
      );
    if (t.shape.length !== 1)
      throw new Error(`checkpoint: tensor "${name}" has shape [${t.shape.join(', ')}], expected one flat dimension`);
    return t.data;
  };
  let lossScale: LossScalerState | undefined;
  if (md.loss_scale !== undefined) {
    try {
      lossScale = JSON.parse(md.loss_scale) as LossScalerState;
    } catch (e) {
      throw new Error(`checkpoint: __metadata__.loss_scale is not valid JSON (${(e as Error).message})`);
    }
  }
  const optimizer: OptimizerState = {
    step: optStep,
    m: tensor(TENSORS.m),
    v: tensor(TENSORS.v),
    ...(lossScale ? { lossScale } : {}),
  };
  const ckpt = { meta: meta as CheckpointMeta, weights: tensor(TENSORS.weights), optimizer };
  for (const name of file.tensors.keys())
    if (!Object.values(TENSORS).includes(name as never)) throw new Error(`checkpoint: unexpected tensor "${name}"`);
  checkCheckpoint(ckpt);
  return ckpt;
}

const isInt = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/** Throws naming the first thing wrong: version, fields, or sizes that do not match the config's layout. */
export function checkCheckpoint(ckpt: TrainingCheckpoint): void {
  const m = ckpt.meta as unknown as Record<string, unknown>;
  if (typeof m !== 'object' || m === null) throw new Error('checkpoint: meta must be an object');
  if (m.version !== CHECKPOINT_VERSION)
    throw new Error(
      `checkpoint: version ${JSON.stringify(m.version)} is not supported (this studio reads version ${CHECKPOINT_VERSION})`,
    );
  if (!isInt(m.step)) throw new Error(`checkpoint: step must be a non-negative integer, got ${JSON.stringify(m.step)}`);
  if (!isInt(m.epoch))
    throw new Error(`checkpoint: epoch must be a non-negative integer, got ${JSON.stringify(m.epoch)}`);
  if (!isInt(m.totalSteps) || m.totalSteps < m.step)
    throw new Error(`checkpoint: totalSteps must be an integer ≥ step ${m.step}, got ${JSON.stringify(m.totalSteps)}`);
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt)))
    throw new Error(`checkpoint: createdAt must be an ISO date, got ${JSON.stringify(m.createdAt)}`);
  if (typeof m.runId !== 'string' || m.runId.length === 0)
    throw new Error(`checkpoint: runId must be a non-empty string, got ${JSON.stringify(m.runId)}`);
  try {
    validateSpec(m.spec);
    validateConfig(m.config as LlamaConfig);
  } catch (e) {
    throw new Error(`checkpoint: ${(e as Error).message}`);
  }
  if (!isInt(m.seed) || m.seed !== (m.spec as RunSpec).seed)
    throw new Error(`checkpoint: seed ${JSON.stringify(m.seed)} must equal spec.seed ${(m.spec as RunSpec).seed}`);
  if (m.globalBatch !== undefined && !isInt(m.globalBatch, 1))
    throw new Error(`checkpoint: globalBatch must be a positive integer, got ${JSON.stringify(m.globalBatch)}`);
  const el = m.epochLoss as Record<string, unknown> | undefined;
  if (el !== undefined && (typeof el !== 'object' || el === null || typeof el.sum !== 'number' || !isInt(el.count)))
    throw new Error(
      `checkpoint: epochLoss must be { sum: number, count: a non-negative integer }, got ${JSON.stringify(el)}`,
    );
  if (m.extra !== undefined) {
    if (typeof m.extra !== 'object' || m.extra === null || Array.isArray(m.extra))
      throw new Error('checkpoint: extra must be an object of strings');
    for (const [k, v] of Object.entries(m.extra))
      if (typeof v !== 'string') throw new Error(`checkpoint: extra "${k}" must be a string, got ${typeof v}`);
  }
  const lora = (m.config as LlamaConfig).lora;
  if (lora !== undefined) {
    try {
      validateLora(lora);
    } catch (e) {
      throw new Error(`checkpoint: ${(e as Error).message}`);
    }
    const b = m.base as Record<string, unknown> | undefined;
    if (typeof b !== 'object' || b === null || !['id', 'revision', 'hash'].every((k) => typeof b[k] === 'string'))
      throw new Error('checkpoint: a LoRA checkpoint must name its base (base.id, base.revision, base.hash: strings)');
  }
  const P = flatLayout(m.config as LlamaConfig).total;
  if (!(ckpt.weights instanceof Float32Array)) throw new Error('checkpoint: weights must be a Float32Array');
  if (ckpt.weights.length !== P)
    throw new Error(`checkpoint: weights hold ${ckpt.weights.length} values, but the config's layout needs ${P}`);
  checkOptimizerState(ckpt.optimizer, P, 'checkpoint');
  if (ckpt.optimizer.step > m.step)
    throw new Error(`checkpoint: optimizer step ${ckpt.optimizer.step} is past the run's step ${m.step}`);
}
