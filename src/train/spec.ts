// A training run's settings (what the UI edits and the worker receives), their defaults and checks.
import type { BackendName } from '../core/run-types';
import { PRESETS, type PresetName } from '../model/config';
import type { LoraTargetChoice } from '../model/lora-config';

export type BackendChoice = 'auto' | BackendName;
export type ScheduleName = 'linear' | 'cosine' | 'constant';
/** Full fine-tuning trains every weight; LoRA trains adapters on a frozen base (PEFT). */
export type FinetuneMethod = 'full' | 'lora';
/** Loss on the document tokens too (axolotl's train_on_inputs): auto = on for a fresh preset, off for a pretrained base. */
export type TrainOnInputs = 'auto' | 'on' | 'off';

export interface RunSpec {
  preset: PresetName;
  learningRate: number;
  batchSize: number;
  epochs: number;
  maxSteps: number; // 0 = run all epochs; > 0 stops after this many optimizer steps (HF max_steps)
  maxSourceLength: number;
  maxTargetLength: number;
  warmupRatio: number; // fraction of total steps spent warming up linearly from 0
  schedule: ScheduleName;
  weightDecay: number; // decoupled (AdamW); never applied to norm weights
  maxGradNorm: number; // 0 disables clipping
  seed: number;
  backend: BackendChoice;
  vocabSize: number; // the trained tokenizer's size (pad included)
  maxTrainSamples: number; // 0 = every training pair; else the first N (run_summarization's --max_train_samples)
  validationSize: number; // how many validation pairs to evaluate on each epoch (0: no evaluation)
  numBeams: number; // generation at evaluation: 1 = greedy (the seed's default), > 1 = beam search
  replicas: number; // data-parallel workers: 0 = one per distinct GPU adapter, else exactly this many
  gradientAccumulation: number; // micro-batches per optimizer step (effective batch = batch × replicas × this)
  zeroStage: 0 | 1; // 1 = ZeRO stage 1: each replica keeps AdamW moments for its shard only
  fp16Exchange: boolean; // exchange gradients as fp16 with dynamic loss scaling (fp32 master weights)
  workerTimeoutSec: number; // a replica silent this long counts as dead: the run resumes without it
  autoBatchSize: boolean; // find the largest per-device batch that fits, halving from batchSize (train/auto-batch/)
  // ---- fine-tuning method (model/lora-config.ts) ----
  finetune: FinetuneMethod;
  loraR: number; // PEFT r
  loraAlpha: number; // PEFT lora_alpha (scaling = alpha / r)
  loraDropout: number; // PEFT lora_dropout
  loraTargets: LoraTargetChoice;
  trainOnInputs: TrainOnInputs;
  // ---- generation (evaluation, Try it and the sweep alike; HF generate's names) ----
  noRepeatNgramSize: number; // 0 = off; over the generated tokens only (logits-processors.ts says why)
  repetitionPenalty: number; // 1 = off (CTRL's penalty, as HF's RepetitionPenaltyLogitsProcessor)
  minNewTokens: number; // EOS is suppressed before this many new tokens (capped by the max target length)
  lengthPenalty: number; // beam search: score / length ** lengthPenalty
  // ---- checkpoints (besides one at every epoch's end; HF save_steps) ----
  checkpointEverySteps: number; // 0 = off; else a mid-epoch checkpoint every N optimizer steps
  checkpointEveryMinutes: number; // 0 = off; else one once N minutes have passed since the last
}

/**
 * Fields added after the first saved settings and checkpoints: a record written before them is
 * read with these values (what such a run did), not refused.
 */
export const LATER_FIELDS: Pick<
  RunSpec,
  | 'finetune'
  | 'loraR'
  | 'loraAlpha'
  | 'loraDropout'
  | 'loraTargets'
  | 'trainOnInputs'
  | 'noRepeatNgramSize'
  | 'repetitionPenalty'
  | 'minNewTokens'
  | 'lengthPenalty'
  | 'checkpointEverySteps'
  | 'checkpointEveryMinutes'
> = {
  finetune: 'full',
  // r 8 and PEFT's Llama targets; alpha 16 and dropout 0.05 as the usual Llama LoRA recipes (PEFT's bare defaults are alpha 8, dropout 0).
  loraR: 8,
  loraAlpha: 16,
  loraDropout: 0.05,
  loraTargets: 'q_proj,v_proj',
  trainOnInputs: 'auto',
  // facebook/bart-large-xsum's generation_config: no_repeat_ngram_size 3, min_length 11 (10 new tokens after the decoder start).
  noRepeatNgramSize: 3,
  repetitionPenalty: 1,
  minNewTokens: 10,
  lengthPenalty: 1,
  // Older runs checkpointed at epoch ends only.
  checkpointEverySteps: 0,
  checkpointEveryMinutes: 0,
};

