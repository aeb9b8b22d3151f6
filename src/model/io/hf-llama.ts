// Hugging Face LlamaForCausalLM checkpoints (config.json + model.safetensors, or shards with
// model.safetensors.index.json) in and out. params.ts already uses HF's names and (out, in) layouts,
// so import is a checked copy; the checks are what matter, since a silently mis-shaped tensor would
// train garbage rather than fail.
import { validateConfig, type LlamaConfig } from '../config';
import { EMBED, LM_HEAD, paramShapes } from '../params';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from './safetensors';
import { clipText, listSome } from '../../core/bounded-text';
import { shown } from './shown';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(j: Record<string, unknown>, key: string, fallback?: number): number {
  const v = j[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`HF config: "${key}" must be a number, got ${shown(j[key])}`);
  return v;
}

/** LlamaConfig from an HF config.json; throws on architectures or features the engine does not implement. */
export function configFromHF(json: unknown): LlamaConfig {
  if (!isObject(json)) throw new Error('HF config: config.json is not a JSON object');
  const arch = json.architectures;
  if (arch !== undefined) {
    if (!Array.isArray(arch) || !arch.includes('LlamaForCausalLM'))
      throw new Error(`HF config: architecture ${shown(arch)} is not supported, expected LlamaForCausalLM`);
  }
  if (json.model_type !== 'llama')
    throw new Error(`HF config: model_type ${shown(json.model_type)} is not supported, expected "llama"`);
  // Features that change the computation: refusing beats importing a model that silently diverges.
  if (json.rope_scaling !== undefined && json.rope_scaling !== null)
    throw new Error(`HF config: rope_scaling ${shown(json.rope_scaling)} is not supported (only plain RoPE)`);
  if (json.hidden_act !== undefined && json.hidden_act !== 'silu')
    throw new Error(`HF config: hidden_act ${shown(json.hidden_act)} is not supported, expected "silu"`);
  if (json.attention_bias === true) throw new Error('HF config: attention_bias true is not supported');
  if (json.mlp_bias === true) throw new Error('HF config: mlp_bias true is not supported');
  const hiddenSize = num(json, 'hidden_size');
  const numAttentionHeads = num(json, 'num_attention_heads');
  if (json.head_dim !== undefined && json.head_dim !== null && json.head_dim !== hiddenSize / numAttentionHeads)
    throw new Error(
      `HF config: head_dim ${shown(json.head_dim)} differs from hidden_size / num_attention_heads; not supported`,
    );
  const tie = json.tie_word_embeddings ?? false; // LlamaConfig's default
  if (typeof tie !== 'boolean')
    throw new Error(`HF config: "tie_word_embeddings" must be a boolean, got ${shown(tie)}`);
  const c: LlamaConfig = {
    vocabSize: num(json, 'vocab_size'),
    hiddenSize,
    intermediateSize: num(json, 'intermediate_size'),
    numHiddenLayers: num(json, 'num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads: num(json, 'num_key_value_heads', numAttentionHeads),
    // Defaults are transformers' LlamaConfig defaults, used when a config.json omits the key.
    maxPositionEmbeddings: num(json, 'max_position_embeddings', 2048),
    rmsNormEps: num(json, 'rms_norm_eps', 1e-6),
    ropeTheta: num(json, 'rope_theta', 10000),
    tieWordEmbeddings: tie,
  };
  validateConfig(c);
  return c;
}

export interface SpecialTokens {
  bosTokenId?: number;
  eosTokenId?: number;
  padTokenId?: number;
}

/** The config.json LlamaForCausalLM.from_pretrained reads (every field explicit, no reliance on defaults). */
export function configToHF(c: LlamaConfig, extras: SpecialTokens = {}): Record<string, unknown> {
  validateConfig(c);
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    head_dim: c.hiddenSize / c.numAttentionHeads,
    hidden_act: 'silu',
    max_position_embeddings: c.maxPositionEmbeddings,
    initializer_range: 0.02,
    rms_norm_eps: c.rmsNormEps,
    use_cache: true,
    pretraining_tp: 1,
    tie_word_embeddings: c.tieWordEmbeddings,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    torch_dtype: 'float32',
    bos_token_id: extras.bosTokenId ?? null,
    eos_token_id: extras.eosTokenId ?? null,
    pad_token_id: extras.padTokenId ?? null,
  };
}

