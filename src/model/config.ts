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

/** Throws a message naming the first inconsistent field. */
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