export function defaultSpec(preset: PresetName = 'small'): RunSpec {
  const p = PRESETS[preset];
  return {
    preset,
    // Fresh presets, chosen by measurement (one Train click on wasm, XSum sample, train on inputs):
    // 5e-4 × 1 epoch ended at "A a a a …"; 2e-3 × 2 epochs writes words and phrases (ROUGE-1 11.9).
    // 5e-3 learnt slower than 2e-3 over the first 40 steps. A pretrained base wants far less (the seed's 1e-6..1e-4).
    learningRate: 2e-3,
    batchSize: 8,
    epochs: 2,
    maxSteps: 0,
    maxSourceLength: p.maxSourceLength,
    maxTargetLength: p.maxTargetLength,
    warmupRatio: 0.05,
    schedule: 'linear',
    weightDecay: 0.01,
    maxGradNorm: 1.0,
    seed: 42,
    backend: 'auto',
    vocabSize: p.vocabSize,
    maxTrainSamples: 0,
    validationSize: 32,
    numBeams: 1,
    replicas: 0,
    gradientAccumulation: 1,
    zeroStage: 0,
    fp16Exchange: false,
    workerTimeoutSec: 120,
    autoBatchSize: false,
    ...LATER_FIELDS,
    // A new run also checkpoints every 10 minutes, so a reload or crash mid-epoch loses at most that.
    checkpointEveryMinutes: 10,
  };
}

/**
 * 'auto' made concrete: on for a fresh preset (initialised by the run: it must learn the language,
 * and the summaries alone are ~20 tokens an example), off for any model the run starts from — a
 * pretrained base, an imported or continued model, a checkpoint (one saved before this setting
 * existed reads 'auto' and ran summary-only, so off repeats it; newer ones hold 'on' or 'off').
 */
export function resolveTrainOnInputs(v: TrainOnInputs, freshModel: boolean): 'on' | 'off' {
  if (v !== 'auto') return v;
  return freshModel ? 'on' : 'off';
}

/**
 * The settings that say where a run runs, not what it computes: the backend, how many replicas
 * (the global batch is kept when they change), and how long a silent replica is waited for. A
 * resumed or recovered run keeps everything else from the run it continues and takes these anew.
 */
export const PLACEMENT_KEYS = ['backend', 'replicas', 'workerTimeoutSec'] as const satisfies readonly (keyof RunSpec)[];
export type PlacementKey = (typeof PLACEMENT_KEYS)[number];

/** spec with its placement settings taken from `from` (the run it continues keeps the rest). */
export function withPlacement(spec: RunSpec, from: Pick<RunSpec, PlacementKey>): RunSpec {
  const placement: Partial<RunSpec> = Object.fromEntries(PLACEMENT_KEYS.map((k) => [k, from[k]]));
  return { ...spec, ...placement };
}

/**
 * The most optimizer steps a run (or a step-checkpoint interval) may ask for. A browser tab trains
 * the tiny preset at a few tens of steps a second at best and the others far slower, so a million
 * steps is already most of a day; 1e15 would never end and only hides a typo.
 */
export const MAX_STEPS_BOUND = 1_000_000;

/**
 * A field's value as a message quotes it. Numbers go through String, not JSON.stringify: JSON has
 * no Infinity or NaN, so JSON.stringify(1e999) is "null" and the message would name the wrong value.
 * NaN comes only from the page's number boxes (JSON cannot hold it): an emptied box, or text the
 * browser cannot read as a finite number — Chrome empties an <input type="number"> given "1e999"
 * — so it is said in those words rather than as "NaN".
 */
function shownValue(v: unknown): string {
  if (Number.isNaN(v)) return 'no finite number (an empty box, or text such as 1e999 that no number holds)';
  if (typeof v === 'number' || v === undefined) return String(v);
  return JSON.stringify(v);
}

