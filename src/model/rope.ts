// Rotary position embeddings, Hugging Face layout: each head's vector is split in halves
// (x1, x2) and rotated as (x1 cos − x2 sin, x2 cos + x1 sin) with inv_freq[i] = θ^(−2i/D).
// (llama2.c rotates interleaved pairs instead; its loader permutes q/k rows to this layout.)
import * as tf from '@tensorflow/tfjs-core';

/** cos and sin tables for absolute positions [start, start + T): each (T, D). */
export function ropeTables(start: number, T: number, D: number, theta: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = D / 2;
  const cos = new Float32Array(T * D);
  const sin = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      // Angles in float64 then rounded once, as the numpy reference does.
      const ang = (start + t) * Math.pow(theta, (-2 * i) / D);
      const c = Math.cos(ang);
      const s = Math.sin(ang);
      cos[t * D + i] = c;
      cos[t * D + i + half] = c;
      sin[t * D + i] = s;
      sin[t * D + i + half] = s;
    }
  }
  return { cos: tf.tensor2d(cos, [T, D]), sin: tf.tensor2d(sin, [T, D]) };
}

/** x (B, H, T, D) rotated by position; cos/sin (T, D) broadcast over B and H. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const D = x.shape[3];
    const [x1, x2] = tf.split(x, [D / 2, D / 2], 3); // (B, H, T, D/2) each
    const rotated = tf.concat([tf.neg(x2), x1], 3); // rotate_half(x)
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
  });
}
