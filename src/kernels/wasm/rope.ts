// Rotary embeddings for the wasm fast path: the same math as plain.ts's applyRope, with the
// rotate_half product and its gradient both as untransposed 2-D matmuls (tfjs's own matMul gradient
// would send dY · Rᵀ to tfjs-wasm's scalar fallback).
import * as tf from '@tensorflow/tfjs-core';
import { matMulConst } from './matmul';

/** rotate_half as a (D, D) signed permutation R: x R = concat(−x2, x1); Rᵀ = −R. */
function rotateHalf(D: number, sign: 1 | -1): tf.Tensor2D {
  const half = D / 2;
  const r = new Float32Array(D * D);
  for (let i = 0; i < half; i++) {
    r[(i + half) * D + i] = -sign; // out[i] = −x[i + D/2]
    r[i * D + i + half] = sign; // out[i + D/2] = x[i]
  }
  return tf.tensor2d(r, [D, D]);
}

/** x (B, H, T, D) rotated by position; cos/sin (T, D), or per row (B, 1, T, D). */
export function applyRopeFast(
  x: tf.Tensor4D,
  cos: tf.Tensor2D | tf.Tensor4D,
  sin: tf.Tensor2D | tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, T, D] = x.shape;
    const rotated = tf.reshape(matMulConst(tf.reshape(x, [B * H * T, D]), rotateHalf(D, 1), rotateHalf(D, -1)), [
      B,
      H,
      T,
      D,
    ]);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
  });
}
