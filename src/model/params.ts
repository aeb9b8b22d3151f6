// Llama parameters as a map of named tensors, with Hugging Face LlamaForCausalLM names and layouts
// (Linear weights are (out, in)), so checkpoint import/export maps one to one.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from './config';
import { mulberry32 } from '../core/prng';
import { loraShapes } from './lora';

export type Params = Map<string, tf.Tensor>;
export type Variables = Map<string, tf.Variable>;

export const EMBED = 'model.embed_tokens.weight';
export const FINAL_NORM = 'model.norm.weight';
export const LM_HEAD = 'lm_head.weight';
export const layerName = (i: number, leaf: string) => `model.layers.${i}.${leaf}`;

/** Every tensor's name and shape, in Hugging Face order. */
export function paramShapes(c: LlamaConfig): [string, number[]][] {
  const C = c.hiddenSize;
  const D = C / c.numAttentionHeads;
  const kv = c.numKeyValueHeads * D;
  const out: [string, number[]][] = [[EMBED, [c.vocabSize, C]]];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    out.push(
      [layerName(i, 'self_attn.q_proj.weight'), [C, C]],
      [layerName(i, 'self_attn.k_proj.weight'), [kv, C]],
      [layerName(i, 'self_attn.v_proj.weight'), [kv, C]],
      [layerName(i, 'self_attn.o_proj.weight'), [C, C]],
      [layerName(i, 'mlp.gate_proj.weight'), [c.intermediateSize, C]],
      [layerName(i, 'mlp.up_proj.weight'), [c.intermediateSize, C]],
      [layerName(i, 'mlp.down_proj.weight'), [C, c.intermediateSize]],
      [layerName(i, 'input_layernorm.weight'), [C]],
      [layerName(i, 'post_attention_layernorm.weight'), [C]],
    );
  }
  out.push([FINAL_NORM, [C]]);
  if (!c.tieWordEmbeddings) out.push([LM_HEAD, [c.vocabSize, C]]);
  return out;
}

/**
 * The tensors training updates, in flat-layout order (train/flat.ts): the adapters when the config
 * has `lora` (the base is frozen), else every base tensor (paramShapes).
 */
export function trainableShapes(c: LlamaConfig): [string, number[]][] {
  return c.lora ? loraShapes(c) : paramShapes(c);
}

/** Every tensor of the model a config describes: the base's, then the adapters' when it has `lora`. */
export function modelShapes(c: LlamaConfig): [string, number[]][] {
  return [...paramShapes(c), ...loraShapes(c)];
}

/** Norm weights take no weight decay (the seed's Trainer excludes LayerNorm-style weights). */
export const isNormWeight = (name: string) => name.endsWith('norm.weight');

/**
 * Fresh weights as transformers initialises LlamaForCausalLM: normal(0, 0.02) for every matrix,
 * ones for RMSNorm weights. Drawn on the CPU from a seeded PRNG, so every backend and every
 * data-parallel replica starts from bit-identical parameters.
 */
export function initWeights(c: LlamaConfig, seed: number, std = 0.02): Map<string, Float32Array> {
  const rand = mulberry32(seed);
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of paramShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    if (isNormWeight(name)) a.fill(1);
    else {
      // Box–Muller, two normals per pair of uniforms.
      for (let i = 0; i < n; i += 2) {
        const u = 1 - rand();
        const r = Math.sqrt(-2 * Math.log(u)) * std;
        const t = 2 * Math.PI * rand();
        a[i] = r * Math.cos(t);
        if (i + 1 < n) a[i + 1] = r * Math.sin(t);
      }
    }
    weights.set(name, a);
  }
  return weights;
}

/**
 * Upload named arrays as variables, checking every expected tensor is present and sized. With
 * `lora` the base's are frozen (trainable false: no gradient, no optimizer state) and the adapters
 * train; otherwise every tensor trains.
 */
export function toVariables(c: LlamaConfig, weights: Map<string, Float32Array>): Variables {
  const vars: Variables = new Map();
  const trainable = new Set(trainableShapes(c).map(([name]) => name));
  for (const [name, shape] of modelShapes(c)) {
    const a = weights.get(name);
    if (!a) throw new Error(`weights: tensor "${name}" is missing`);
    const n = shape.reduce((x, y) => x * y, 1);
    if (a.length !== n)
      throw new Error(
        `weights: tensor "${name}" has ${a.length} values, expected ${n} for shape [${shape.join(', ')}]`,
      );
    // No tfjs name: variable names are global to the engine, and two models (trials, tests) coexist.
    // tidy frees the upload tensor; the variable keeps its own reference to the data.
    vars.set(
      name,
      tf.tidy(() => tf.variable(tf.tensor(a, shape, 'float32'), trainable.has(name))),
    );
  }
  return vars;
}

/** Download every tensor (for checksums, checkpoints and export). */
export async function readWeights(params: Params): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of params) out.set(name, (await t.data()) as Float32Array);
  return out;
}

export function disposeParams(params: Params): void {
  for (const t of params.values()) t.dispose();
  params.clear();
}

/**
 * Grow the vocabulary (transformers' resize_token_embeddings) when a tokenizer gains a pad token:
 * new rows are the mean of the old ones (transformers >= 4.46 draws them close around that mean),
 * so a new token starts with an unremarkable logit instead of a random one.
 */
export function resizeEmbeddings(c: LlamaConfig, weights: Map<string, Float32Array>, vocabSize: number): LlamaConfig {
  if (vocabSize < c.vocabSize)
    throw new Error(`resize embeddings: cannot shrink vocabulary from ${c.vocabSize} to ${vocabSize}`);
  const C = c.hiddenSize;
  for (const name of c.tieWordEmbeddings ? [EMBED] : [EMBED, LM_HEAD]) {
    const old = weights.get(name)!;
    const grown = new Float32Array(vocabSize * C);
    grown.set(old);
    const mean = new Float64Array(C);
    for (let r = 0; r < c.vocabSize; r++) for (let j = 0; j < C; j++) mean[j] += old[r * C + j] / c.vocabSize;
    for (let r = c.vocabSize; r < vocabSize; r++) for (let j = 0; j < C; j++) grown[r * C + j] = mean[j];
    weights.set(name, grown);
  }
  return { ...c, vocabSize };
}
