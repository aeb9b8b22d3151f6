// One new position per row (T = 1) on top of a KV cache, for generation on the wasm fast path: about
// 8 tfjs ops per layer instead of ~35. A one-row step is bound by op dispatch, not arithmetic (the
// small preset's projections are ~4M multiply-adds per token, its attention over 96 cached positions
// ~50k), so the row-sized pieces run as single JavaScript passes on the wasm heap (wasm-heap.ts):
// RMSNorm (fused with the residual add), rotary + cache append + attention, SwiGLU; and the weights
// go through fused, pre-transposed matrices (decode-weights.ts): q|k|v as one (C, H·D + 2·KV·D)
// product, gate|up as one (C, 2I). Same math as hiddenStates + lmHead, checked against them in
// decode-step.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from './config';
import { FUSED_GATE_UP, FUSED_QKV, type TransposedWeights } from './decode-weights';
import type { ForwardOptions, KVCache } from './llama';
import { EMBED, FINAL_NORM, LM_HEAD, layerName, type Params } from './params';
import { takeRows } from './take-rows';
import { produce, produceOne } from './wasm-heap';

const NEG = -1e9; // the additive mask value of llama.ts's attention

/** Whether decodeStep can run: the fused decode weights are there. */
export function canDecodeStep(t: TransposedWeights | undefined): t is TransposedWeights {
  return t !== undefined && t.has(layerName(0, FUSED_QKV));
}

/** rmsNorm of each row of x into out: x (B, C), w (C). */
function normInto(x: Float32Array, w: Float32Array, eps: number, B: number, C: number, out: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const o = b * C;
    let ss = 0;
    for (let j = 0; j < C; j++) ss += x[o + j] * x[o + j];
    const r = 1 / Math.sqrt(ss / C + eps);
    for (let j = 0; j < C; j++) out[o + j] = x[o + j] * r * w[j];
  }
}

/** (x + d, rmsNorm(x + d) · w): the residual add and the next norm in one pass. x, d (B, C). */
function addNorm(x: tf.Tensor2D, d: tf.Tensor2D | null, w: tf.Tensor, eps: number): [tf.Tensor2D, tf.Tensor2D] {
  const [B, C] = x.shape;
  return produce([[B, C], [B, C]], ([sum, normed], read) => {
    const xv = read(x);
    if (d) {
      const dv = read(d);
      for (let i = 0; i < B * C; i++) sum[i] = xv[i] + dv[i];
    } else sum.set(xv);
    normInto(sum, read(w), eps, B, C, normed);
  }) as [tf.Tensor2D, tf.Tensor2D];
}

/** silu(gate) · up from the fused (B, 2I) product → (B, I). */
function swiglu(gu: tf.Tensor2D): tf.Tensor2D {
  const [B, I2] = gu.shape;
  const I = I2 / 2;
  return produceOne([B, I], (out, read) => {
    const v = read(gu);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < I; i++) {
        const g = v[b * I2 + i];
        out[b * I + i] = (g / (1 + Math.exp(-g))) * v[b * I2 + I + i];
      }
    }
  }) as tf.Tensor2D;
}

interface AttendArgs {
  c: LlamaConfig;
  past: number; // S − 1 cached positions
  positions: number[]; // this row's rotary position, per row
  kOld?: tf.Tensor4D; // (B, KV, past, D)
  vOld?: tf.Tensor4D;
  keyMask?: tf.Tensor2D; // (B, S)
}

/**
 * From the fused q|k|v row (B, H·D + 2·KV·D): rotary on q and k, the new k and v appended to the
 * cache, then softmax(q kᵀ/√D + mask) v for each head → attention output (B, H·D) and the caches
 * (B, KV, S, D). Query head h reads key/value head ⌊h / (H/KV)⌋.
 */