/** Returns the spec if every field is sound, else throws naming the first bad field. */
export function validateSpec(s: unknown): RunSpec {
  if (typeof s !== 'object' || s === null) throw new Error('run spec must be an object');
  const r: Record<string, unknown> = { ...s };
  for (const [k, v] of Object.entries(LATER_FIELDS)) if (r[k] === undefined) r[k] = v;
  const num = (k: string, ok: (v: number) => boolean, want: string) => {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
      throw new Error(`run spec: ${k} must be ${want}, got ${shownValue(v)}`);
  };
  // Safe integers only: 1e300 is an integer to Number.isInteger, but not a count anything can reach.
  const int = (v: number) => Number.isSafeInteger(v);
  if (typeof r.preset !== 'string' || !(r.preset in PRESETS))
    throw new Error(
      `run spec: preset must be one of ${Object.keys(PRESETS).join(', ')}, got ${JSON.stringify(r.preset)}`,
    );
  num('learningRate', (v) => v > 0 && v < 1, 'a number in (0, 1)');
  num('batchSize', (v) => int(v) && v >= 1 && v <= 1024, 'an integer in [1, 1024]');
  num('epochs', (v) => int(v) && v >= 1 && v <= 1000, 'an integer in [1, 1000]');
  num(
    'maxSteps',
    (v) => int(v) && v >= 0 && v <= MAX_STEPS_BOUND,
    `an integer in [0, ${MAX_STEPS_BOUND}] (0 = all epochs; a browser tab runs a few steps a second, so a million is most of a day)`,
  );
  num('maxSourceLength', (v) => int(v) && v >= 8 && v <= 8192, 'an integer in [8, 8192]');
  num('maxTargetLength', (v) => int(v) && v >= 2 && v <= 2048, 'an integer in [2, 2048]');
  num('warmupRatio', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  if (r.schedule !== 'linear' && r.schedule !== 'cosine' && r.schedule !== 'constant')
    throw new Error(`run spec: schedule must be linear, cosine or constant, got ${JSON.stringify(r.schedule)}`);
  num('weightDecay', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('maxGradNorm', (v) => v >= 0, 'a non-negative number');
  num('seed', (v) => int(v) && v >= 0 && v < 2 ** 32, 'an integer in [0, 2^32)');
  if (r.backend !== 'auto' && r.backend !== 'webgpu' && r.backend !== 'wasm' && r.backend !== 'cpu')
    throw new Error(`run spec: backend must be auto, webgpu, wasm or cpu, got ${JSON.stringify(r.backend)}`);
  num(
    'vocabSize',
    (v) => int(v) && v >= 260 && v <= 65536,
    'an integer in [260, 65536] (256 bytes + special tokens at least)',
  );
  num('maxTrainSamples', (v) => int(v) && v >= 0, 'a non-negative integer (0 = all)');
  num('validationSize', (v) => int(v) && v >= 0, 'a non-negative integer');
  num('numBeams', (v) => int(v) && v >= 1 && v <= 16, 'an integer in [1, 16]');
  num('replicas', (v) => int(v) && v >= 0 && v <= 16, 'an integer in [0, 16] (0 = one per GPU adapter)');
  num('gradientAccumulation', (v) => int(v) && v >= 1 && v <= 1024, 'an integer in [1, 1024]');
  if (r.zeroStage !== 0 && r.zeroStage !== 1)
    throw new Error(`run spec: zeroStage must be 0 or 1, got ${JSON.stringify(r.zeroStage)}`);
  num('workerTimeoutSec', (v) => v >= 5 && v <= 3600, 'a number of seconds in [5, 3600]');
  if (typeof r.fp16Exchange !== 'boolean')
    throw new Error(`run spec: fp16Exchange must be true or false, got ${JSON.stringify(r.fp16Exchange)}`);
  if (typeof r.autoBatchSize !== 'boolean')
    throw new Error(`run spec: autoBatchSize must be true or false, got ${JSON.stringify(r.autoBatchSize)}`);
  if (r.finetune !== 'full' && r.finetune !== 'lora')
    throw new Error(`run spec: finetune must be full or lora, got ${JSON.stringify(r.finetune)}`);
  num('loraR', (v) => int(v) && v >= 1 && v <= 1024, 'an integer in [1, 1024]');
  num('loraAlpha', (v) => v > 0 && v <= 4096, 'a number in (0, 4096]');
  num('loraDropout', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  if (r.loraTargets !== 'q_proj,v_proj' && r.loraTargets !== 'all-linear')
    throw new Error(`run spec: loraTargets must be q_proj,v_proj or all-linear, got ${JSON.stringify(r.loraTargets)}`);
  if (r.trainOnInputs !== 'auto' && r.trainOnInputs !== 'on' && r.trainOnInputs !== 'off')
    throw new Error(`run spec: trainOnInputs must be auto, on or off, got ${JSON.stringify(r.trainOnInputs)}`);
  num('noRepeatNgramSize', (v) => int(v) && v >= 0 && v <= 16, 'an integer in [0, 16] (0 = off)');
  num('repetitionPenalty', (v) => v >= 1 && v <= 10, 'a number in [1, 10] (1 = off)');
  num('minNewTokens', (v) => int(v) && v >= 0 && v <= 2048, 'an integer in [0, 2048]');
  num('lengthPenalty', (v) => v >= -10 && v <= 10, 'a number in [-10, 10]');
  num(
    'checkpointEverySteps',
    (v) => int(v) && v >= 0 && v <= MAX_STEPS_BOUND,
    `an integer in [0, ${MAX_STEPS_BOUND}] (0 = at epoch ends only; a run has at most ${MAX_STEPS_BOUND} steps)`,
  );
  num('checkpointEveryMinutes', (v) => v >= 0 && v <= 10_080, 'a number of minutes in [0, 10080] (0 = off)');
  // minNewTokens above max target length is allowed, as HF allows min_new_tokens > max_new_tokens:
  // EOS is then never possible and every output runs to the limit. Refusing it would also refuse
  // every older record (LATER_FIELDS fills 10) with a max target length below 10.
  return r as unknown as RunSpec;
}
