// Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_: scale every gradient by
// min(1, max_norm / (‖g‖₂ + 1e-6)). clipScale is the rule; the entry points apply it to a replica's
// named tensors (clipBySquaredNorm) and to data-parallel's flat vector (flat.ts). On webgpu a single
// replica's step computes the same rule on the device instead (kernels/ops.ts stepGate), so it needs
// no read-back before its update.
import * as tf from '@tensorflow/tfjs-core';
import { sumSquares } from '../kernels/ops';

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

/**
 * Gradients clipped by their global norm √sumSquares (Σ g², read back by the caller) and that norm.
 * The gradients are returned as they are when clipScale leaves them, else as new tensors (the
 * inputs stay the caller's to dispose).
 */
export function clipBySquaredNorm(
  grads: Map<string, tf.Tensor>,
  sumSquares: number,
  maxNorm: number,
): { grads: Map<string, tf.Tensor>; norm: number } {
  const norm = Math.sqrt(sumSquares);
  const coef = clipScale(norm, maxNorm);
  if (coef === null) return { grads, norm };
  return { grads: new Map([...grads].map(([k, g]) => [k, tf.mul(g, coef)])), norm };
}

/** Clipped gradients and the norm before clipping; the inputs are disposed when they are replaced. */
export async function clipByGlobalNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): Promise<{ grads: Map<string, tf.Tensor>; norm: number }> {
  const sq = sumSquares([...grads.values()]);
  const sumSq = (await sq.data())[0];
  sq.dispose();
  const out = clipBySquaredNorm(grads, sumSq, maxNorm);
  if (out.grads !== grads) for (const g of grads.values()) g.dispose();
  return out;
}
