// Cross-entropy with a hand-written gradient, for the wasm fast path: the plain path's logSoftmax
// gradient and its (N·V) scatter were ~10% of a wasm step, and it takes exp over (N, V) twice.
// Same value as plain.ts's crossEntropy (checked against it in fast-path.test.ts):
//   forward:  z = logits − max (N, V); e = exp z; s = Σ_v e (N, 1); loss_i = log s_i − z[i, y_i]
//   backward: dlogits = (e / s − onehot(y)) · dy / (N for 'mean'), reusing the saved e and s.
import * as tf from '@tensorflow/tfjs-core';

/** logits (N, V), targets (N) → the mean (or summed) token loss, a scalar. */
export function crossEntropyFast(logits: tf.Tensor2D, targets: Int32Array, reduction: 'mean' | 'sum'): tf.Scalar {
  const [N, V] = logits.shape;
  const flat = tf.tensor2d(
    targets.map((y, i) => i * V + y),
    [N, 1],
    'int32',
  ); // (N, 1) row·V + target
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, idx, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const z = tf.sub(x, tf.max(x, -1, true)); // (N, V)
    const e = tf.exp(z);
    const s = tf.sum(e, -1, true); // (N, 1)
    const picked = tf.gather(tf.reshape(z, [N * V]), tf.reshape(idx, [N])); // (N)
    const losses = tf.sub(tf.reshape(tf.log(s), [N]), picked); // (N)
    save([e, s, idx]);
    return {
      value: reduction === 'sum' ? tf.sum(losses) : tf.mean(losses),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [es, ss, ids] = saved;
        const coef = reduction === 'sum' ? (dy as tf.Tensor) : tf.div(dy as tf.Tensor, N);
        const onehot = tf.reshape(tf.scatterND(ids, tf.ones([N]), [N * V]), [N, V]);
        return [tf.mul(tf.sub(tf.div(es, ss), onehot), coef), tf.zerosLike(ids)];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  const loss = f(logits, flat) as tf.Scalar;
  flat.dispose();
  return loss;
}
