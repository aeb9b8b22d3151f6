// Gradient accumulation on one rank: its shard of the global batch, cut into micro-batches, each
// contributing the gradient of the SUM of its token losses to one flat accumulator. Sums (not
// means) are what add up across micro-batches and ranks: dividing once by the global token count
// afterwards gives the mean over every supervised token of the global batch, however it was split.
// One replica divides its own sums (meanGradients); replicas all-reduce them first (data-parallel.ts).
import type { Example } from '../core/example';
import { collate } from '../data/batching';
import type { LlamaConfig } from '../model/config';
import type { Variables } from '../model/params';
import { shardRange } from '../collectives/sampler';
import { addTensorsInto, type FlatLayout } from './flat';
import { lossAndGrads } from './step';
import type { Training } from './loss';
import { mixSeeds } from '../model/lora';

export interface LocalGradients {
  grad: Float32Array; // (P) Σ over this rank's supervised tokens of ∂loss_token/∂θ, layout order
  lossSum: number; // Σ of this rank's token losses
  tokens: number; // this rank's supervised tokens (labels != IGNORE_INDEX)
}

/** The mean token gradient and loss of a batch: what the optimizer step clips and applies. */
export interface MeanGradient {
  grad: Float32Array; // (P) mean over the batch's supervised tokens, layout order
  loss: number; // mean token loss
  tokens: number; // supervised tokens in the batch
}

/** A rank's dropout seed from the step's (every rank draws its own masks). */
export const rankSeed = (t: Training, rank: number) => mixSeeds(t.dropoutSeed, rank);
/** A micro-batch's dropout seed from its rank's. */
export const microSeed = (rankDropoutSeed: number, micro: number) => mixSeeds(rankDropoutSeed, micro);

/** Rank's contiguous part of a batch (src/collectives/sampler.ts's split). */
export const shardOf = <T>(indices: readonly T[], rank: number, world: number): T[] => {
  const { start, end } = shardRange(indices.length, rank, world);
  return indices.slice(start, end);
};

/** indices cut into `steps` contiguous micro-batches, sizes differing by at most 1 (some empty when steps > length). */
export function microBatches<T>(indices: readonly T[], steps: number): T[][] {
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`accumulationSteps must be a positive integer, got ${steps}`);
  return Array.from({ length: steps }, (_, s) => shardOf(indices, s, steps));
}

/**
 * Summed-loss gradients of examples[indices], over `accumulationSteps` micro-batches, added into
 * `into` (zeroed first; a fresh array when omitted). A micro-batch with no supervised token (or no
 * example) is skipped: its gradient is zero, and batchLoss would refuse it.
 */
export async function accumulateGradients(
  params: Variables,
  config: LlamaConfig,
  layout: FlatLayout,
  examples: readonly Example[],
  indices: readonly number[],
  accumulationSteps: number,
  padId: number,
  into?: Float32Array,
  training?: Training, // this rank's (rankSeed): each micro-batch mixes in its index
): Promise<LocalGradients> {
  const grad = into ?? new Float32Array(layout.total);
  grad.fill(0);
  let lossSum = 0;
  let tokens = 0;
  for (const [k, micro] of microBatches(indices, accumulationSteps).entries()) {
    if (micro.length === 0) continue;
    const batch = collate(
      micro.map((i) => {
        const e = examples[i];
        if (!e) throw new Error(`accumulateGradients: example index ${i} is out of range (0..${examples.length - 1})`);
        return e;
      }),
      padId,
    ); // (b, T) padded to this micro-batch's longest example
    if (batch.tokens === 0) continue;
    const { loss, grads } = lossAndGrads(
      params,
      config,
      batch,
      'sum',
      false,
      training && { dropoutSeed: microSeed(training.dropoutSeed, k) },
    );
    try {
      await addTensorsInto(layout, grads, grad);
      lossSum += (await loss.data())[0];
    } finally {
      loss.dispose();
      for (const g of grads.values()) g?.dispose();
    }
    tokens += batch.tokens;
  }
  return { grad, lossSum, tokens };
}

/**
 * One replica's whole batch, accumulated over micro-batches and divided by its token count, in
 * `into` (its length is the layout's). The same bits as reduceGradients in a group of one: its
 * all-reduce leaves one rank's sums as they are, and its loss sum passes through a float32 slot.
 * poison (a fault drill) makes the gradient and loss NaN, so the step is skipped.
 */
export async function meanGradients(
  params: Variables,
  config: LlamaConfig,
  layout: FlatLayout,
  examples: readonly Example[],
  indices: readonly number[],
  accumulationSteps: number,
  padId: number,
  into: Float32Array,
  poison = false,
  training?: Training,
): Promise<MeanGradient> {
  const { grad, lossSum, tokens } = await accumulateGradients(
    params,
    config,
    layout,
    examples,
    indices,
    accumulationSteps,
    padId,
    into,
    training,
  );
  if (poison) grad[0] = Number.NaN;
  if (tokens === 0) throw new Error('global batch has no supervised tokens (every label is masked)');
  for (let i = 0; i < grad.length; i++) grad[i] /= tokens;
  return { grad, loss: (poison ? Number.NaN : Math.fround(lossSum)) / tokens, tokens };
}
