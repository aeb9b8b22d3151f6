// Llama hyper-parameters in Hugging Face's LlamaConfig words, and the studio's size presets.
import type { LoraConfig } from './lora-config';

export interface LlamaConfig {
  vocabSize: number;
  hiddenSize: number; // C
  intermediateSize: number; // SwiGLU hidden
  numHiddenLayers: number;
  numAttentionHeads: number; // H
  numKeyValueHeads: number; // KV (H % KV == 0; grouped-query attention when KV < H)
  maxPositionEmbeddings: number;
  rmsNormEps: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  /** LoRA adapters on the frozen base (lora-config.ts); absent = the base's own weights train (Full). */
  lora?: LoraConfig;
}

export type PresetName = 'tiny' | 'small' | 'base';

/** A size preset: model shape (vocabulary excepted: it is the tokenizer's) plus data lengths. */
export interface Preset {
  name: PresetName;
  label: string;
  model: Omit<LlamaConfig, 'vocabSize'>;
  vocabSize: number; // size of the byte-level BPE the studio trains for this preset
  maxSourceLength: number;
  maxTargetLength: number;
}

const common = { rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true };

export const PRESETS: Record<PresetName, Preset> = {
  // For tests and the e2e run on a software WebGPU adapter: ~0.1M parameters.
  tiny: {
    name: 'tiny',
    label: 'Tiny (tests, ~0.1M)',
    model: {
      hiddenSize: 64,
      intermediateSize: 172,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      maxPositionEmbeddings: 256,
      ...common,
    },
    vocabSize: 512,
    maxSourceLength: 128,
    maxTargetLength: 32,
  },
  // The default: the benchmark's reference shape (d 256, 4 layers, 4 heads, 2 KV heads, SwiGLU 688,
  // vocabulary 4096): ~4.2M parameters with tied embeddings.
  small: {
    name: 'small',
    label: 'Small (default, ~4M)',
    model: {
      hiddenSize: 256,
      intermediateSize: 688,
      numHiddenLayers: 4,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      maxPositionEmbeddings: 640,
      ...common,
    },
    vocabSize: 4096,
    maxSourceLength: 512,
    maxTargetLength: 64,
  },
  base: {
    name: 'base',
    label: 'Base (~15M)',
    model: {
      hiddenSize: 384,
      intermediateSize: 1024,
      numHiddenLayers: 8,
      numAttentionHeads: 6,
      numKeyValueHeads: 2,
      maxPositionEmbeddings: 1280,
      ...common,
    },
    vocabSize: 8192,
    maxSourceLength: 1024,
    maxTargetLength: 128,
  },
};

export function configFor(preset: Preset, vocabSize: number): LlamaConfig {
  return { ...preset.model, vocabSize };
}

/**
 * The largest model the studio will build, per config field (in config.json's words) and in all.
 * Checked before anything is allocated from a config, so a hostile config.json (100,000 layers,
 * max_position_embeddings 1e9) is refused in microseconds with one short message instead of
 * building shape tables or buffers it can never use. Each bound is above every Llama-family model a
 * browser can hold (Llama 3.1 405B has 126 layers, d_model 16,384, SwiGLU 53,248, 128 heads).
 */
export const CONFIG_LIMITS: readonly { key: keyof LlamaConfig; hf: string; max: number }[] = [
  { key: 'vocabSize', hf: 'vocab_size', max: 524_288 },
  { key: 'hiddenSize', hf: 'hidden_size', max: 16_384 },
  { key: 'intermediateSize', hf: 'intermediate_size', max: 65_536 },
  { key: 'numHiddenLayers', hf: 'num_hidden_layers', max: 256 },
  { key: 'numAttentionHeads', hf: 'num_attention_heads', max: 256 },
  { key: 'numKeyValueHeads', hf: 'num_key_value_heads', max: 256 },
  // The rotary tables and attention masks scale with it; no preset or supported import needs more.
  { key: 'maxPositionEmbeddings', hf: 'max_position_embeddings', max: 131_072 },
];

/**
 * Parameters the studio holds: 6 GB of float32 weights, about what one browser tab can keep (the
 * 1.1–1.2B Llamas, TinyLlama and Llama 3.2 1B, fit; training also needs gradients and Adam state).
 */
export const MAX_PARAMETERS = 1_500_000_000;

const n = (x: number) => x.toLocaleString('en-US');

/** Throws, naming the field and the bound, when a config is beyond what the studio can hold. */
export function checkConfigLimits(c: LlamaConfig): void {
  for (const { key, hf, max } of CONFIG_LIMITS) {
    const v = c[key] as number;
    if (v > max) throw new Error(`model config: ${hf} ${n(v)} is beyond the ${n(max)} the studio supports`);
  }
  const params = countParams(c);
  if (params > MAX_PARAMETERS)
    throw new Error(
      `model config: ${n(params)} parameters is beyond the ${n(MAX_PARAMETERS)} the studio can hold in a browser tab (6 GB of float32 weights)`,
    );
}

/** Throws a message naming the first inconsistent field, or the first bound (CONFIG_LIMITS) it passes. */
export function validateConfig(c: LlamaConfig): void {
  const positive: (keyof LlamaConfig)[] = [
    'vocabSize',
    'hiddenSize',
    'intermediateSize',
    'numHiddenLayers',
    'numAttentionHeads',
    'numKeyValueHeads',
    'maxPositionEmbeddings',
  ];
  for (const k of positive) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new Error(`model config: ${k} must be a positive integer, got ${String(v)}`);
  }
  checkConfigLimits(c); // before anything divides or allocates by these sizes
  if (c.hiddenSize % c.numAttentionHeads !== 0)
    throw new Error(
      `model config: hiddenSize ${c.hiddenSize} is not divisible by numAttentionHeads ${c.numAttentionHeads}`,
    );
  if (c.numAttentionHeads % c.numKeyValueHeads !== 0)
    throw new Error(
      `model config: numAttentionHeads ${c.numAttentionHeads} is not divisible by numKeyValueHeads ${c.numKeyValueHeads}`,
    );
  if ((c.hiddenSize / c.numAttentionHeads) % 2 !== 0)
    throw new Error(`model config: head size ${c.hiddenSize / c.numAttentionHeads} must be even for rotary embeddings`);
  if (!(c.rmsNormEps > 0)) throw new Error(`model config: rmsNormEps must be > 0, got ${c.rmsNormEps}`);
  if (!(c.ropeTheta > 0)) throw new Error(`model config: ropeTheta must be > 0, got ${c.ropeTheta}`);
}

/** Parameter count of a config, matching the tensors `initParams` creates. */
export function countParams(c: LlamaConfig): number {
  const hd = c.hiddenSize / c.numAttentionHeads;
  const C = c.hiddenSize;
  const attn = C * C * 2 + C * c.numKeyValueHeads * hd * 2; // q, o + k, v
  const mlp = 3 * C * c.intermediateSize;
  const perLayer = attn + mlp + 2 * C;
  const emb = c.vocabSize * C;
  return emb + (c.tieWordEmbeddings ? 0 : emb) + c.numHiddenLayers * perLayer + C;
}
