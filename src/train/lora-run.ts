// Where a run's weights start, Full or LoRA (run.ts calls these two and nothing else of LoRA):
// - Full: the imported model, a snapshot, or a fresh preset from the seed — every tensor trains.
// - LoRA (spec.finetune 'lora'): the base (imported, or a fresh preset from the seed) is frozen and
//   fresh adapters go on top (model/lora.ts: A kaiming-uniform from the seed, B = 0, so every replica
//   starts identical and step 0 is the base); a snapshot brings its adapters back onto that base.
// And a LoRA checkpoint's resume: it holds only the adapters and the base's identity, so the caller
// supplies the base again, and one whose hash differs is refused, naming both.
import type { LlamaConfig } from '../model/config';
import { countParams } from '../model/config';
import { weightsHash } from '../model/checksum';
import { adapterParamCount, initLora, splitAdapters, withoutLora } from '../model/lora';
import { targetsOf, validateLora, type LoraConfig } from '../model/lora-config';
import { initWeights } from '../model/params';
import type { TrainingCheckpoint } from './checkpoint/checkpoint';
import { resumeInputs } from './checkpoint/epoch-checkpoints';
import { flatLayout, unpackViews } from './flat';
import type { BaseIdentity, InitialModel } from './run';
import type { RunSpec } from './spec';

/** The id a fresh preset base is recorded under: such a base is rebuilt from the seed on resume. */
export const PRESET_BASE_PREFIX = 'preset:';

/** PEFT's LoraConfig from a run's settings (validated). */
export function loraConfigOf(spec: RunSpec): LoraConfig {
  const l: LoraConfig = {
    r: spec.loraR,
    alpha: spec.loraAlpha,
    dropout: spec.loraDropout,
    targetModules: targetsOf(spec.loraTargets),
  };
  validateLora(l);
  return l;
}

export interface StartingModel {
  config: LlamaConfig; // with `lora` for a LoRA run
  weights: Map<string, Float32Array>; // every tensor toVariables(config, …) needs: base (+ adapters)
  base?: BaseIdentity; // LoRA: the frozen base's identity (checkpoints record it)
  trainableParams: number; // what the optimizer updates: adapters (LoRA) or every parameter
  totalParams: number; // base + adapters
}

const describe = (b: BaseIdentity) =>
  `"${b.id}"${b.revision ? ` (revision ${b.revision})` : ''} with weights hash ${b.hash}`;

const sameTargets = (a: LoraConfig, b: LoraConfig) =>
  a.targetModules.length === b.targetModules.length && a.targetModules.every((m) => b.targetModules.includes(m));

/**
 * The config and weights a run starts from. `config` is the imported model's (a checkpoint's
 * carries its `lora`) or the fresh preset's; `resume` is a weights snapshot in flatLayout order
 * (adapters only for LoRA).
 */
export function startingModel(o: {
  spec: RunSpec;
  config: LlamaConfig;
  initial?: InitialModel;
  resume?: { weights: Float32Array };
}): StartingModel {
  const { spec, initial, resume } = o;
  const lora = spec.finetune === 'lora' || o.config.lora !== undefined;
  const config: LlamaConfig = lora ? { ...o.config, lora: loraOf(spec, o.config.lora) } : o.config;
  const layout = flatLayout(config);
  if (resume && resume.weights.length !== layout.total)
    throw new Error(`resume: the snapshot holds ${resume.weights.length} values, the model needs ${layout.total}`);
  const totalParams = countParams(config) + adapterParamCount(config);
  if (!lora) {
    const weights = resume ? unpackViews(layout, resume.weights) : (initial?.weights ?? initWeights(config, spec.seed));
    return { config, weights, trainableParams: totalParams, totalParams };
  }
  const given = initial ? splitAdapters(initial.weights) : undefined;
  const base = given?.base ?? initWeights(withoutLora(config), spec.seed);
  const adapters = resume
    ? unpackViews(layout, resume.weights)
    : given && given.adapters.size > 0
      ? given.adapters // a checkpoint's (or an imported adapter's): training continues them
      : initLora(config, spec.seed);
  const identity = initial?.base ?? {
    id: initial ? 'imported' : `${PRESET_BASE_PREFIX}${spec.preset}`,
    revision: '',
    hash: weightsHash(base),
  };
  return {
    config,
    weights: new Map([...base, ...adapters]),
    base: identity,
    trainableParams: adapterParamCount(config),
    totalParams,
  };
}

/** The run's LoRA settings; a model that already carries an adapter keeps its shape (r, alpha, targets). */
function loraOf(spec: RunSpec, has: LoraConfig | undefined): LoraConfig {
  const want = loraConfigOf(spec);
  if (!has) return want;
  if (has.r !== want.r || has.alpha !== want.alpha || !sameTargets(has, want))
    throw new Error(
      `LoRA: the model already carries an adapter with r ${has.r}, lora_alpha ${has.alpha}, target_modules ${has.targetModules.join(',')}, but the settings ask r ${want.r}, lora_alpha ${want.alpha}, target_modules ${want.targetModules.join(',')}: match the settings to the adapter to continue training it`,
    );
  return { ...has, dropout: want.dropout };
}

/**
 * A LoRA checkpoint's adapters on its base, as an InitialModel's config and weights. The base is
 * `supplied` (the caller's pretrained model), or, for a fresh preset base, rebuilt from the seed;
 * refused, naming both, when its hash is not the checkpoint's.
 */
export function attachCheckpointBase(
  ckpt: TrainingCheckpoint,
  supplied: InitialModel | undefined,
): { config: LlamaConfig; weights: Map<string, Float32Array>; base: BaseIdentity } {
  const want = ckpt.meta.base;
  if (!want) throw new Error(`checkpoint ${ckpt.meta.runId}: a LoRA checkpoint must name its base model`);
  const config = ckpt.meta.config;
  let weights: Map<string, Float32Array>;
  let got: BaseIdentity;
  if (supplied) {
    weights = splitAdapters(supplied.weights).base;
    got = supplied.base ?? { id: 'the model supplied', revision: '', hash: weightsHash(weights) };
  } else if (want.id.startsWith(PRESET_BASE_PREFIX)) {
    weights = initWeights(withoutLora(config), ckpt.meta.spec.seed);
    got = { id: want.id, revision: '', hash: weightsHash(weights) };
  } else {
    throw new Error(
      `resume: this LoRA checkpoint holds adapters for the base model ${describe(want)}: load that model first`,
    );
  }
  if (got.hash !== want.hash)
    throw new Error(
      `resume: this LoRA checkpoint was trained on the base model ${describe(want)}, but the base supplied is ${describe(got)}: adapters only fit the weights they were trained on`,
    );
  return { config, weights: new Map([...weights, ...resumeInputs(ckpt).weights]), base: want };
}
