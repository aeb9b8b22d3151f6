// The row-sized passes of generation's one-token decode step (model/generate/decode-step.ts), as
// JavaScript on the wasm heap (heap.ts) plus gemv.ts's SIMD products: a one-row step is bound by op
// dispatch and by streaming the weights, not by arithmetic, so RMSNorm (fused with the residual
// add), rotary + cache append + attention, and SwiGLU each run as one pass instead of several tfjs
// ops. Same math as plain.ts's ops, checked against the plain forward in decode-step.test.ts.
// Shapes: B rows, C width, H query heads, KV key/value heads, D head size, S attended positions.
import * as tf from '@tensorflow/tfjs-core';
import { xWInto, xWtInto, type RowKernels } from './gemv';
import { produce, produceOne } from './heap';

const NEG = -1e9; // the additive mask value of the model's attention mask

/**
 * x (B, in) times (out, in) weights side by side → (B, Σ out), read where they lie: the kernel fills
 * each weight's columns of the output row.
 */
export function productInPlace(kernel: RowKernels, x: tf.Tensor2D, ws: tf.Tensor[]): tf.Tensor2D {
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
export function addNorm(x: tf.Tensor2D, d: tf.Tensor2D | null, w: tf.Tensor, eps: number): [tf.Tensor2D, tf.Tensor2D] {
  const [B, C] = x.shape;
  return produce(
    [
      [B, C],
      [B, C],
    ],
    ([sum, normed], read) => {
      const xv = read(x);
      if (d) {
        const dv = read(d);
        for (let i = 0; i < B * C; i++) sum[i] = xv[i] + dv[i];
      } else sum.set(xv);
      normInto(sum, read(w), eps, B, C, normed);
    },
  ) as [tf.Tensor2D, tf.Tensor2D];
}

/** silu(gate) · up from the fused (B, 2I) product → (B, I). */
export function swiglu(gu: tf.Tensor2D): tf.Tensor2D {
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

export interface RowAttention {
  heads: number; // H
  kvHeads: number; // KV
  headDim: number; // D
  ropeTheta: number;
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
 * append and the softmax are row-sized JavaScript passes; the two products go through `kern`
 * (gemv.ts's kernels; as JavaScript loops they were a third of a decode step in Chromium), or
 * JavaScript loops where it is null.
 */
export function attendRows(
  kern: RowKernels | null,
  qkv: tf.Tensor2D,
  a: RowAttention,
): [tf.Tensor2D, tf.Tensor4D, tf.Tensor4D] {
  const { past } = a;
  const B = qkv.shape[0];
  const W = qkv.shape[1];
  const H = a.heads;
  const KV = a.kvHeads;
  const D = a.headDim;
  const G = H / KV;
  const S = past + 1;
  const half = D / 2;
  const scale = 1 / Math.sqrt(D);
  const invFreq = Array.from({ length: half }, (_, i) => Math.pow(a.ropeTheta, (-2 * i) / D));
  // The 4th output is scratch on the heap, where the kernels can reach it: one group's rotated
  // queries (G, D), then its scores and probabilities (G, S).
  const outs = produce(
    [[B, H * D], [B, KV, S, D], [B, KV, S, D], [G * (D + S)]],
    ([att, kNew, vNew, scratch], read) => {
      const src = read(qkv);
      const kOld = a.kOld ? read(a.kOld) : null;
      const vOld = a.vOld ? read(a.vOld) : null;
      const mask = a.keyMask ? read(a.keyMask) : null;
      const q = scratch.subarray(0, G * D);
      const pr = scratch.subarray(G * D);
      const cos = new Float32Array(half); // rounded to float32 once, as model/rope.ts's tables are
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
          mixInto(
            kern,
            vNew.subarray(base, base + S * D),
            pr,
            G,
            att.subarray((b * H + kv * G) * D, (b * H + (kv + 1) * G) * D),
          ); // (G, D)
        }
      }
    },
  );
  outs[3].dispose();
  return outs.slice(0, 3) as [tf.Tensor2D, tf.Tensor4D, tf.Tensor4D];
}
