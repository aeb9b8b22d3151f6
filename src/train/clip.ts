// Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_: scale every gradient by
// min(1, max_norm / (‖g‖₂ + 1e-6)). Returns the clipped gradients and the norm before clipping.
import * as tf from '@tensorflow/tfjs-core';

export async function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): Promise<{ grads: Map<string, tf.Tensor>; norm: number }> {
  const sq = tf.tidy(() => tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const norm = Math.sqrt((await sq.data())[0]);
  sq.dispose();
  if (!(maxNorm > 0) || !Number.isFinite(norm)) return { grads, norm };
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, norm };
  const out = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) {
    out.set(k, tf.mul(g, coef));
    g.dispose();
  }
  return { grads: out, norm };
}
