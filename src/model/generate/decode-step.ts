// One new position per row (T = 1) on top of a KV cache, for generation on the wasm fast path: about
// 8 tfjs ops per layer instead of ~35. A one-row step is bound by op dispatch and by streaming the
// weights, not by arithmetic (the small preset's projections are ~4M multiply-adds per token, its
// attention over 96 cached positions ~50k), so the row-sized pieces run as single JavaScript passes
// on the wasm heap (wasm-heap.ts): RMSNorm (fused with the residual add), rotary + cache append +
// attention, SwiGLU. The products fill q|k|v as one (B, H·D + 2·KV·D) row and gate|up as one (B, 2I):
// - one row (greedy search): wasm-gemv.ts's SIMD loop on the weights as they lie, on this thread;
// - more rows (batches, beams): tf.matMul on the fused, pre-transposed matrices of decode-weights.ts,
//   which XNNPACK runs on every wasm thread.
// Same math as hiddenStates + lmHead, checked against them in decode-step.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../config';
import { FUSED_GATE_UP, FUSED_QKV, type TransposedWeights } from './decode-weights';
import type { ForwardOptions, KVCache } from '../llama';
import { EMBED, FINAL_NORM, LM_HEAD, layerName, type Params } from '../params';
import { takeRows } from '../../kernels/take-rows';
import { useFastPath } from '../../kernels/wasm/fast-path';
import { rowKernels, xWInto, xWtFits, xWtInto, type RowKernels } from '../../kernels/wasm/gemv';
import { produce, produceOne } from '../../kernels/wasm/heap';

const NEG = -1e9; // the additive mask value of llama.ts's attention

/**
 * Rows up to which the GEMV kernel beats XNNPACK: one. XNNPACK on one thread was ~1.7× faster than
 * it at two rows (Node), and it splits wider products over the wasm threads.
 */
const GEMV_MAX_ROWS = 1;

/** Whether `rows`-row steps take the GEMV kernel (weights as they lie; no transposed copies needed): on the wasm fast path. */
export function decodesInPlace(c: LlamaConfig, rows: number): boolean {
  return rows <= GEMV_MAX_ROWS && useFastPath() && rowKernels() !== null && xWtFits(c.vocabSize, c.hiddenSize) && xWtFits(c.hiddenSize, c.intermediateSize);
}

const hasFused = (t: TransposedWeights | undefined) => t !== undefined && t.has(layerName(0, FUSED_QKV));

/** Whether decodeStep can run a `rows`-row step: in place, or with the fused transposed weights. */
export function canDecodeStep(c: LlamaConfig, rows: number, t: TransposedWeights | undefined): boolean {
  return decodesInPlace(c, rows) || hasFused(t);
}

/**
 * x (B, in) times the named (out, in) weights side by side → (B, Σ out): one fused product.
 * In place (`kernel` given): it fills each weight's columns of the output row; else the fused
 * transposed matrix `fused` (in, Σ out) goes through tf.matMul.
 */
