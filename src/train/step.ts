// One optimizer step: loss and gradients of a batch, global-norm clipping, AdamW.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core ships gradient functions separately (the @tensorflow/tfjs bundle registers them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { LlamaConfig } from '../model/config';
import type { Variables } from '../model/params';
import type { AdamW } from './adamw';
import { clipByGlobalNorm } from './clip';
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
  const { value, grads } = tf.variableGrads(
    f,
    trainable.map(([, v]) => v),
  );
  const byName = new Map<string, tf.Tensor>();
  for (const [n, v] of trainable) byName.set(n, grads[v.name]); // tfjs keys gradients by its own variable names
  return { loss: value, grads: byName };
}

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
  const { loss: lossT, grads: raw } = lossAndGrads(params, config, batch, 'mean', poison, training);
  const loss = (await lossT.data())[0];
  lossT.dispose();
  const { grads, norm } = await clipByGlobalNorm(raw, maxGradNorm);
  // A non-finite loss or gradient would poison every weight through the moments: skip the update.
  const applied = Number.isFinite(loss) && Number.isFinite(norm);
  if (applied) opt.apply(params, grads, lr);
  for (const g of grads.values()) g.dispose();
  return { loss, gradNorm: norm, applied };
}
