// Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_: scale every gradient by
// min(1, max_norm / (‖g‖₂ + 1e-6)). clipScale is the rule; the two entry points apply it to a
// replica's named tensors (clipByGlobalNorm) and to data-parallel's flat vector (flat.ts).
import * as tf from '@tensorflow/tfjs-core';

/**
 * The factor that clips gradients of global norm `norm` to `maxNorm`, or null when they stay as they
 * are: clipping off (maxNorm ≤ 0), a non-finite norm (left for the caller's overflow handling), or a
 * norm already within the bound (torch's clamp to 1, applied by skipping the product).
 */
export function clipScale(norm: number, maxNorm: number): number | null {
  if (!(maxNorm > 0) || !Number.isFinite(norm)) return null;
  const coef = maxNorm / (norm + 1e-6);
  return coef >= 1 ? null : coef;
}

/** Clipped gradients and the norm before clipping; the inputs are disposed when they are replaced. */
export async function clipByGlobalNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): Promise<{ grads: Map<string, tf.Tensor>; norm: number }> {
  const sq = tf.tidy(() => tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const norm = Math.sqrt((await sq.data())[0]);
  sq.dispose();
  const coef = clipScale(norm, maxNorm);
  if (coef === null) return { grads, norm };
  const out = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) {
    out.set(k, tf.mul(g, coef));
    g.dispose();
  }
  return { grads: out, norm };
}
