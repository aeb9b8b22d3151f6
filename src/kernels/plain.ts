// The plain path: each op as stock tfjs ops and their built-in gradients. It is what the cpu backend
// runs, and the reference the wasm fast path (wasm/) and the WebGPU kernels (webgpu/) are tested
// against; ops.ts chooses between the three. Shapes: B batch, H heads, KV key/value heads, T new
// positions, S attended positions, D head size, N rows, C width, V vocabulary.
import * as tf from '@tensorflow/tfjs-core';
import { scalarConst } from './constants';
import { takeRows } from './take-rows';

/** x (…, C) · rsqrt(mean(x²) + ε) · w (C) → (…, C). */
export function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true); // (…, 1)
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w);
  });
}

/** tf.matMul's contract: a (…, M, K) · b (…, K, N), either transposed first. */
export type MatMul = (a: tf.Tensor, b: tf.Tensor, transposeA?: boolean, transposeB?: boolean) => tf.Tensor;

/** x (N, in) @ Wᵀ with W in Hugging Face's (out, in) layout → (N, out). */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(x, w, false, true);
}

/**
 * rotate_half as a (D, D) signed permutation: x R = concat(−x2, x1). One small matmul instead of
 * split + neg + concat, which were ~17% of a tiny model's step on the cpu backend.
 */
function rotateHalfMatrix(D: number): tf.Tensor2D {
  const half = D / 2;
  const r = new Float32Array(D * D);
  for (let i = 0; i < half; i++) {
    r[(i + half) * D + i] = -1; // out[i] = −x[i + D/2]
    r[i * D + i + half] = 1; // out[i + D/2] = x[i]
  }
  return tf.tensor2d(r, [D, D]);
}

/**
 * Rotary embedding, Hugging Face layout (model/rope.ts builds the tables): x (B, H, T, D) rotated by
 * position; cos/sin (T, D) broadcast over B and H, or per row (B, 1, T, D).
 */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor2D | tf.Tensor4D, sin: tf.Tensor2D | tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, T, D] = x.shape;
    const rotated = tf.reshape(tf.matMul(tf.reshape(x, [B * H * T, D]), rotateHalfMatrix(D)), [B, H, T, D]);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
  });
}

/**
 * softmax(q kᵀ/√D + mask) v: q (B, H, T, D), k and v (B, KV, S, D), mask (B or 1, 1, T, S) → (B, H, T, D).
 * Grouped-query attention without repeat_kv: query head h = kv·G + g reads key/value head kv, and
 * those G heads are adjacent, so q regroups as (B, KV, G·T, D) by a reshape and both products are
 * batched over (B, KV). A repeat_kv tile of the cache was ~27% of a decode step on wasm.
 */
export function attention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor4D,
  matMul: MatMul = tf.matMul, // ops.ts passes the WebGPU GEMM (same contract) on webgpu
): tf.Tensor4D {
  const [B, H, T, D] = q.shape;
  const [, KV, S] = k.shape;
  const scale = 1 / Math.sqrt(D);
  const G = H / KV;
  const raw = tf.reshape(matMul(tf.reshape(q, [B, KV, G * T, D]), k, false, true), [B, H, T, S]); // (B, H, T, S)
  const probs = tf.softmax(tf.add(tf.mul(raw, scalarConst(scale)), mask), -1);
  return tf.reshape(matMul(tf.reshape(probs, [B, KV, G * T, S]), v), [B, H, T, D]) as tf.Tensor4D; // (B, H, T, D)
}

/**
 * Mean (or summed) cross-entropy over targets: logits (N, V), targets (N) → scalar. The target
 * log-probs are picked with a row lookup on the flattened (N·V, 1) table, not a one-hot product:
 * cheaper, and tfjs-wasm's OneHot writes int32 bits into a float32 tensor (1 reads as 1.4e-45).
 */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array, reduction: 'mean' | 'sum' = 'mean'): tf.Scalar {
  return tf.tidy(() => {
    const [N, V] = logits.shape;
    const logp = tf.logSoftmax(logits, -1); // (N, V)
    const flat = tf.tensor1d(
      targets.map((y, i) => i * V + y),
      'int32',
    ); // (N) row·V + target
    const picked = takeRows(tf.reshape(logp, [N * V, 1]), flat); // (N, 1)
    return tf.neg(reduction === 'sum' ? tf.sum(picked) : tf.mean(picked)) as tf.Scalar;
  });
}
