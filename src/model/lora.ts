// LoRA adapters on a frozen base, as PEFT's LoraLayer computes them (lora-config.ts has the names):
// every targeted linear y = x Wᵀ becomes
//   y = x Wᵀ + scaling · (dropout(x) Aᵀ) Bᵀ,   A (r, in), B (out, r), scaling = lora_alpha / r.
// A starts as PEFT's kaiming_uniform_(a = √5), i.e. U(−1/√in, 1/√in); B starts at zero, so step 0
// is the base model exactly. Adapter tensors live in the same Params map as the base's.
// Here: the adapter shapes, their initialisation, the per-layer delta the forward adds, and the
// merge W + scaling · B A (arrays for export, tensors for generation).
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from './config';
import {
  isLoraName,
  LORA_MODULES,
  loraAName,
  loraBName,
  loraScaling,
  modulePath,
  type LoraModule,
} from './lora-config';
import { mulberry32 } from '../core/prng';
import { linear } from '../kernels/ops';

/** The base linear a module adapts: model.layers.{i}.self_attn.q_proj.weight, (out, in). */
export const baseWeightName = (layer: number, m: LoraModule) => `model.layers.${layer}.${modulePath(m)}.weight`;

/** (out, in) of a Llama linear layer: the shape of its Hugging Face weight. */
export function moduleDims(c: LlamaConfig, m: LoraModule): [number, number] {
  const C = c.hiddenSize;
  const kv = c.numKeyValueHeads * (C / c.numAttentionHeads);
  switch (m) {
    case 'q_proj':
    case 'o_proj':
      return [C, C];
    case 'k_proj':
    case 'v_proj':
      return [kv, C];
    case 'gate_proj':
    case 'up_proj':
      return [c.intermediateSize, C];
    case 'down_proj':
      return [C, c.intermediateSize];
  }
}

/** The targeted modules in a fixed order (LORA_MODULES'), whatever order the config lists them in. */
export const targetedModules = (c: LlamaConfig): LoraModule[] =>
  c.lora ? LORA_MODULES.filter((m) => c.lora!.targetModules.includes(m)) : [];

/** Every adapter tensor's name and shape, layer by layer: A (r, in) then B (out, r) for each targeted module. */
export function loraShapes(c: LlamaConfig): [string, number[]][] {
  const out: [string, number[]][] = [];
  if (!c.lora) return out;
  const r = c.lora.r;
  for (let l = 0; l < c.numHiddenLayers; l++)
    for (const m of targetedModules(c)) {
      const [o, i] = moduleDims(c, m);
      out.push([loraAName(l, m), [r, i]], [loraBName(l, m), [o, r]]);
    }
  return out;
}

/** Adapter parameters of a config (0 without lora): PEFT's "trainable params". */
export const adapterParamCount = (c: LlamaConfig): number =>
  loraShapes(c).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);

/** One seed from several integers (a murmur3-style mix): per-run, per-step, per-module streams that never coincide. */
export function mixSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

const LORA_STREAM = 0x4c6f5241; // "LoRA": adapters draw from their own stream, not initWeights'

/**
 * Fresh adapters as PEFT's reset_lora_parameters: A ~ kaiming_uniform_(a = √5) = U(−1/√in, 1/√in)
 * (gain √(2/(1+5)) times √(3/fan_in)), B = 0. Drawn on the CPU from a seeded PRNG, so every
 * replica and every backend starts from the same bits.
 */
export function initLora(c: LlamaConfig, seed: number): Map<string, Float32Array> {
  const rand = mulberry32(mixSeeds(seed, LORA_STREAM));
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of loraShapes(c)) {
    const a = new Float32Array(shape[0] * shape[1]);
    if (name.includes('.lora_A.')) {
      const bound = 1 / Math.sqrt(shape[1]); // shape (r, in): fan_in = in
      for (let i = 0; i < a.length; i++) a[i] = (2 * rand() - 1) * bound;
    }
    out.set(name, a);
  }
  return out;
}

/** A weights map split into the base's tensors and the adapters' (by name). */
export function splitAdapters(weights: Map<string, Float32Array>): {
  base: Map<string, Float32Array>;
  adapters: Map<string, Float32Array>;
} {
  const base = new Map<string, Float32Array>();
  const adapters = new Map<string, Float32Array>();
  for (const [name, a] of weights) (isLoraName(name) ? adapters : base).set(name, a);
  return { base, adapters };
}

/** The config a merged (or base) model has: the same without `lora`. */
export function withoutLora(c: LlamaConfig): LlamaConfig {
  const rest = { ...c };
  delete rest.lora;
  return rest;
}

/**
 * The adapted model as plain weights (PEFT's merge_and_unload): every targeted W (out, in) becomes
 * W + scaling · B A, the product summed in float64 and rounded once; adapters are dropped. Inputs
 * are not modified (untargeted tensors are shared, not copied).
 */
