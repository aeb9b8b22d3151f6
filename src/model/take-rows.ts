// Row lookup table[indices] with a gradient on every backend. tfjs-wasm has no kernel for the
// gradient of gather (UnsortedSegmentSum), so there the lookup is a one-hot matmul instead.
import * as tf from '@tensorflow/tfjs-core';

/** table (R, C), indices (N) int32 → (N, C). */
export function takeRows(table: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.gather(table, indices);
  return tf.tidy(() => tf.matMul(tf.oneHot(indices, table.shape[0], 1, 0, 'float32'), table));
}
