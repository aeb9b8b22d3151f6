// LoRA adapters as PEFT writes and reads them, following PEFT v0.18.1 (huggingface/peft tag v0.18.1):
//   adapter_config.json        LoraConfig.to_dict() as PeftConfigMixin.save_pretrained writes it —
//                              every dataclass field (runtime_config dropped), json.dumps(indent=2,
//                              sort_keys=True), inference_mode set true by PeftModel.save_pretrained,
//                              peft_version filled in (a field since 0.18.0, so the file names its version);
//   adapter_model.safetensors  get_peft_model_state_dict(): only lora_A / lora_B (bias "none"), the
//                              adapter name ("default") stripped from the keys, under the PeftModel's
//                              prefix — base_model (LoraModel) . model (LlamaForCausalLM) . model.layers…
//                              — saved with metadata {"format": "pt"}.
// So `PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), dir)` loads what the
// studio exports, and the studio imports what PEFT saved — after checking that every option is one
// the studio's LoRA computes the same way and that every tensor fits the chosen base.
import type { LlamaConfig } from '../config';
import {
  LORA_MODULES,
  loraAName,
  loraBName,
  modulePath,
  PEFT_LLAMA_DEFAULT_TARGETS,
  validateLora,
  type LoraConfig,
  type LoraModule,
} from '../lora-config';
import { paramShapes } from '../params';
import { expandModelFiles, type ModelFile } from './model-files';
import { PyFloat, pythonJsonDumps, type PyJson } from './python-json';
import { readSafetensors, writeSafetensors } from './safetensors';
import { clipText, listSome } from '../../core/bounded-text';
import { shown } from './shown';

/** The PEFT release whose file format this follows (written as adapter_config.json's peft_version). */
export const PEFT_VERSION = '0.18.1';
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** PeftModel → LoraModel → LlamaForCausalLM: the state-dict prefix in front of the studio's names. */
export const PEFT_KEY_PREFIX = 'base_model.model.';

/** Which base an adapter belongs to (train/run.ts's BaseIdentity fits; revision "" = none). */
export interface AdapterBase {
  id: string;
  revision?: string | null;
}

/** The base an exported adapter names: a Hub repo and commit when known, else "local-model" (PEFT needs a string). */
export const adapterBaseOf = (b?: { id: string; revision: string }): AdapterBase => ({
  id: b?.id ?? 'local-model',
  revision: b?.revision || null,
});

