// A whole run from pairs to trained weights: split, train the tokenizer on the training split,
// build examples, initialise the model, size the batch, train. Plain TypeScript: the worker wraps
// it with a backend and messages; tests run it in Node.
import type { Pair } from '../core/example';
import { splitTrainValidation } from '../data/batching';
import { buildExamples } from '../data/examples';
import { loadTokenizer, trainTokenizer, type LoadedTokenizer } from '../data/tokenizer';
import { configFor, PRESETS, type LlamaConfig } from '../model/config';
import { toVariables, type Variables } from '../model/params';
import { memoryEstimate } from './auto-batch/memory';
import { stepProbe, worstCaseExample, type ProbeContext } from './auto-batch/probe';
import { resolveAutoBatch, type AutoBatchCache } from './auto-batch/resolve';
import type { TryBatch } from './auto-batch/search';
import type { RunEvent } from '../core/events';
import { evaluateGeneration, generationEvalOptions } from './evaluate';
import { reportBaselines } from './baselines';
import type { RunData } from './run-data';
import { resolveTrainOnInputs, withPlacement, type RunSpec } from './spec';
import type { TrainingCheckpoint } from './checkpoint/checkpoint';
import {
  checkResumable,
  epochCheckpointer,
  resumeInputs,
  type EpochCheckpointOptions,
} from './checkpoint/epoch-checkpoints';
import { attachCheckpointBase, startingModel } from './lora-run';
import { precompileFirstStep } from './precompile';
import { evaluateLoss, trainLoop, type ParallelOptions, type TrainerResult } from './trainer';

export interface RunOutput extends TrainerResult {
  config: LlamaConfig;
  params: Variables;
  tokenizer: LoadedTokenizer;
  /** LoRA: the frozen base the adapters were trained on (a PEFT export names it). */
  base?: BaseIdentity;
}

/** How a shell probes and caches the auto batch size (spec.autoBatchSize); by default stepProbe on the current backend, no cache. */
export interface AutoBatchHooks {
  probe?: (ctx: ProbeContext) => TryBatch;
  cache?: AutoBatchCache;
  cacheKey?: string;
}

/** One run: what it trains (spec, data), where its events go, and what a shell adds to it. */
export interface RunOptions {
  spec: RunSpec;
  data: RunData;
  emit: (e: RunEvent) => void;
  /** Asked between steps; with replicas, every rank stops at the step any of them asks at. */
  shouldStop?: () => boolean;
  /** This replica's place in a data-parallel group; absent = one replica. */
  parallel?: ParallelOptions;
  /** How spec.autoBatchSize probes and caches the batch size. */
  autoBatch?: AutoBatchHooks;
  /** Continue from a snapshot: its weights (LoRA: adapters, on o.initial's base) and optimizer step (AdamW moments start afresh). */
  resume?: { step: number; weights: Float32Array };
  /** Emit a 'snapshot' of the weights every N optimizer steps (0 or absent: never). */
  snapshotEvery?: number;
  /**
   * Fine-tune an imported model (its shape and its own tokenizer) instead of a fresh preset. LoRA
   * trains adapters on it (frozen); resuming a LoRA checkpoint needs its base here again (a fresh
   * preset base is rebuilt from the seed).
   */
  initial?: InitialModel;
  /** Fault drill: true makes that step's loss NaN (see TrainerInput.poison). */
  poison?: () => boolean;
  /** Continue a run from one of its checkpoints (epoch or mid-epoch): weights, AdamW moments, step (bit-exact). */
  resumeCheckpoint?: TrainingCheckpoint;
  /** Evaluate the model before its first step as epoch 0 (default true; never on a resume). LEAD is reported either way. */
  evaluateBeforeTraining?: boolean;
  /** Save a checkpoint every epoch, and every spec.checkpointEverySteps / Minutes (rank 0 writes; the last keepLast of runId are kept). */
  checkpoints?: Omit<EpochCheckpointOptions, 'spec' | 'config' | 'params' | 'rank' | 'extra' | 'base'> & {
    extra?: Record<string, string>;
  };
}

/** What a checkpoint's extra carries so a resume can rebuild the run: its tokenizer. */
export const TOKENIZER_EXTRA = 'tokenizer.json';

/**
 * The model a checkpoint continues: its config and weights, and the tokenizer saved with it. A LoRA
 * checkpoint holds adapters only: `base` supplies its base model (refused if its hash differs).
 */
export function checkpointModel(ckpt: TrainingCheckpoint, base?: InitialModel): InitialModel {
  const json = ckpt.meta.extra?.[TOKENIZER_EXTRA];
  if (json === undefined)
    throw new Error(`checkpoint ${ckpt.meta.runId} step ${ckpt.meta.step}: no tokenizer saved with it`);
  const tokenizer = loadTokenizer(JSON.parse(json));
  if (ckpt.meta.config.lora) return { ...attachCheckpointBase(ckpt, base), tokenizer };
  return { config: ckpt.meta.config, weights: resumeInputs(ckpt).weights, tokenizer };
}