function product(p: Params, wt: TransposedWeights | undefined, kernel: RowKernels | null, x: tf.Tensor2D, names: string[], fused: string): tf.Tensor2D {
  if (!kernel) return tf.matMul(x, wt!.get(fused)!) as tf.Tensor2D;
  const ws = names.map((n) => p.get(n)!);
  const B = x.shape[0];
  const width = ws.reduce((a, w) => a + w.shape[0], 0);
  return produceOne([B, width], (out, read) => {
    const xv = read(x);
    let col = 0;
    for (const w of ws) {
      xWtInto(kernel, read(w), xv, B, out.subarray(col), width);
      col += w.shape[0];
    }
  }) as tf.Tensor2D;
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

/** out (G, S) = q (G, D) · kᵀ for one KV head's keys k (S, D): the kernel on wasm, a loop elsewhere. */
function scoresInto(kern: RowKernels | null, k: Float32Array, q: Float32Array, G: number, out: Float32Array): void {
  if (kern) return xWtInto(kern, k, q, G, out, out.length / G);
  const D = q.length / G;
  const S = k.length / D;
  for (let g = 0; g < G; g++)
    for (let s = 0; s < S; s++) {
      let dot = 0;
      for (let j = 0; j < D; j++) dot += q[g * D + j] * k[s * D + j];
      out[g * S + s] = dot;
    }
}

/** out (G, D) = p (G, S) · v (S, D) for one KV head's values: the kernel on wasm, a loop elsewhere. */
function mixInto(kern: RowKernels | null, v: Float32Array, p: Float32Array, G: number, out: Float32Array): void {
  const S = p.length / G;
  const D = v.length / S;
  if (kern) return xWInto(kern, v, p, G, out, D);
  for (let g = 0; g < G; g++)
    for (let j = 0; j < D; j++) {
      let sum = 0;
      for (let s = 0; s < S; s++) sum += p[g * S + s] * v[s * D + j];
      out[g * D + j] = sum;
    }
}

/**
 * From the fused q|k|v row (B, H·D + 2·KV·D): rotary on q and k, the new k and v appended to the
 * cache, then softmax(q kᵀ/√D + mask) v for each head → attention output (B, H·D) and the caches
 * (B, KV, S, D). Query head h reads key/value head ⌊h / (H/KV)⌋, so the G = H/KV query heads of a
 * group go through its key and value blocks as one G-row product each way. Rotary, the cache
 * append and the softmax are row-sized JavaScript passes; the two products are wasm-gemv.ts's
 * kernels on wasm (in JavaScript they were a third of a decode step in Chromium).
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
  const kern = D % 4 === 0 ? rowKernels() : null;
  // The 4th output is scratch on the heap, where the kernels can reach it: one group's rotated
  // queries (G, D), then its scores and probabilities (G, S).
  const outs = produce([[B, H * D], [B, KV, S, D], [B, KV, S, D], [G * (D + S)]], ([att, kNew, vNew, scratch], read) => {
    const src = read(qkv);
    const kOld = a.kOld ? read(a.kOld) : null;
    const vOld = a.vOld ? read(a.vOld) : null;
    const mask = a.keyMask ? read(a.keyMask) : null;
    const q = scratch.subarray(0, G * D);
    const pr = scratch.subarray(G * D);
    const cos = new Float32Array(half); // rounded to float32 once, as rope.ts's tables are
    const sin = new Float32Array(half);
    // rotate_half: (x1, x2) → (x1 cos − x2 sin, x2 cos + x1 sin) for the row at `from` into `to`.
    const rope = (from: Float32Array, f: number, to: Float32Array, t: number) => {
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
        for (let g = 0; g < G; g++) rope(src, row + (kv * G + g) * D, q, g * D);
        scoresInto(kern, kNew.subarray(base, base + S * D), q, G, pr); // (G, S)
        for (let g = 0; g < G; g++) {
          const o = g * S;
          let max = -Infinity;
          for (let s = 0; s < S; s++) {
            const x = pr[o + s] * scale + (mask ? (1 - mask[b * S + s]) * NEG : 0);
            pr[o + s] = x;
            if (x > max) max = x;
          }
          let total = 0;
          for (let s = 0; s < S; s++) total += pr[o + s] = Math.exp(pr[o + s] - max);
          for (let s = 0; s < S; s++) pr[o + s] /= total;
        }
        mixInto(kern, vNew.subarray(base, base + S * D), pr, G, att.subarray((b * H + kv * G) * D, (b * H + (kv + 1) * G) * D)); // (G, D)
      }
    }
  });
  outs[3].dispose();
  return outs.slice(0, 3) as [tf.Tensor2D, tf.Tensor4D, tf.Tensor4D];
}

/** forward() for ids (B, 1) after opts.cache (if any): logits (B, 1, V) and the cache extended by one. */
export function decodeStep(p: Params, c: LlamaConfig, ids: tf.Tensor2D, wt: TransposedWeights | undefined, opts: ForwardOptions): { logits: tf.Tensor3D; cache: KVCache } {
  const [B, T] = ids.shape;
  if (T !== 1) throw new Error(`decodeStep: one new position per row, got ${T}`);
  // The kernels when this step reads the weights in place, else null: tf.matMul on the fused ones.
  const kernel = decodesInPlace(c, B) ? rowKernels() : null;
  if (!kernel && !hasFused(wt)) throw new Error(`decodeStep: ${B} row(s) need the fused transposed weights (decode-weights.ts), and none were given`);
  const past = opts.cache?.length ?? 0;
  const positions = Array.from({ length: B }, (_, b) => past - (opts.positionOffsets?.[b] ?? 0));
  const w = (l: number, leaf: string) => p.get(layerName(l, leaf))!;
  const mm = (a: tf.Tensor2D, names: string[], fused = names[0]) => product(p, wt, kernel, a, names, fused); // (B, in) → (B, Σ out)
  const leaves = (l: number, ...ls: string[]) => ls.map((leaf) => layerName(l, leaf));
  const eps = c.rmsNormEps;
  const newK: tf.Tensor4D[] = [];
  const newV: tf.Tensor4D[] = [];
  const logits = tf.tidy(() => {
    const x0 = takeRows(p.get(EMBED) as tf.Tensor2D, tf.reshape(ids, [B])); // (B, C)
    let [x, xn] = addNorm(x0, null, w(0, 'input_layernorm.weight'), eps);
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const qkv = mm(xn, leaves(l, 'self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'self_attn.v_proj.weight'), layerName(l, FUSED_QKV)); // (B, H·D + 2·KV·D)
      const [att, k, v] = attend(qkv, { c, past, positions, kOld: opts.cache?.k[l], vOld: opts.cache?.v[l], keyMask: opts.keyMask });
      newK.push(tf.keep(k));
      newV.push(tf.keep(v));
      [x, xn] = addNorm(x, mm(att, leaves(l, 'self_attn.o_proj.weight')), w(l, 'post_attention_layernorm.weight'), eps);
      const gateUp = mm(xn, leaves(l, 'mlp.gate_proj.weight', 'mlp.up_proj.weight'), layerName(l, FUSED_GATE_UP)); // (B, 2I)
      const down = mm(swiglu(gateUp), leaves(l, 'mlp.down_proj.weight')); // (B, C)
      const next = l + 1 < c.numHiddenLayers ? w(l + 1, 'input_layernorm.weight') : p.get(FINAL_NORM)!;
      [x, xn] = addNorm(x, down, next, eps);
    }
    return tf.reshape(mm(xn, [c.tieWordEmbeddings ? EMBED : LM_HEAD]), [B, 1, c.vocabSize]) as tf.Tensor3D;
  });
  return { logits, cache: { k: newK, v: newV, length: past + 1 } };
}