function attend(qkv: tf.Tensor2D, a: AttendArgs): [tf.Tensor2D, tf.Tensor4D, tf.Tensor4D] {
  const { c, past } = a;
  const B = qkv.shape[0];
  const W = qkv.shape[1];
  const H = c.numAttentionHeads;
  const KV = c.numKeyValueHeads;
  const D = c.hiddenSize / H;
  const G = H / KV;
  const S = past + 1;
  const half = D / 2;
  const scale = 1 / Math.sqrt(D);
  const invFreq = Array.from({ length: half }, (_, i) => Math.pow(c.ropeTheta, (-2 * i) / D));
  return produce([[B, H * D], [B, KV, S, D], [B, KV, S, D]], ([att, kNew, vNew], read) => {
    const src = read(qkv);
    const kOld = a.kOld ? read(a.kOld) : null;
    const vOld = a.vOld ? read(a.vOld) : null;
    const mask = a.keyMask ? read(a.keyMask) : null;
    const cos = new Float32Array(half); // rounded to float32 once, as rope.ts's tables are
    const sin = new Float32Array(half);
    const qr = new Float64Array(D);
    const scores = new Float64Array(S);
    // rotate_half: (x1, x2) → (x1 cos − x2 sin, x2 cos + x1 sin) for the row at `from` into `to`.
    const rope = (from: Float32Array, f: number, to: Float32Array | Float64Array, t: number) => {
      for (let i = 0; i < half; i++) {
        const x1 = from[f + i];
        const x2 = from[f + i + half];
        to[t + i] = x1 * cos[i] - x2 * sin[i];
        to[t + i + half] = x2 * cos[i] + x1 * sin[i];
      }
    };
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < half; i++) {
        cos[i] = Math.cos(a.positions[b] * invFreq[i]);
        sin[i] = Math.sin(a.positions[b] * invFreq[i]);
      }
      const row = b * W;
      for (let kv = 0; kv < KV; kv++) {
        const base = (b * KV + kv) * S * D; // this head's (S, D) block in the new cache
        if (kOld && vOld) {
          kNew.set(kOld.subarray((b * KV + kv) * past * D, (b * KV + kv + 1) * past * D), base);
          vNew.set(vOld.subarray((b * KV + kv) * past * D, (b * KV + kv + 1) * past * D), base);
        }
        rope(src, row + H * D + kv * D, kNew, base + past * D);
        vNew.set(src.subarray(row + (H + KV) * D + kv * D, row + (H + KV) * D + (kv + 1) * D), base + past * D);
      }
      for (let h = 0; h < H; h++) {
        const base = (b * KV + Math.floor(h / G)) * S * D;
        rope(src, row + h * D, qr, 0);
        let max = -Infinity;
        for (let s = 0; s < S; s++) {
          let dot = 0;
          for (let j = 0; j < D; j++) dot += qr[j] * kNew[base + s * D + j];
          scores[s] = dot * scale + (mask ? (1 - mask[b * S + s]) * NEG : 0);
          if (scores[s] > max) max = scores[s];
        }
        let total = 0;
        for (let s = 0; s < S; s++) total += scores[s] = Math.exp(scores[s] - max);
        const o = b * H * D + h * D;
        for (let j = 0; j < D; j++) att[o + j] = 0;
        for (let s = 0; s < S; s++) {
          const pr = scores[s] / total;
          for (let j = 0; j < D; j++) att[o + j] += pr * vNew[base + s * D + j];
        }
      }
    }
  }) as [tf.Tensor2D, tf.Tensor4D, tf.Tensor4D];
}

/** forward() for ids (B, 1) after opts.cache (if any): logits (B, 1, V) and the cache extended by one. */
export function decodeStep(p: Params, c: LlamaConfig, ids: tf.Tensor2D, wt: TransposedWeights, opts: ForwardOptions): { logits: tf.Tensor3D; cache: KVCache } {
  const [B, T] = ids.shape;
  if (T !== 1) throw new Error(`decodeStep: one new position per row, got ${T}`);
  const past = opts.cache?.length ?? 0;
  const positions = Array.from({ length: B }, (_, b) => past - (opts.positionOffsets?.[b] ?? 0));
  const w = (l: number, leaf: string) => p.get(layerName(l, leaf))!;
  const mat = (name: string) => wt.get(name)!;
  const mm = (a: tf.Tensor2D, name: string) => tf.matMul(a, mat(name)) as tf.Tensor2D; // (B, in) @ (in, out)
  const eps = c.rmsNormEps;
  const newK: tf.Tensor4D[] = [];
  const newV: tf.Tensor4D[] = [];
  const logits = tf.tidy(() => {
    const x0 = takeRows(p.get(EMBED) as tf.Tensor2D, tf.reshape(ids, [B])); // (B, C)
    let [x, xn] = addNorm(x0, null, w(0, 'input_layernorm.weight'), eps);
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const qkv = mm(xn, layerName(l, FUSED_QKV)); // (B, H·D + 2·KV·D)
      const [att, k, v] = attend(qkv, { c, past, positions, kOld: opts.cache?.k[l], vOld: opts.cache?.v[l], keyMask: opts.keyMask });
      newK.push(tf.keep(k));
      newV.push(tf.keep(v));
      [x, xn] = addNorm(x, mm(att, layerName(l, 'self_attn.o_proj.weight')), w(l, 'post_attention_layernorm.weight'), eps);
      const down = mm(swiglu(mm(xn, layerName(l, FUSED_GATE_UP))), layerName(l, 'mlp.down_proj.weight')); // (B, C)
      const next = l + 1 < c.numHiddenLayers ? w(l + 1, 'input_layernorm.weight') : p.get(FINAL_NORM)!;
      [x, xn] = addNorm(x, down, next, eps);
    }
    return tf.reshape(mm(xn, c.tieWordEmbeddings ? EMBED : LM_HEAD), [B, 1, c.vocabSize]) as tf.Tensor3D;
  });
  return { logits, cache: { k: newK, v: newV, length: past + 1 } };
}
