// The default way to try a batch: one real forward + backward on the current tfjs backend, where an
// allocation failure throws. The batch is the worst case the training data can produce, so a size
// that passes here fits every batch of the run; tensors the size of the AdamW moments (of the
// trainable tensors: the adapters under LoRA) are held meanwhile, since the real step keeps them too.
import * as tf from '@tensorflow/tfjs-core';
import { collate, type Batch } from '../../data/batching';
import { IGNORE_INDEX, type Example } from '../../core/example';
import type { LlamaConfig } from '../../model/config';
import type { Variables } from '../../model/params';
import { lossAndGrads } from '../step';
import type { TryBatch } from './search';

export interface ProbeContext {
  config: LlamaConfig;
  params: Variables;
  train: readonly Example[];
  padId: number;
}

/**
 * One synthetic row at least as costly as any training row: the longest example's ids (the padded
 * length of any batch is at most this), with as many supervised positions as the most supervised
 * example (the lm_head rows of any batch are at most B times this).
 */
export function worstCaseExample(examples: readonly Example[]): Example {
  if (examples.length === 0) throw new Error('auto batch size: no training examples to probe with');
  let longest = examples[0];
  let maxSupervised = 1;
  for (const e of examples) {
    if (e.inputIds.length > longest.inputIds.length) longest = e;
    maxSupervised = Math.max(
      maxSupervised,
      e.labels.reduce((n, y) => n + (y === IGNORE_INDEX ? 0 : 1), 0),
    );
  }
  const T = longest.inputIds.length;
  const n = Math.min(maxSupervised, T);
  const labels = longest.inputIds.map((_, t) => (t >= T - n ? longest.inputIds[(t + 1) % T] : IGNORE_INDEX));
  return { inputIds: longest.inputIds.slice(), labels };
}

/** b copies of worstCaseExample, collated. */
export function worstCaseBatch(examples: readonly Example[], b: number, padId: number): Batch {
  const row = worstCaseExample(examples);
  return collate(
    Array.from({ length: b }, () => row),
    padId,
  );
}

/** Tensors a failed gradient computation left on tfjs's tape (it keeps them until a backward pass ends). */
function disposeAbandonedTape(): void {
  try {
    const state = tf.engine().state;
    if (state.gradientDepth === 0 && state.activeTape) {
      for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
      state.activeTape = null as unknown as typeof state.activeTape;
    }
  } catch {
    // internals moved: nothing to clean, at worst the failed probe's tensors leak
  }
}

/**
 * One forward + backward on `batch`, while tensors the size of the AdamW moments are held (the
 * training step keeps them too); everything is disposed before it returns or throws. Resolves with
 * the bytes tfjs held at the end of the step beyond what it held before.
 */
export async function probeBatch(ctx: ProbeContext, batch: Batch): Promise<{ peakBytes: number }> {
  const before = tf.memory().numBytes;
  const held: tf.Tensor[] = [];
  try {
    // Moments exist for trainable tensors only: all of them (Full), the adapters (LoRA).
    for (const v of ctx.params.values()) if (v.trainable) held.push(tf.zerosLike(v), tf.zerosLike(v));
    const { loss, grads } = lossAndGrads(ctx.params, ctx.config, batch);
    held.push(loss, ...grads.values());
    await loss.data(); // waits for the work: a deferred failure shows up here
    return { peakBytes: tf.memory().numBytes - before };
  } catch (e) {
    disposeAbandonedTape();
    throw e;
  } finally {
    for (const t of held) t.dispose();
  }
}

/** The default probe: a worst-case batch of size b through probeBatch, on whatever backend is current. */
export function stepProbe(ctx: ProbeContext): TryBatch {
  return (b) => probeBatch(ctx, worstCaseBatch(ctx.train, b, ctx.padId));
}