export interface InitialModel {
  config: LlamaConfig;
  weights: Map<string, Float32Array>;
  tokenizer: LoadedTokenizer;
  /** Where a pretrained base came from (a Hub repo, or files the user picked) and a hash of its weights: LoRA checkpoints and adapters name their base by it. */
  base?: BaseIdentity;
}

/** A base model's identity, as LoRA checkpoints and PEFT adapters record it. */
export interface BaseIdentity {
  id: string; // Hub repo id ("HuggingFaceTB/SmolLM2-135M") or a local label
  revision: string; // commit sha or branch the files came from ("" for local files)
  hash: string; // model/checksum.ts of the base weights
}

/** A model has some context length (an imported one was trained on it, a fresh one is exported with it): longer examples are refused, not silently extrapolated. */
function checkContext(config: LlamaConfig, examples: { inputIds: number[] }[], spec: RunSpec): void {
  const longest = examples.reduce((a, e) => Math.max(a, e.inputIds.length), 0);
  if (longest > config.maxPositionEmbeddings) {
    throw new Error(
      `the model handles ${config.maxPositionEmbeddings} positions, but an example is ${longest} tokens long: lower max source length (${spec.maxSourceLength}) and/or max target length (${spec.maxTargetLength})`,
    );
  }
}

export async function runTraining(o: RunOptions): Promise<RunOutput> {
  const { emit, parallel, shouldStop = () => false } = o;
  let spec = o.spec;
  // A resume runs the checkpoint's settings (data slice, schedule, batch); only where it runs may change.
  const ckpt = o.resumeCheckpoint;
  if (ckpt) spec = withPlacement(ckpt.meta.spec, spec);
  let train: Pair[] = o.data.train;
  let validation: Pair[];
  if (o.data.validation !== undefined) validation = o.data.validation;
  else {
    // One file: hold out 10% for evaluation, seeded so the split is the same every run.
    ({ train, validation } = splitTrainValidation(train, 0.1, spec.seed));
  }
  validation = validation.slice(0, spec.validationSize);
  // The tokenizer still learns from every training pair; only the examples trained on are capped.
  const tokenizerTexts = train.flatMap((p) => [p.input, p.target]);
  if (spec.maxTrainSamples > 0) train = train.slice(0, spec.maxTrainSamples);

  const initial = ckpt ? checkpointModel(ckpt, o.initial) : o.initial;
  if (!initial)
    emit({
      type: 'status',
      message: `training a ${spec.vocabSize}-token byte-level BPE tokenizer on ${tokenizerTexts.length / 2} training pairs`,
    });
  const tokenizer = initial?.tokenizer ?? trainTokenizer(tokenizerTexts, spec.vocabSize);
  // Resolved once and kept in the spec, so checkpoints record what ran and a resume repeats it.
  spec = { ...spec, trainOnInputs: resolveTrainOnInputs(spec.trainOnInputs, !initial) };
  const opts = { maxSourceLength: spec.maxSourceLength, maxTargetLength: spec.maxTargetLength };
  const trainExamples = buildExamples(tokenizer, train, { ...opts, superviseDocument: spec.trainOnInputs === 'on' });
  // Evaluation loss stays the summary's alone, whatever the training loss covers: comparable across settings and runs.
  const validationExamples = buildExamples(tokenizer, validation, opts);

  // A fresh preset too: trained past its positions, it would export a model that refuses its own data.
  const startConfig = initial?.config ?? configFor(PRESETS[spec.preset], tokenizer.vocabSize);
  checkContext(startConfig, [...trainExamples, ...validationExamples], spec);
  // Full: every tensor trains. LoRA: adapters on the frozen base (lora-run.ts).
  const model = startingModel({
    spec,
    config: startConfig,
    initial,
    resume: o.resume,
  });
  const { config } = model;
  if (ckpt)
    checkResumable(ckpt, { spec, config, trainSize: trainExamples.length, world: parallel?.collective.world ?? 1 });
  const params = toVariables(config, model.weights);
  emit({
    type: 'model',
    paramCount: model.totalParams,
    ...(config.lora ? { trainableParams: model.trainableParams } : {}),
    lossOnDocument: spec.trainOnInputs === 'on',
    vocabSize: tokenizer.vocabSize,
    preset: ckpt ? 'from checkpoint' : initial ? 'imported' : spec.preset,
    trainExamples: trainExamples.length,
    validationExamples: validationExamples.length,
  });
  // ---- auto batch size (train/auto-batch/): the largest per-device batch that fits; accumulation keeps the effective batch ----
  // A resume keeps the checkpoint's batch: the data order depends on it.
  if (spec.autoBatchSize && !ckpt) {
    const ctx: ProbeContext = { config, params, train: trainExamples, padId: tokenizer.padId };
    const world = parallel?.collective.world ?? 1;
    const asked = spec.batchSize * world * spec.gradientAccumulation;
    const worst = worstCaseExample(trainExamples);
    emit({
      type: 'status',
      message: `auto batch size: probing from ${memoryEstimate(config, spec.batchSize, worst.inputIds.length, spec.batchSize * worst.labels.filter((y) => y >= 0).length)}`,
    });
    const found = await resolveAutoBatch({
      spec,
      tryBatch: (o.autoBatch?.probe ?? stepProbe)(ctx),
      collective: parallel?.collective,
      cache: o.autoBatch?.cache,
      cacheKey: o.autoBatch?.cacheKey,
      log: (message) => emit({ type: 'status', message }),
    });
    emit({
      type: 'status',
      message: `auto batch size: ${found.batchSize} per device × ${world} replica(s) × accumulation ${found.gradientAccumulation} = effective batch ${found.effectiveBatch} (asked ${asked})${found.cached ? ', from the cache' : ''}`,
    });
    spec = { ...spec, batchSize: found.batchSize, gradientAccumulation: found.gradientAccumulation }; // the loop runs accumulation as micro-batches
    emit({
      type: 'autoBatch',
      batchSize: found.batchSize,
      gradientAccumulation: found.gradientAccumulation,
      tried: found.tried,
      cached: found.cached,
    });
  }
  // ---- end auto batch size ----
  emit({ type: 'status', message: 'training' });

  const afterEpoch = async ({ epoch, step, evalLoss }: { epoch: number; step: number; evalLoss: number | null }) => {
    // With replicas, every rank must take part in the sharded generation: no local early exit.
    if (validation.length === 0 || (!parallel && shouldStop())) return;
    emit({ type: 'status', message: `epoch ${epoch}: generating ${validation.length} validation summaries` });
    const ev = await evaluateGeneration(
      params,
      config,
      tokenizer,
      validation,
      generationEvalOptions(spec),
      parallel?.collective,
    );
    emit({
      type: 'evaluation',
      epoch,
      step,
      rouge: ev.rouge,
      genLen: ev.genLen,
      evalLoss,
      examples: validation.length,
      samples: ev.samples,
    });
    emit({ type: 'status', message: 'training' });
  };
  // Baselines (train/baselines.ts): LEAD, and epoch 0 with this run's own evaluation; a resume has no "before".
  await reportBaselines({
    validation,
    emit,
    epochZero: (o.evaluateBeforeTraining ?? true) && !ckpt && !o.resume,
    evalLoss: () => evaluateLoss(params, config, validationExamples, spec.batchSize, tokenizer.padId),
    evaluate: afterEpoch,
  });
  // WebGPU on a hardware adapter: every pipeline of the first step compiled up front and in
  // parallel (precompile.ts), not one at a time inside it. Nothing runs and no state changes; a
  // no-op on other backends and on software adapters (where it measured slower).
  const warm = await precompileFirstStep({
    params,
    config,
    spec,
    train: trainExamples,
    padId: tokenizer.padId,
    world: parallel?.collective.world ?? 1,
  });
  if (warm.pipelines > 0) {
    emit({
      type: 'status',
      message: `compiled ${warm.pipelines} WebGPU pipelines for the first step in ${(warm.ms / 1000).toFixed(1)} s${warm.failed.length > 0 ? ` (${warm.failed.length} refused by the device, left to the step)` : ''}`,
    });
    emit({ type: 'status', message: 'training' });
  }
  const result = await trainLoop({
    config,
    params,
    spec,
    train: trainExamples,
    validation: validationExamples,
    padId: tokenizer.padId,
    onEvent: emit,
    shouldStop,
    afterEpoch,
    parallel,
    // A recovery snapshot is newer than the checkpoint the run started from: its weights and step win.
    ...(ckpt && !o.resume ? { resumeFrom: resumeInputs(ckpt).resumeFrom } : { startStep: o.resume?.step ?? 0 }),
    snapshotEvery: o.snapshotEvery ?? 0,
    poison: o.poison,
    // Mid-epoch checkpoints too, as the spec asks (0 steps and 0 minutes: at epoch ends only).
    checkpointEvery: { steps: spec.checkpointEverySteps, minutes: spec.checkpointEveryMinutes },
    onEpochEnd: o.checkpoints
      ? epochCheckpointer({
          ...o.checkpoints,
          spec,
          config,
          params,
          rank: parallel?.collective.rank ?? 0,
          base: model.base,
          extra: { ...o.checkpoints.extra, [TOKENIZER_EXTRA]: JSON.stringify(tokenizer.toJSON()) },
        })
      : undefined,
  });
  return { ...result, config, params, tokenizer, base: model.base };
}