export interface GenerationConfig extends SpecialTokens {
  maxNewTokens?: number;
}

export function generationConfigFromHF(json: unknown): GenerationConfig {
  if (!isObject(json)) throw new Error('HF generation config: not a JSON object');
  const out: GenerationConfig = {};
  const id = (key: string): number | undefined => {
    let v = json[key];
    if (Array.isArray(v)) v = v[0]; // eos_token_id may be a list; the engine stops on one id
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new Error(`HF generation config: "${key}" must be a token id, got ${shown(json[key])}`);
    return v;
  };
  const [bos, eos, pad, max] = [id('bos_token_id'), id('eos_token_id'), id('pad_token_id'), id('max_new_tokens')];
  if (bos !== undefined) out.bosTokenId = bos;
  if (eos !== undefined) out.eosTokenId = eos;
  if (pad !== undefined) out.padTokenId = pad;
  if (max !== undefined) out.maxNewTokens = max;
  return out;
}

export function generationConfigToHF(g: GenerationConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { _from_model_config: true };
  if (g.bosTokenId !== undefined) out.bos_token_id = g.bosTokenId;
  if (g.eosTokenId !== undefined) out.eos_token_id = g.eosTokenId;
  if (g.padTokenId !== undefined) out.pad_token_id = g.padTokenId;
  if (g.maxNewTokens !== undefined) out.max_new_tokens = g.maxNewTokens;
  return out;
}

/** Which config field a tensor's shape follows, for error messages that say what to fix. */
function shapeHint(name: string, c: LlamaConfig): string {
  if (name === EMBED || name === LM_HEAD) return `vocab_size ${c.vocabSize}, hidden_size ${c.hiddenSize}`;
  if (/(k_proj|v_proj)\.weight$/.test(name)) return `num_key_value_heads ${c.numKeyValueHeads}`;
  if (/mlp\./.test(name)) return `intermediate_size ${c.intermediateSize}`;
  return `hidden_size ${c.hiddenSize}`;
}

const fmt = (s: number[]) => clipText(`[${s.join(', ')}]`, 60);
/** A tensor or file name from the user's files, as a message quotes it. */
const q = (name: string) => JSON.stringify(clipText(name, 80));
const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameData = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
// Non-persistent buffers older transformers versions saved; recomputed from rope_theta here.
const isIgnored = (name: string) => name.endsWith('rotary_emb.inv_freq');

/**
 * Checks an index's weight_map against the shards: files given as an array are taken in the sorted
 * order of the shard names (HF's model-0000k-of-0000n names sort in shard order).
 */
function shardNames(index: unknown, count: number): { names: string[]; weightMap: Record<string, string> } {
  if (!isObject(index) || !isObject(index.weight_map))
    throw new Error('HF import: index file has no "weight_map" object');
  const weightMap = index.weight_map as Record<string, unknown>;
  for (const [k, v] of Object.entries(weightMap))
    if (typeof v !== 'string') throw new Error(`HF import: index maps ${q(k)} to a non-string ${shown(v)}`);
  const names = [...new Set(Object.values(weightMap) as string[])].sort();
  if (names.length !== count)
    throw new Error(
      `HF import: index names ${names.length} shard files (${listSome(names, 4)}), but ${count} were given`,
    );
  return { names, weightMap: weightMap as Record<string, string> };
}

export interface HFImport {
  config: LlamaConfig;
  weights: Map<string, Float32Array>;
}

