// Causal-LM loss over supervised positions only. Labels are aligned to positions
// (labels[t] is the token the logits at t should predict; IGNORE_INDEX elsewhere), so only the
// summary rows go through lm_head: with 512-token articles and 64-token summaries that skips ~90%
// of the (N, V) logits work.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../model/config';
import { hiddenStates, lmHead } from '../model/llama';
import type { Params } from '../model/params';
import { takeRows } from '../kernels/take-rows';
import { batchTensor, crossEntropy } from '../kernels/ops';
import type { Batch as CollatedBatch } from '../data/batching';
import { IGNORE_INDEX } from '../core/example';

export type Batch = Pick<CollatedBatch, 'ids' | 'labels' | 'batchSize' | 'seqLen'>;

/**
 * 'mean' over the batch's supervised tokens (single replica), or their 'sum': data-parallel ranks
 * add sums of token losses and divide once by the global token count, so shards with unequal
 * token counts weigh every token alike.
 */
export type LossReduction = 'mean' | 'sum';

/** Positions with a label, and their labels. */
export function supervised(batch: Batch): { rows: Int32Array; targets: Int32Array } {
  const rows: number[] = [];
  const targets: number[] = [];
  batch.labels.forEach((y, i) => {
    if (y !== IGNORE_INDEX) {
      rows.push(i);
      targets.push(y);
    }
  });
  return { rows: Int32Array.from(rows), targets: Int32Array.from(targets) };
}

/**
 * A training pass (as opposed to evaluation): LoRA dropout on, its masks drawn from `dropoutSeed`
 * (a pure function of the run's seed, the step, the rank and the micro-batch — see trainer.ts), so
 * a resumed run draws the same masks. Absent: no dropout.
 */
export interface Training {
  dropoutSeed: number;
}

/** Loss of a batch (call inside tf.variableGrads / tf.tidy). Throws if no position is supervised. */
export function batchLoss(
  p: Params,
  c: LlamaConfig,
  batch: Batch,
  reduction: LossReduction = 'mean',
  training?: Training,
): tf.Scalar {
  const { rows, targets } = supervised(batch);
  if (rows.length === 0) throw new Error('batch has no supervised tokens (every label is masked)');
  const ids = batchTensor(batch.ids, [batch.batchSize, batch.seqLen], 'int32') as tf.Tensor2D; // (B, T)
  const { h } = hiddenStates(p, c, ids, {
    dropoutSeed: training?.dropoutSeed,
  });
  const hs = takeRows(
    tf.reshape(h, [batch.batchSize * batch.seqLen, c.hiddenSize]),
    batchTensor(rows, [rows.length], 'int32') as tf.Tensor1D,
  ); // (N, C)
  return crossEntropy(lmHead(p, c, hs), targets, reduction);
}