export interface ImportedAdapter {
  lora: LoraConfig;
  /** Adapter tensors under the studio's names (lora-config.ts loraAName / loraBName), float32. */
  weights: Map<string, Float32Array>;
  /** The base the adapter says it was trained on (base_model_name_or_path, revision). */
  base: { id: string | null; revision: string | null };
  /** What was read, in words. */
  notes: string[];
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;
const encoder = new TextEncoder();

/** Every adapter tensor of a LoRA config on a base: studio name → (r, in) for A, (out, r) for B. */
export function adapterShapes(config: LlamaConfig, lora: LoraConfig): Map<string, number[]> {
  const base = new Map(paramShapes(config));
  const out = new Map<string, number[]>();
  for (let i = 0; i < config.numHiddenLayers; i++)
    for (const m of LORA_MODULES) {
      if (!lora.targetModules.includes(m)) continue;
      const [outDim, inDim] = base.get(`model.layers.${i}.${modulePath(m)}.weight`)!; // Linear: (out, in)
      out.set(loraAName(i, m), [lora.r, inDim]);
      out.set(loraBName(i, m), [outDim, lora.r]);
    }
  return out;
}

/** adapter_config.json's object: PEFT 0.18.1's LoraConfig fields, for a causal-LM LoRA on a Llama. */
export function peftAdapterConfig(lora: LoraConfig, base: AdapterBase): Record<string, PyJson> {
  // PEFT keeps target_modules as a set and writes it in hash order; sorted here, so exports are stable.
  const targets = LORA_MODULES.filter((m) => lora.targetModules.includes(m)).sort();
  return {
    alora_invocation_tokens: null,
    alpha_pattern: {},
    arrow_config: null,
    auto_mapping: null, // set only when task_type is None
    base_model_name_or_path: base.id,
    bias: 'none',
    corda_config: null,
    ensure_weight_tying: false,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true, // B = 0 at the start, A Kaiming-uniform: the reference initialisation
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: lora.alpha,
    lora_bias: false,
    lora_dropout: new PyFloat(lora.dropout),
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    peft_version: PEFT_VERSION,
    qalora_group_size: 16,
    r: lora.r,
    rank_pattern: {},
    revision: base.revision ? base.revision : null,
    target_modules: targets,
    target_parameters: null,
    task_type: 'CAUSAL_LM',
    trainable_token_indices: null,
    use_dora: false,
    use_qalora: false,
    use_rslora: false,
  };
}

/**
 * The PEFT adapter of a LoRA-adapted model: adapter_config.json and adapter_model.safetensors (f32).
 * `weights` may be the whole Params map; only the adapter tensors are taken, each checked for shape.
 */
export function exportPeftAdapter(
  config: LlamaConfig,
  weights: Map<string, Float32Array>,
  base: AdapterBase,
): ModelFile[] {
  const lora = config.lora;
  if (!lora) throw new Error('export PEFT adapter: the model has no LoRA adapters (it was fine-tuned in full)');
  validateLora(lora);
  if (!base.id) throw new Error('export PEFT adapter: the base model has no id (base_model_name_or_path)');
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of adapterShapes(config, lora)) {
    const data = weights.get(name);
    if (!data) throw new Error(`export PEFT adapter: adapter tensor ${name} is missing`);
    const n = shape[0] * shape[1];
    if (data.length !== n)
      throw new Error(`export PEFT adapter: ${name} has ${data.length} values, shape ${shapeText(shape)} needs ${n}`);
    tensors.set(PEFT_KEY_PREFIX + name, { shape, data });
  }
  return [
    { name: ADAPTER_CONFIG_FILE, bytes: encoder.encode(pythonJsonDumps(peftAdapterConfig(lora, base))) },
    { name: ADAPTER_WEIGHTS_FILE, bytes: writeSafetensors(tensors, { format: 'pt' }) },
  ];
}

// ---------------------------------------------------------------------------------------------
// Import

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEmpty = (v: unknown) =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
/** A value from adapter_config.json as a message quotes it: bounded, however big the value. */
const show = (v: unknown) => shown(v, 80);

/** Options whose non-default values change what the adapter computes, in a way the studio's LoRA does not. */
function unsupportedOptions(c: Record<string, unknown>): string[] {
  const bad: string[] = [];
  const flag = (key: string, why: string) => {
    if (c[key] === true) bad.push(`${key}: true (${why})`);
  };
  const empty = (key: string, why: string) => {
    if (!isEmpty(c[key])) bad.push(`${key}: ${show(c[key])} (${why})`);
  };
  flag('use_dora', 'DoRA adds a magnitude vector per layer');
  flag('use_rslora', 'rank-stabilised scaling lora_alpha/√r');
  flag('use_qalora', 'QALoRA pools the input of quantized layers');
  flag('lora_bias', 'a bias on lora_B');
  if (c.bias !== undefined && c.bias !== 'none')
    bad.push(`bias: ${show(c.bias)} (only "none": biases are not trained)`);
  empty('modules_to_save', 'full copies of other modules');
  empty('layers_to_transform', 'adapters on some layers only');
  empty('rank_pattern', 'a different r per layer');
  empty('alpha_pattern', 'a different lora_alpha per layer');
  empty('exclude_modules', 'modules left out by name');
  empty('trainable_token_indices', 'trained embedding rows');
  empty('layer_replication', 'repeated layers');
  empty('alora_invocation_tokens', 'activated LoRA');
  empty('target_parameters', 'adapters on parameters, not modules');
  empty('megatron_config', 'Megatron parallel layers');
  // These initialisations move the base weights into the adapter: the saved adapter only fits the
  // mutated base, unless saved with path_initial_model_for_weight_conversion (which writes true).
  const init = c.init_lora_weights;
  if (typeof init === 'string' && /^(pissa|olora|corda|loftq)/.test(init))
    bad.push(`init_lora_weights: ${show(init)} (the adapter expects a base modified by that initialisation)`);
  return bad;
}

