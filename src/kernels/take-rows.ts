// Row lookup table[indices] with a fast gradient on every backend. tfjs's own gradient of gather
// is UnsortedSegmentSum, which is missing on wasm and was ~85% of a tiny model's training step on
// the cpu backend (a loop over every segment). The gradient of a row lookup is a scatter-add of the
// incoming rows, which ScatterNd does in one pass (duplicate indices sum) on cpu, wasm and webgpu.
import * as tf from '@tensorflow/tfjs-core';

/** table (R, C), indices (N) int32 → (N, C). */
export function takeRows(table: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  const [R, C] = table.shape;
  // customGrad's typing spreads the inputs and the save function into one variadic list.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, idx, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([idx]);
    return {
      value: tf.gather(t, idx),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const rows = tf.reshape(saved[0], [-1, 1]); // (N, 1)
        // Indices get no gradient (int); zeros keeps customGrad's one-gradient-per-input contract.
        return [tf.scatterND(rows, dy as tf.Tensor2D, [R, C]), tf.zerosLike(saved[0])];
      },
    };
  });
  return f(table, indices) as tf.Tensor2D;
}
