// Attention for the wasm fast path: the same math as plain.ts's attention, with both products as
// grouped 2-D slices (matmul.ts's bmm: no repeat_kv tile, no transposed operand, so XNNPACK takes
// every one).
import * as tf from '@tensorflow/tfjs-core';
import { bmm } from './matmul';

/** softmax(q kᵀ/√D + mask) v: q (B, H, T, D), k and v (B, KV, S, D), mask (B or 1, 1, T, S) → (B, H, T, D). */
export function attentionFast(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  const [B, H, T, D] = q.shape;
  const [, KV, S] = k.shape;
  const scale = 1 / Math.sqrt(D);
  const raw = tf.reshape(
    bmm(tf.reshape(q, [B * H, T, D]) as tf.Tensor3D, tf.reshape(k, [B * KV, S, D]) as tf.Tensor3D, true),
    [B, H, T, S],
  );
  const probs = tf.softmax(tf.add(tf.mul(raw, scale), mask), -1); // (B, H, T, S)
  const att = bmm(tf.reshape(probs, [B * H, T, S]) as tf.Tensor3D, tf.reshape(v, [B * KV, S, D]) as tf.Tensor3D); // (B·H, T, D)
  return tf.reshape(att, [B, H, T, D]) as tf.Tensor4D;
}
