// One optimizer step: loss and gradients of a batch, global-norm clipping, AdamW, and one read-back.
import * as tf from '@tensorflow/tfjs-core';
import { scalarConst } from '../kernels/constants';
// tfjs-core ships gradient functions separately (the @tensorflow/tfjs bundle registers them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { LlamaConfig } from '../model/config';
import type { Variables } from '../model/params';
import type { AdamW } from './adamw';
import { GATE, gatesOnDevice, stepGate, sumSquares } from '../kernels/ops';
import { clipBySquaredNorm } from './clip';
import { batchLoss, type Batch, type LossReduction, type Training } from './loss';

export interface StepResult {
  loss: number;
  gradNorm: number;
  applied: boolean; // false when the loss or gradients were not finite and the update was skipped
}

/**
 * Loss and gradients of every trainable variable (the caller disposes the gradients): all of them
 * for Full fine-tuning, the adapters for LoRA (a frozen base variable gets no gradient at all).
 * `training` turns on the adapters' dropout, seeded (see loss.ts).
 */
export function lossAndGrads(
  params: Variables,
  config: LlamaConfig,
  batch: Batch,
  reduction: LossReduction = 'mean',
  poison = false,
  training?: Training,
): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  // poison: a fault drill — the loss times NaN, so the real non-finite path (NaN gradients, skip) runs.
  const f = () =>
    poison
      ? (tf.mul(batchLoss(params, config, batch, reduction, training), Number.NaN) as tf.Scalar)
      : batchLoss(params, config, batch, reduction, training);
  const trainable = [...params].filter(([, v]) => v.trainable);
  if (trainable.length === 0) throw new Error('lossAndGrads: no trainable parameter');
  // tf.variableGrads, less one upload a step: it seeds the backward with a fresh ones(), a new CPU
  // scalar (on WebGPU a staging buffer); a kept constant 1 is the same value already on the device.
  const { value, grads } = tf.engine().gradients(
    f,
    trainable.map(([, v]) => v),
    scalarConst(1),
    true, // a variable the loss does not reach gets no gradient (undefined below), as variableGrads
  );
  if (value.rank !== 0) throw new Error(`lossAndGrads: the loss must be a scalar, got shape [${value.shape}]`);
  const byName = new Map<string, tf.Tensor>();
  for (const [i, [n]] of trainable.entries()) byName.set(n, (grads[i] ?? undefined) as tf.Tensor);
  return { loss: value as tf.Scalar, grads: byName };
}

/**
 * One optimizer step of a single replica: loss and gradients, global-norm clipping, AdamW. A
 * non-finite loss or gradient norm would poison every weight through the moments: the update is
 * skipped (applied false) and the optimizer's step count stays. One read-back a step:
 * - on webgpu (ops.gatesOnDevice) the clip coefficient and the finite flag are computed on the device
 *   (ops.stepGate), the fused update is gated by them there, and [loss, norm] is read back once
 *   after every update is queued;
 * - elsewhere loss and Σg² are read together first, and clip.ts clips on the CPU (the plain path's bits).
 */
export async function trainStep(
  params: Variables,
  config: LlamaConfig,
  batch: Batch,
  opt: AdamW,
  lr: number,
  maxGradNorm: number,
  poison = false,
  training?: Training,
): Promise<StepResult> {
  const { loss: lossT, grads } = lossAndGrads(params, config, batch, 'mean', poison, training);
  try {
    return await (gatesOnDevice() ? stepOnDevice : stepOnHost)(params, lossT, grads, opt, lr, maxGradNorm);
  } finally {
    lossT.dispose();
    for (const g of grads.values()) g.dispose();
  }
}

type Update = (
  params: Variables,
  loss: tf.Scalar,
  grads: Map<string, tf.Tensor>,
  opt: AdamW,
  lr: number,
  maxGradNorm: number,
) => Promise<StepResult>;

/** The update decided on the device, then one read-back of [loss, norm]. (Exported for its test on cpu.) */
export const stepOnDevice: Update = async (params, loss, grads, opt, lr, maxGradNorm) => {
  const gate = stepGate(loss, [...grads.values()], maxGradNorm); // (4) [loss, norm, coef, finite]
  try {
    const g = await opt.applyGated(params, grads, lr, gate);
    return { loss: g[GATE.loss], gradNorm: g[GATE.norm], applied: g[GATE.finite] === 1 };
  } finally {
    gate.dispose();
  }
};

/** Loss and Σg² read back together, then clipping and the skip decided on the CPU. (Exported for its test.) */
export const stepOnHost: Update = async (params, lossT, raw, opt, lr, maxGradNorm) => {
  const both = tf.tidy(() => tf.stack([lossT, sumSquares([...raw.values()])]));
  const [loss, sq] = await both.data();
  both.dispose();
  const { grads, norm } = clipBySquaredNorm(raw, sq, maxGradNorm);
  const applied = Number.isFinite(loss) && Number.isFinite(norm);
  try {
    if (applied) opt.apply(params, grads, lr);
  } finally {
    if (grads !== raw) for (const g of grads.values()) g.dispose(); // the clipped copies; the caller disposes raw
  }
  return { loss, gradNorm: norm, applied };
};
