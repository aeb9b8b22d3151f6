// The comparison the kernel and fast-path tests share: the largest |a − b| over the largest |b|, so
// one number says how far a whole tensor (logits, a gradient) is from its reference.
import type * as tf from '@tensorflow/tfjs-core';

/** Relative error of arrays; a NaN anywhere makes it Infinity. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relErr: lengths ${a.length} and ${b.length} differ`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

/** relErr of two tensors, which must have the same shape. */
export async function tensorRelErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  if (a.shape.join() !== b.shape.join())
    throw new Error(`tensorRelErr: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  return relErr(await a.data(), await b.data());
}