export function mergeLora(
  c: LlamaConfig,
  weights: Map<string, Float32Array>,
): { config: LlamaConfig; weights: Map<string, Float32Array> } {
  if (!c.lora) return { config: c, weights };
  const s = loraScaling(c.lora);
  const r = c.lora.r;
  const out = splitAdapters(weights).base;
  for (let l = 0; l < c.numHiddenLayers; l++)
    for (const m of targetedModules(c)) {
      const [O, I] = moduleDims(c, m);
      const get = (name: string, n: number) => {
        const a = weights.get(name);
        if (!a) throw new Error(`merge LoRA: tensor "${name}" is missing`);
        if (a.length !== n) throw new Error(`merge LoRA: tensor "${name}" has ${a.length} values, expected ${n}`);
        return a;
      };
      const W = get(baseWeightName(l, m), O * I); // (O, I)
      const A = get(loraAName(l, m), r * I); // (r, I)
      const B = get(loraBName(l, m), O * r); // (O, r)
      const merged = new Float32Array(O * I);
      const row = new Float64Array(I);
      for (let o = 0; o < O; o++) {
        row.fill(0);
        for (let k = 0; k < r; k++) {
          const b = B[o * r + k];
          if (b === 0) continue;
          for (let i = 0; i < I; i++) row[i] += b * A[k * I + i];
        }
        for (let i = 0; i < I; i++) merged[o * I + i] = W[o * I + i] + s * row[i];
      }
      out.set(baseWeightName(l, m), merged);
    }
  return { config: withoutLora(c), weights: out };
}

/** Named tensors (a Params or Variables map), typed loosely so both fit. */
type Tensors = Map<string, tf.Tensor>;

/**
 * The adapted model as tensors W + scaling · B A for generation, which then runs the plain decoder
 * with its fused and transposed fast paths. f gets the merged map (untargeted tensors shared) and
 * the config without lora; the merged tensors are freed when f settles. Without lora, f runs on p.
 */
export async function withMergedLora<R>(
  p: Tensors,
  c: LlamaConfig,
  f: (p: Tensors, c: LlamaConfig) => Promise<R>,
): Promise<R> {
  if (!c.lora) return f(p, c);
  const s = loraScaling(c.lora);
  const merged: Tensors = new Map();
  const made: tf.Tensor[] = [];
  for (const [name, t] of p) if (!isLoraName(name)) merged.set(name, t);
  for (let l = 0; l < c.numHiddenLayers; l++)
    for (const m of targetedModules(c)) {
      const name = baseWeightName(l, m);
      const [W, A, B] = [name, loraAName(l, m), loraBName(l, m)].map((n) => {
        const t = p.get(n);
        if (!t) throw new Error(`merge LoRA: tensor "${n}" is missing`);
        return t;
      });
      const w = tf.tidy(() => tf.add(W, tf.mul(tf.matMul(B, A), s))); // (O, r) @ (r, I) → (O, I)
      made.push(w);
      merged.set(name, w);
    }
  try {
    return await f(merged, withoutLora(c));
  } finally {
    for (const t of made) t.dispose();
  }
}

/**
 * Inverted dropout as torch.nn.Dropout in training: each element kept with probability 1 − rate and
 * scaled by 1/(1 − rate), else zeroed. The mask is drawn on the CPU from `seed` (mulberry32), so a
 * step's masks are the same on every backend and after a resume.
 */
export function seededDropout(x: tf.Tensor2D, rate: number, seed: number): tf.Tensor2D {
  if (rate <= 0) return x;
  const rand = mulberry32(seed);
  const keep = 1 - rate;
  const scale = 1 / keep;
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rand() < keep ? scale : 0;
  return tf.mul(x, tf.tensor(mask, x.shape, 'float32'));
}

/**
 * The adapter's share of a targeted linear: scaling · (dropout(x) Aᵀ) Bᵀ, x (N, in) → (N, out).
 * dropoutSeed undefined: no dropout (evaluation, generation, or lora_dropout 0).
 */
export function loraDelta(
  c: LlamaConfig,
  p: Tensors,
  layer: number,
  m: LoraModule,
  x: tf.Tensor2D,
  dropoutSeed?: number,
): tf.Tensor2D {
  const l = c.lora!;
  const A = p.get(loraAName(layer, m));
  const B = p.get(loraBName(layer, m));
  if (!A || !B) throw new Error(`LoRA: adapter of layer ${layer} ${m} is missing`);
  const xd =
    dropoutSeed === undefined || l.dropout <= 0
      ? x
      : seededDropout(x, l.dropout, mixSeeds(dropoutSeed, layer, LORA_MODULES.indexOf(m)));
  const down = linear(xd, A); // (N, in) @ Aᵀ → (N, r)
  return tf.mul(linear(down, B), loraScaling(l)) as tf.Tensor2D; // (N, r) @ Bᵀ → (N, out)
}
