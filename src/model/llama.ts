// The Llama decoder as plain functions over named tensors (see params.ts for the names).
// Shapes: B batch, T new positions, S attended positions (past + new), C hidden, H query heads,
// KV key/value heads, D = C / H head size, V vocabulary.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from './config';
import { EMBED, FINAL_NORM, LM_HEAD, layerName, type Params } from './params';
import { applyRope, ropeTables, ropeTablesPerRow } from './rope';
import { takeRows } from '../kernels/take-rows';
import { bmm, linearFast, swapMiddle } from '../kernels/wasm/matmul';
import { useFastPath } from '../kernels/wasm/fast-path';
import { applyRopeFast } from '../kernels/wasm/rope';
import { rmsNormFast } from '../kernels/wasm/rmsnorm';
import { useWebGPUKernels } from '../kernels/webgpu/kernels';
import { rmsNormWebGPU } from '../kernels/webgpu/rmsnorm';
import { applyRopeWebGPU } from '../kernels/webgpu/rope';
import type { TransposedWeights } from './generate/decode-weights';

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
}

const NEG = -1e9; // additive mask value: exp underflows to exactly 0 after max-subtraction

export function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true); // (…, 1)
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w);
  });
}

/** x (N, in) @ W^T with W in Hugging Face's (out, in) layout → (N, out); wT, if given, is W^T (in, out) (no gradient to W). */
export function linear(x: tf.Tensor2D, w: tf.Tensor, wT?: tf.Tensor2D): tf.Tensor2D {
  if (wT) return tf.matMul(x, wT);
  if (useFastPath(x.shape[0])) return linearFast(x, w as tf.Tensor2D);
  return tf.matMul(x, w as tf.Tensor2D, false, true);
}

/** (B, T, heads*D) rows → (B, heads, T, D). */
function splitHeads(x: tf.Tensor2D, B: number, T: number, heads: number, D: number, fast: boolean): tf.Tensor4D {
  const x4 = tf.reshape(x, [B, T, heads, D]) as tf.Tensor4D;
  return fast ? swapMiddle(x4) : tf.transpose(x4, [0, 2, 1, 3]);
}

/**
 * softmax(q kᵀ/√D + mask) v: q (B, H, T, D), k and v (B, KV, S, D), mask (B or 1, 1, T, S) → (B, H, T, D).
 * The fast path runs both products as grouped 2-D slices (no repeat_kv tile, no transposed operand).
 */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D, fast: boolean): tf.Tensor4D {
  const [B, H, T, D] = q.shape;
  const [, KV, S] = k.shape;
  const scale = 1 / Math.sqrt(D);
  if (!fast) {
    // Grouped-query attention without repeat_kv: query head h = kv·G + g reads key/value head kv, and
    // those G heads are adjacent, so q regroups as (B, KV, G·T, D) by a reshape and both products are
    // batched over (B, KV). A repeat_kv tile of the cache was ~27% of a decode step on wasm.
    const G = H / KV;
    const raw = tf.reshape(tf.matMul(tf.reshape(q, [B, KV, G * T, D]), k, false, true), [B, H, T, S]); // (B, H, T, S)
    const probs = tf.softmax(tf.add(tf.mul(raw, scale), mask), -1);
    return tf.reshape(tf.matMul(tf.reshape(probs, [B, KV, G * T, S]), v), [B, H, T, D]) as tf.Tensor4D; // (B, H, T, D)
  }
  const raw = tf.reshape(bmm(tf.reshape(q, [B * H, T, D]) as tf.Tensor3D, tf.reshape(k, [B * KV, S, D]) as tf.Tensor3D, true), [B, H, T, S]);
  const probs = tf.softmax(tf.add(tf.mul(raw, scale), mask), -1); // (B, H, T, S)
  const att = bmm(tf.reshape(probs, [B * H, T, S]) as tf.Tensor3D, tf.reshape(v, [B * KV, S, D]) as tf.Tensor3D); // (B·H, T, D)
  return tf.reshape(att, [B, H, T, D]) as tf.Tensor4D;
}

/** Additive mask (B or 1, 1, T, S): causal over absolute positions, plus key padding if given. */
function attentionMask(T: number, S: number, keyMask?: tf.Tensor2D): tf.Tensor4D {
  const past = S - T;
  const m = new Float32Array(T * S);
  for (let i = 0; i < T; i++) for (let j = past + i + 1; j < S; j++) m[i * S + j] = NEG;
  const causal = tf.tensor4d(m, [1, 1, T, S]);
  if (!keyMask) return causal;
  const pad = tf.mul(tf.sub(1, tf.reshape(keyMask, [keyMask.shape[0], 1, 1, S])), NEG); // (B, 1, 1, S)
  return tf.add(causal, pad);
}

/**
 * Final-norm hidden states for ids (B, T) → (B, T, C), and, with wantCache, the cache extended by
 * these T positions (kept out of tidy: the caller disposes it with disposeCache).
 */