/** target_modules as module names (a regex: the modules it matches, which must be in every layer). */
function targetModulesOf(value: unknown, layers: number): LoraModule[] {
  const list = `${LORA_MODULES.join(', ')}`;
  if (value === 'all-linear') return [...LORA_MODULES];
  // None: PEFT picks the model type's default (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING).
  if (value === null || value === undefined) return [...PEFT_LLAMA_DEFAULT_TARGETS];
  if (typeof value === 'string') {
    // PEFT matches a string with re.fullmatch against each module's full name.
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${value})$`);
    } catch {
      throw new Error(
        `adapter_config.json: target_modules ${show(value)} is not a regular expression the studio reads`,
      );
    }
    const hit = (m: LoraModule, i: number) => re.test(`model.layers.${i}.${modulePath(m)}`);
    const targets = LORA_MODULES.filter((m) => Array.from({ length: layers }, (_, i) => hit(m, i)).some(Boolean));
    for (const m of targets)
      for (let i = 0; i < layers; i++)
        if (!hit(m, i))
          throw new Error(
            `adapter_config.json: target_modules ${show(value)} adapts ${m} in some layers only (not model.layers.${i}); the studio adapts a module in every layer`,
          );
    if (targets.length === 0)
      throw new Error(`adapter_config.json: target_modules ${show(value)} matches no Llama linear layer (${list})`);
    return targets;
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((t) => typeof t === 'string'))
    throw new Error(`adapter_config.json: target_modules must list module names, got ${show(value)}`);
  const out = new Set<LoraModule>();
  for (const t of value as string[]) {
    const m = LORA_MODULES.find((x) => t === x || t === modulePath(x));
    if (!m) throw new Error(`adapter_config.json: target module ${show(t)} is not a Llama linear layer (${list})`);
    out.add(m);
  }
  return LORA_MODULES.filter((m) => out.has(m));
}

function parseConfig(f: ModelFile): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(f.bytes));
  } catch (e) {
    throw new Error(`${f.name}: not valid JSON (${clipText((e as Error).message, 120)})`);
  }
  if (!isObject(json)) throw new Error(`${f.name}: not a JSON object`);
  return json;
}

const KEY = /^model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)\.lora_([AB])\.weight$/;

/**
 * A PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors, loose or in a .zip) for the
 * given base: its LoraConfig and tensors under the studio's names. Throws, naming the field, file or
 * tensor, when it is not a LoRA adapter the studio can apply to this base.
 */
export function importPeftAdapter(input: ModelFile[], baseConfig: LlamaConfig, baseId?: AdapterBase): ImportedAdapter {
  const files = expandModelFiles(input);
  const byName = new Map(files.map((f) => [f.name, f]));
  const cfgFile = byName.get(ADAPTER_CONFIG_FILE);
  if (!cfgFile)
    throw new Error(
      `${ADAPTER_CONFIG_FILE} is missing: a PEFT adapter is ${ADAPTER_CONFIG_FILE} + ${ADAPTER_WEIGHTS_FILE} (got ${files.length ? listSome(files.map((f) => f.name)) : 'no files'})`,
    );
  const c = parseConfig(cfgFile);
  const where = ADAPTER_CONFIG_FILE;
  if (c.peft_type === undefined) throw new Error(`${where}: no peft_type, so not a PEFT adapter config`);
  if (c.peft_type !== 'LORA')
    throw new Error(`${where}: peft_type ${show(c.peft_type)} is not LoRA; the studio reads LoRA adapters only`);
  // null: made without a task type; the keys are the same for a LlamaForCausalLM base.
  if (c.task_type !== undefined && c.task_type !== null && c.task_type !== 'CAUSAL_LM')
    throw new Error(
      `${where}: task_type ${show(c.task_type)} is not CAUSAL_LM; the studio adapts causal language models`,
    );
  const bad = unsupportedOptions(c);
  if (bad.length)
    throw new Error(
      `${where}: options the studio's LoRA does not support: ${clipText(bad.slice(0, 3).join('; '), 360)}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''}`,
    );

  const weightsFile = byName.get(ADAPTER_WEIGHTS_FILE);
  if (!weightsFile) {
    const pickle = files.find((f) => /\.(bin|pt|pth)$/.test(f.name));
    throw new Error(
      pickle
        ? `${clipText(pickle.name, 60)}: PyTorch pickle weights are not read (they can run code); save the adapter with safe_serialization=True to get ${ADAPTER_WEIGHTS_FILE}`
        : `${ADAPTER_WEIGHTS_FILE} is missing`,
    );
  }
  let st;
  try {
    st = readSafetensors(weightsFile.bytes);
  } catch (e) {
    throw new Error(`${ADAPTER_WEIGHTS_FILE}: ${(e as Error).message}`);
  }

  const adapterBase = {
    id: typeof c.base_model_name_or_path === 'string' ? c.base_model_name_or_path : null,
    revision: typeof c.revision === 'string' ? c.revision : null,
  };
  const baseText = `the adapter was made for ${adapterBase.id ? show(adapterBase.id) : 'an unnamed base'} (base_model_name_or_path), the chosen base is ${baseId ? show(baseId.id) : 'another model'}`;
  const otherBase = (what: string) => new Error(`an adapter for another base: ${baseText}; ${what}`);

  // Keys: base_model.model.<studio name>, nothing else.
  const layersSeen = new Set<number>();
  const extra: string[] = [];
  for (const key of st.tensors.keys()) {
    const name = key.startsWith(PEFT_KEY_PREFIX) ? key.slice(PEFT_KEY_PREFIX.length) : null;
    const m = name ? KEY.exec(name) : null;
    const mod = m && LORA_MODULES.find((x) => modulePath(x) === `${m[2]}.${m[3]}`);
    if (!m || !mod) extra.push(key);
    else layersSeen.add(Number(m[1]));
  }
  if (extra.length) {
    const embeddings = extra.filter((k) => /embed_tokens|lm_head/.test(k));
    throw new Error(
      embeddings.length
        ? `${ADAPTER_WEIGHTS_FILE} holds full embedding weights (${listSome(embeddings, 2, 80)}), saved by PEFT when the vocabulary was resized; the studio applies LoRA matrices only`
        : `${ADAPTER_WEIGHTS_FILE} holds tensors that are not LoRA matrices of a Llama linear layer: ${listSome(extra, 4, 80)} (expected keys like ${PEFT_KEY_PREFIX}${loraAName(0, 'q_proj')})`,
    );
  }
  let maxLayer = -1; // a loop, not Math.max(...set): a spread of a million layers overflows the stack
  for (const l of layersSeen) if (l > maxLayer) maxLayer = l;
  if (maxLayer >= baseConfig.numHiddenLayers)
    throw otherBase(
      `the adapter has tensors for layer ${maxLayer}, the base has ${baseConfig.numHiddenLayers} layers (0–${baseConfig.numHiddenLayers - 1})`,
    );

  const targets = targetModulesOf(c.target_modules, baseConfig.numHiddenLayers);
  const lora: LoraConfig = {
    r: c.r as number,
    alpha: c.lora_alpha as number,
    dropout: c.lora_dropout === undefined || c.lora_dropout === null ? 0 : (c.lora_dropout as number),
    targetModules: targets,
  };
  if (typeof lora.r !== 'number' || typeof lora.alpha !== 'number' || typeof lora.dropout !== 'number')
    throw new Error(
      `${where}: r, lora_alpha and lora_dropout must be numbers (got ${show([c.r, c.lora_alpha, c.lora_dropout])})`,
    );
  try {
    validateLora(lora);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }

  const want = adapterShapes(baseConfig, lora);
  const missing = [...want.keys()].filter((n) => !st.tensors.has(PEFT_KEY_PREFIX + n));
  if (missing.length) {
    const layersShort = layersSeen.size > 0 && maxLayer < baseConfig.numHiddenLayers - 1;
    if (layersShort)
      throw otherBase(
        `the adapter covers ${maxLayer + 1} layers, the base has ${baseConfig.numHiddenLayers} (${PEFT_KEY_PREFIX}${missing[missing.length - 1]} is missing)`,
      );
    throw new Error(
      `${ADAPTER_WEIGHTS_FILE} lacks ${missing.length} tensor(s) that target_modules ${show(c.target_modules)} implies: ${listSome(
        missing.map((n) => PEFT_KEY_PREFIX + n),
        3,
        80,
      )}`,
    );
  }
  const unexpected = [...st.tensors.keys()].filter((k) => !want.has(k.slice(PEFT_KEY_PREFIX.length)));
  if (unexpected.length)
    throw new Error(
      `${ADAPTER_WEIGHTS_FILE} holds tensors for modules outside target_modules ${show(c.target_modules)}: ${listSome(unexpected, 3, 80)}`,
    );

  const weights = new Map<string, Float32Array>();
  const dtypes = new Set<string>();
  for (const [name, shape] of want) {
    const t = st.tensors.get(PEFT_KEY_PREFIX + name)!;
    const key = PEFT_KEY_PREFIX + name;
    const same = t.shape.length === 2 && t.shape[0] === shape[0] && t.shape[1] === shape[1];
    if (!same) {
      // The rank side disagreeing with r is a broken adapter; the base side, a different base.
      const isA = name.includes('.lora_A.');
      const rankSide = isA ? t.shape[0] : t.shape[1];
      if (t.shape.length === 2 && rankSide !== lora.r)
        throw new Error(
          `${ADAPTER_WEIGHTS_FILE}: ${clipText(key, 80)} has shape ${shapeText(t.shape)}, but r is ${lora.r} in ${ADAPTER_CONFIG_FILE} (expected ${shapeText(shape)})`,
        );
      throw otherBase(
        `${clipText(key, 80)} has shape ${shapeText(t.shape)}, the chosen base needs ${shapeText(shape)}`,
      );
    }
    for (let i = 0; i < t.data.length; i++)
      if (!Number.isFinite(t.data[i]))
        throw new Error(
          `${ADAPTER_WEIGHTS_FILE}: ${clipText(key, 80)} holds a non-finite value (${t.data[i]}) at index ${i}`,
        );
    weights.set(name, t.data);
    dtypes.add(t.dtype);
  }

  const notes = [
    `PEFT LoRA adapter: r ${lora.r}, lora_alpha ${lora.alpha}, lora_dropout ${lora.dropout}, target_modules ${lora.targetModules.join(', ')} (${weights.size} tensors, ${[...dtypes].join('/')}${typeof c.peft_version === 'string' ? `, PEFT ${c.peft_version}` : ''})`,
  ];
  if (baseId && adapterBase.id && adapterBase.id !== baseId.id)
    notes.push(
      `made for ${clipText(adapterBase.id, 80)}, applied to ${clipText(baseId.id, 80)}: the shapes fit, but the outputs are only meaningful on the base it was trained on`,
    );
  else if (baseId?.revision && adapterBase.revision && adapterBase.revision !== baseId.revision)
    notes.push(
      `made for revision ${clipText(adapterBase.revision, 60)} of ${clipText(adapterBase.id ?? 'its base', 80)}, applied to revision ${clipText(baseId.revision, 60)}`,
    );
  return { lora, weights, base: adapterBase, notes };
}
