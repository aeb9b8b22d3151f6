// The Llama decoder as plain functions over named tensors (see params.ts for the names).
// Shapes: B batch, T new positions, S attended positions (past + new), C hidden, H query heads,
// KV key/value heads, D = C / H head size, V vocabulary.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from './config';
import { EMBED, FINAL_NORM, LM_HEAD, layerName, type Params } from './params';
import { cachedRopeTables, ropeTables, ropeTablesPerRow } from './rope';
import { cachedConstant } from '../kernels/constants';
import { takeRows } from '../kernels/take-rows';
import { applyRope, attention, linear, mergeHeads, rmsNorm, splitHeads, swigluGate } from '../kernels/ops';
import type { TransposedWeights } from './generate/decode-weights';
import { loraDelta, targetedModules } from './lora';
import type { LoraModule } from './lora-config';

/** Keys and values already computed for earlier positions, one entry per layer: (B, KV, S, D). */
export interface KVCache {
  k: tf.Tensor4D[];
  v: tf.Tensor4D[];
  length: number; // S_past
}

export interface ForwardOptions {
  cache?: KVCache; // read for past positions; the returned cache holds past + new
  keyMask?: tf.Tensor2D; // (B, S) 1 = real token, 0 = padding (left-padded prompts in batched generation)
  wantCache?: boolean; // return keys/values for later steps (generation); training leaves this off
  // Per-row rotary offsets (B): row b's new positions are cache.length + t − positionOffsets[b]. Batched
  // generation left-pads prompts and passes each row's pad count here, so each sequence's first real
  // token is at position 0 (HF: position_ids = cumsum(attention_mask) − 1). Omitted: every row starts at 0.
  positionOffsets?: number[];
  // Weights already laid out (in, out) for the whole call (decode-weights.ts; generation on wasm). The
  // products through them carry no gradient to the weights.
  transposed?: TransposedWeights;
  // Training with LoRA: the adapters' dropout is on, its masks drawn from this seed (lora.ts). Absent
  // (evaluation, generation): no dropout.
  dropoutSeed?: number;
}

const NEG = -1e9; // additive mask value: exp underflows to exactly 0 after max-subtraction

/** Additive mask (B or 1, 1, T, S): causal over absolute positions, plus key padding if given. */
function attentionMask(T: number, S: number, keyMask?: tf.Tensor2D): tf.Tensor4D {
  const past = S - T;
  const build = () => {
    const m = new Float32Array(T * S);
    for (let i = 0; i < T; i++) for (let j = past + i + 1; j < S; j++) m[i * S + j] = NEG;
    return tf.tensor4d(m, [1, 1, T, S]);
  };
  // Training, evaluation and prompt passes (no past) reuse one mask per length, kept on the device;
  // decode steps (a new S each) build theirs.
  const causal = past === 0 ? cachedConstant(`causal-mask:${T}`, build) : build();
  if (!keyMask) return causal;
  const pad = tf.mul(tf.sub(1, tf.reshape(keyMask, [keyMask.shape[0], 1, 1, S])), NEG); // (B, 1, 1, S)
  return tf.add(causal, pad);
}

/**
 * Final-norm hidden states for ids (B, T) → (B, T, C), and, with wantCache, the cache extended by
 * these T positions (kept out of tidy: the caller disposes it with disposeCache).
 */