export function hiddenStates(p: Params, c: LlamaConfig, ids: tf.Tensor2D, opts: ForwardOptions = {}): { h: tf.Tensor3D; cache: KVCache } {
  const [B, T] = ids.shape;
  const C = c.hiddenSize;
  const H = c.numAttentionHeads;
  const KV = c.numKeyValueHeads;
  const D = C / H;
  const past = opts.cache?.length ?? 0;
  const S = past + T;
  const newK: tf.Tensor4D[] = [];
  const newV: tf.Tensor4D[] = [];
  const fast = useFastPath(B * T);
  // Hand-written WebGPU kernels on webgpu (webgpu-*.ts), the XNNPACK-shaped fast path on wasm, the
  // plain ops elsewhere (and as the reference the other two are tested against).
  const gpu = useWebGPUKernels();
  const rope = gpu ? applyRopeWebGPU : fast ? applyRopeFast : applyRope;
  const norm = (x2: tf.Tensor2D, w: tf.Tensor) =>
    (gpu ? rmsNormWebGPU(x2, w, c.rmsNormEps) : fast ? rmsNormFast(x2, w as tf.Tensor1D, c.rmsNormEps) : rmsNorm(x2, w, c.rmsNormEps)) as tf.Tensor2D; // (B·T, C)
  const h = tf.tidy(() => {
    const { cos, sin } = opts.positionOffsets
      ? ropeTablesPerRow(past, T, D, c.ropeTheta, opts.positionOffsets) // (B, 1, T, D)
      : ropeTables(past, T, D, c.ropeTheta); // (T, D)
    const mask = attentionMask(T, S, opts.keyMask);
    let x = takeRows(p.get(EMBED) as tf.Tensor2D, tf.reshape(ids, [B * T])); // (B·T, C)
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const w = (leaf: string) => p.get(layerName(l, leaf))!;
      const lin = (x2: tf.Tensor2D, leaf: string) => linear(x2, w(leaf), opts.transposed?.get(layerName(l, leaf)));
      // Attention block: x + o_proj(softmax(q kᵀ/√D + mask) v)
      const xn = norm(x, w('input_layernorm.weight'));
      const q = rope(splitHeads(lin(xn, 'self_attn.q_proj.weight'), B, T, H, D, fast), cos, sin); // (B, H, T, D)
      let k = rope(splitHeads(lin(xn, 'self_attn.k_proj.weight'), B, T, KV, D, fast), cos, sin); // (B, KV, T, D)
      let v = splitHeads(lin(xn, 'self_attn.v_proj.weight'), B, T, KV, D, fast); // (B, KV, T, D)
      if (opts.cache) {
        k = tf.concat([opts.cache.k[l], k], 2); // (B, KV, S, D)
        v = tf.concat([opts.cache.v[l], v], 2);
      }
      if (opts.wantCache) {
        newK.push(tf.keep(k));
        newV.push(tf.keep(v));
      }
      const att = attention(q, k, v, mask, fast); // (B, H, T, D)
      const merged = tf.reshape(fast ? swapMiddle(att) : tf.transpose(att, [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D; // (B·T, C)
      x = tf.add(x, lin(merged, 'self_attn.o_proj.weight'));
      // MLP block (SwiGLU): x + down(silu(gate(x)) · up(x))
      const xm = norm(x, w('post_attention_layernorm.weight'));
      const gate = lin(xm, 'mlp.gate_proj.weight'); // (B·T, I)
      const up = lin(xm, 'mlp.up_proj.weight');
      x = tf.add(x, lin(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D, 'mlp.down_proj.weight'));
    }
    return tf.reshape(norm(x, p.get(FINAL_NORM)!), [B, T, C]) as tf.Tensor3D;
  });
  return { h, cache: { k: newK, v: newV, length: S } };
}

/** Logits for hidden rows: h (N, C) → (N, V), through lm_head or the tied embedding. */
export function lmHead(p: Params, c: LlamaConfig, h: tf.Tensor2D, transposed?: TransposedWeights): tf.Tensor2D {
  const name = c.tieWordEmbeddings ? EMBED : LM_HEAD;
  return linear(h, p.get(name)!, transposed?.get(name));
}

/** Full forward: ids (B, T) → logits (B, T, V). Training uses hiddenStates + lmHead on supervised rows only. */
export function forward(p: Params, c: LlamaConfig, ids: tf.Tensor2D, opts: ForwardOptions = {}): { logits: tf.Tensor3D; cache: KVCache } {
  const { h, cache } = hiddenStates(p, c, ids, opts);
  const [B, T, C] = h.shape;
  const logits = tf.tidy(() => tf.reshape(lmHead(p, c, tf.reshape(h, [B * T, C]), opts.transposed), [B, T, c.vocabSize]) as tf.Tensor3D);
  h.dispose();
  return { logits, cache };
}

export function disposeCache(cache: KVCache): void {
  for (const t of [...cache.k, ...cache.v]) t.dispose();
}
