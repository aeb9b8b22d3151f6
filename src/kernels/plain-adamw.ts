// The optimizer step's element-wise parts as plain tfjs ops: the reference the fused WebGPU kernels
// (webgpu/adamw.ts) are checked against, and the path every other backend runs (ops.ts chooses).
//
// AdamW, torch.optim.AdamW's update of one parameter tensor (decoupled weight decay, bias
// correction, ε outside the square root), in this operation order (zero.ts's adamwFloat32 repeats it
// bit for bit on float32 arrays):
//   p ← p·(1 − lr·wd);  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
//   p ← p − (m / (√(v / (1−β2ᵗ)) + ε)) · (lr / (1−β1ᵗ))
//
// The step gate: what a single replica's step decides from its loss and gradient norm, kept on the
// device so the step needs no read-back before its update (train/step.ts): a (4) float32 tensor
//   [loss, ‖g‖₂, clip coefficient min(1, max/(‖g‖₂ + 1e-6)), finite (1 when loss and ‖g‖² are finite, else 0)]
// An update given a gate scales g by its coefficient and leaves p, m and v untouched when it is not finite.
import * as tf from '@tensorflow/tfjs-core';

/** Slots of the step gate (4). */
export const GATE = { loss: 0, norm: 1, coef: 2, finite: 3 } as const;
export const GATE_SIZE = 4;

/** One AdamW update's scalars. */
export interface AdamWStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number; // this tensor's: 0 when it does not decay
  step: number; // t, counting this update (bias corrections 1 − βᵗ)
}

/** The float32 scalars both paths multiply by, from one update's settings. */
export function adamwScalars(s: AdamWStep): {
  bc2: number;
  stepSize: number;
  keep: number;
} {
  if (!(Number.isInteger(s.step) && s.step >= 1)) throw new Error(`AdamW: step must be an integer ≥ 1, got ${s.step}`);
  return {
    bc2: 1 - Math.pow(s.beta2, s.step),
    stepSize: s.lr / (1 - Math.pow(s.beta1, s.step)),
    keep: 1 - s.lr * s.weightDecay,
  };
}

/**
 * AdamW on p with gradient g and moments m, v (all one shape), assigned in place. With a gate, g is
 * scaled by its clip coefficient and nothing changes when it says the step is not finite.
 */
export function adamwUpdate(
  p: tf.Variable,
  g: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  s: AdamWStep,
  gate?: tf.Tensor1D,
): void {
  const { beta1, beta2, eps, weightDecay } = s;
  const { bc2, stepSize, keep } = adamwScalars(s);
  tf.tidy(() => {
    const gc = gate ? tf.mul(g, tf.reshape(tf.slice(gate, GATE.coef, 1), [])) : g;
    const m1 = tf.add(tf.mul(m, beta1), tf.mul(gc, 1 - beta1));
    const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(gc), 1 - beta2));
    const decayed = weightDecay > 0 ? tf.mul(p, keep) : p;
    const denom = tf.add(tf.sqrt(tf.div(v1, bc2)), eps);
    const p1 = tf.sub(decayed, tf.mul(tf.div(m1, denom), stepSize));
    if (!gate) {
      m.assign(m1);
      v.assign(v1);
      p.assign(p1);
      return;
    }
    // Select, never multiply: NaN · 0 is NaN.
    const ok = tf.broadcastTo(tf.cast(tf.slice(gate, GATE.finite, 1), 'bool'), p.shape);
    m.assign(tf.where(ok, m1, m));
    v.assign(tf.where(ok, v1, v));
    p.assign(tf.where(ok, p1, p));
  });
}

/** Whether x is neither NaN nor ±∞ (tf.isFinite, element-wise). */
const finite = (x: tf.Tensor) => tf.isFinite(x);

/** The step gate (4) from the loss and the sum of squared gradients, both scalars on the device. */
export function stepGate(loss: tf.Scalar, sumSquares: tf.Scalar, maxNorm: number): tf.Tensor1D {
  return tf.tidy(() => {
    const norm = tf.sqrt(sumSquares);
    const coef = maxNorm > 0 ? tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
    const ok = tf.cast(tf.logicalAnd(finite(loss), finite(sumSquares)), 'float32');
    return tf.stack([loss, norm, coef, ok]) as tf.Tensor1D;
  });
}

/** Σ g² over every tensor (the squared global norm), a scalar on the device. */
export function sumSquares(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() =>
    grads.length === 0 ? tf.scalar(0) : (tf.addN(grads.map((g) => tf.sum(tf.square(g)))) as tf.Scalar),
  );
}