export function importHFLlama(configJson: unknown, safetensorsFiles: Uint8Array[], index?: unknown): HFImport {
  const config = configFromHF(configJson);
  if (safetensorsFiles.length === 0) throw new Error('HF import: no safetensors file given');
  if (safetensorsFiles.length > 1 && index === undefined)
    throw new Error(`HF import: ${safetensorsFiles.length} shards given without model.safetensors.index.json`);
  const shards = index === undefined ? undefined : shardNames(index, safetensorsFiles.length);

  const found = new Map<string, SafetensorsTensor>();
  safetensorsFiles.forEach((bytes, i) => {
    const label = shards ? shards.names[i] : 'model.safetensors';
    let file;
    try {
      file = readSafetensors(bytes);
    } catch (e) {
      throw new Error(`HF import: ${clipText(label, 80)}: ${(e as Error).message}`);
    }
    for (const [name, t] of file.tensors) {
      if (isIgnored(name)) continue;
      if (found.has(name)) throw new Error(`HF import: tensor ${q(name)} appears in more than one shard`);
      if (shards && shards.weightMap[name] !== label)
        throw new Error(
          `HF import: tensor ${q(name)} is in ${clipText(label, 80)}, but the index says ${shown(shards.weightMap[name] ?? null)}`,
        );
      found.set(name, t);
    }
  });
  if (shards)
    for (const [name, file] of Object.entries(shards.weightMap))
      if (!isIgnored(name) && !found.has(name))
        throw new Error(
          `HF import: the index lists tensor ${q(name)} in ${clipText(file, 80)}, but that shard does not hold it`,
        );

  // Tied checkpoints may still carry lm_head (some exporters write both): accept it only when it is
  // the embedding itself, since the tied model would otherwise silently ignore a trained head.
  const head = found.get(LM_HEAD);
  if (config.tieWordEmbeddings && head) {
    const emb = found.get(EMBED);
    if (!emb || !sameShape(head.shape, emb.shape) || !sameData(head.data, emb.data))
      throw new Error(`HF import: tie_word_embeddings is true but "${LM_HEAD}" differs from "${EMBED}"`);
    found.delete(LM_HEAD);
  }

  const weights = new Map<string, Float32Array>();
  const missing: string[] = [];
  for (const [name, shape] of paramShapes(config)) {
    const t = found.get(name);
    if (!t) {
      missing.push(name);
      continue;
    }
    if (!sameShape(t.shape, shape))
      throw new Error(
        `HF import: tensor ${q(name)} has shape ${fmt(t.shape)}, expected ${fmt(shape)} (${shapeHint(name, config)})`,
      );
    weights.set(name, t.data);
  }
  if (missing.length)
    throw new Error(
      `HF import: missing ${missing.length.toLocaleString('en-US')} tensor(s): ${listSome(missing, 3, 80)}`,
    );
  const extra = [...found.keys()].filter((n) => !weights.has(n));
  if (extra.length)
    throw new Error(
      `HF import: ${extra.length.toLocaleString('en-US')} unexpected tensor(s) not in a Llama of this config: ${listSome(extra, 3, 80)}`,
    );
  return { config, weights };
}

export interface HFExport {
  'config.json': string;
  'generation_config.json': string;
  'model.safetensors': Uint8Array;
}

export function exportHFLlama(
  config: LlamaConfig,
  weights: Map<string, Float32Array>,
  extras: GenerationConfig = {},
): HFExport {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of paramShapes(config)) {
    const data = weights.get(name);
    if (!data) throw new Error(`HF export: tensor "${name}" is missing`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n)
      throw new Error(`HF export: tensor "${name}" has ${data.length} values, expected ${n} for shape ${fmt(shape)}`);
    tensors.set(name, { shape, data });
  }
  const special: SpecialTokens = {
    bosTokenId: extras.bosTokenId,
    eosTokenId: extras.eosTokenId,
    padTokenId: extras.padTokenId,
  };
  return {
    'config.json': JSON.stringify(configToHF(config, special), null, 2),
    'generation_config.json': JSON.stringify(generationConfigToHF(extras), null, 2),
    // transformers refuses safetensors without format metadata ("pt" for PyTorch).
    'model.safetensors': writeSafetensors(tensors, { format: 'pt' }),
  };
}