export function hiddenStates(
  p: Params,
  c: LlamaConfig,
  ids: tf.Tensor2D,
  opts: ForwardOptions = {},
): { h: tf.Tensor3D; cache: KVCache } {
  const [B, T] = ids.shape;
  const C = c.hiddenSize;
  const H = c.numAttentionHeads;
  const KV = c.numKeyValueHeads;
  const D = C / H;
  const past = opts.cache?.length ?? 0;
  const S = past + T;
  const newK: tf.Tensor4D[] = [];
  const newV: tf.Tensor4D[] = [];
  // kernels/ops.ts picks each op's path (WebGPU kernel, wasm fast path or plain ops) for the backend.
  const norm = (x2: tf.Tensor2D, w: tf.Tensor) => rmsNorm(x2, w, c.rmsNormEps); // (B·T, C)
  // LoRA: the base is frozen (no gradient is asked of it), the targeted linears gain their adapter.
  const frozen = c.lora !== undefined;
  const adapted = new Set<string>(targetedModules(c));
  const h = tf.tidy(() => {
    const { cos, sin } = opts.positionOffsets
      ? ropeTablesPerRow(past, T, D, c.ropeTheta, opts.positionOffsets) // (B, 1, T, D)
      : past === 0
        ? cachedRopeTables(T, D, c.ropeTheta) // (T, D), kept on the device per length
        : ropeTables(past, T, D, c.ropeTheta);
    const mask = attentionMask(T, S, opts.keyMask);
    // A frozen table takes tf.gather (same values): its gradient, a (V, C) scatter, would be thrown away.
    const flat = tf.reshape(ids, [B * T]) as tf.Tensor1D;
    const table = p.get(EMBED) as tf.Tensor2D;
    let x = frozen ? (tf.gather(table, flat) as tf.Tensor2D) : takeRows(table, flat); // (B·T, C)
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const w = (leaf: string) => p.get(layerName(l, leaf))!;
      // x (N, in) → (N, out); a targeted module adds scaling · (dropout(x) Aᵀ) Bᵀ (lora.ts). With
      // B = 0 that is base + exact zeros: the base's bits.
      const lin = (x2: tf.Tensor2D, leaf: string) => {
        const y = linear(x2, w(leaf), opts.transposed?.get(layerName(l, leaf)), frozen);
        const m = leaf.split('.')[1] as LoraModule; // self_attn.q_proj.weight → q_proj
        return adapted.has(m) ? (tf.add(y, loraDelta(c, p, l, m, x2, opts.dropoutSeed)) as tf.Tensor2D) : y;
      };
      // Attention block: x + o_proj(softmax(q kᵀ/√D + mask) v)
      const xn = norm(x, w('input_layernorm.weight'));
      const q = applyRope(splitHeads(lin(xn, 'self_attn.q_proj.weight'), B, T, H, D), cos, sin); // (B, H, T, D)
      let k = applyRope(splitHeads(lin(xn, 'self_attn.k_proj.weight'), B, T, KV, D), cos, sin); // (B, KV, T, D)
      let v = splitHeads(lin(xn, 'self_attn.v_proj.weight'), B, T, KV, D); // (B, KV, T, D)
      if (opts.cache) {
        k = tf.concat([opts.cache.k[l], k], 2); // (B, KV, S, D)
        v = tf.concat([opts.cache.v[l], v], 2);
      }
      if (opts.wantCache) {
        newK.push(tf.keep(k));
        newV.push(tf.keep(v));
      }
      const att = attention(q, k, v, mask); // (B, H, T, D)
      const merged = mergeHeads(att); // (B·T, C)
      x = tf.add(x, lin(merged, 'self_attn.o_proj.weight'));
      // MLP block (SwiGLU): x + down(silu(gate(x)) · up(x))
      const xm = norm(x, w('post_attention_layernorm.weight'));
      const gate = lin(xm, 'mlp.gate_proj.weight'); // (B·T, I)
      const up = lin(xm, 'mlp.up_proj.weight');
      x = tf.add(x, lin(swigluGate(gate, up), 'mlp.down_proj.weight'));
    }
    return tf.reshape(norm(x, p.get(FINAL_NORM)!), [B, T, C]) as tf.Tensor3D;
  });
  return { h, cache: { k: newK, v: newV, length: S } };
}

/** Logits for hidden rows: h (N, C) → (N, V), through lm_head or the tied embedding. */
export function lmHead(p: Params, c: LlamaConfig, h: tf.Tensor2D, transposed?: TransposedWeights): tf.Tensor2D {
  const name = c.tieWordEmbeddings ? EMBED : LM_HEAD;
  return linear(h, p.get(name)!, transposed?.get(name), c.lora !== undefined);
}

/** Full forward: ids (B, T) → logits (B, T, V). Training uses hiddenStates + lmHead on supervised rows only. */
export function forward(
  p: Params,
  c: LlamaConfig,
  ids: tf.Tensor2D,
  opts: ForwardOptions = {},
): { logits: tf.Tensor3D; cache: KVCache } {
  const { h, cache } = hiddenStates(p, c, ids, opts);
  const [B, T, C] = h.shape;
  const logits = tf.tidy(
    () => tf.reshape(lmHead(p, c, tf.reshape(h, [B * T, C]), opts.transposed), [B, T, c.vocabSize]) as tf.Tensor3D,
  );
  h.dispose();
  return { logits, cache };
}

export function disposeCache(cache: KVCache): void {
  for (const t of [...cache.k, ...cache.v]) t.dispose();
}
