// Causal-LM loss over supervised positions only. Labels are aligned to positions
// (labels[t] is the token the logits at t should predict; IGNORE_INDEX elsewhere), so only the
// summary rows go through lm_head: with 512-token articles and 64-token summaries that skips ~90%
// of the (N, V) logits work.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../model/config';
import { hiddenStates, lmHead } from '../model/llama';
import type { Params } from '../model/params';
import { takeRows } from '../kernels/take-rows';
import { useFastPath } from '../kernels/wasm/fast-path';
import { useWebGPUKernels } from '../kernels/webgpu/kernels';
import { crossEntropyWebGPU } from '../kernels/webgpu/cross-entropy';
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
 * Mean (or summed) cross-entropy over targets: logits (N, V), targets (N) → scalar. The target log-probs are
 * picked with a row lookup on the flattened (N·V, 1) table, not a one-hot product: cheaper, and
 * tfjs-wasm's OneHot writes int32 bits into a float32 tensor (1 reads as 1.4e-45).
 */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array, reduction: LossReduction = 'mean'): tf.Scalar {
  if (logits.shape[0] !== targets.length) throw new Error(`crossEntropy: ${logits.shape[0]} logit rows but ${targets.length} targets`);
  if (useWebGPUKernels()) return crossEntropyWebGPU(logits, targets, reduction); // one fused kernel each way
  if (useFastPath()) return crossEntropyFused(logits, targets, reduction);
  return tf.tidy(() => {
    const [N, V] = logits.shape;
    const logp = tf.logSoftmax(logits, -1); // (N, V)
    const flat = tf.tensor1d(targets.map((y, i) => i * V + y), 'int32'); // (N) row·V + target
    const picked = takeRows(tf.reshape(logp, [N * V, 1]), flat); // (N, 1)
    return tf.neg(reduction === 'sum' ? tf.sum(picked) : tf.mean(picked)) as tf.Scalar;
  });
}

/** Loss of a batch (call inside tf.variableGrads / tf.tidy). Throws if no position is supervised. */
export function batchLoss(p: Params, c: LlamaConfig, batch: Batch, reduction: LossReduction = 'mean'): tf.Scalar {
  const { rows, targets } = supervised(batch);
  if (rows.length === 0) throw new Error('batch has no supervised tokens (every label is masked)');
  const { h } = hiddenStates(p, c, tf.tensor2d(batch.ids, [batch.batchSize, batch.seqLen], 'int32'));
  const hs = takeRows(tf.reshape(h, [batch.batchSize * batch.seqLen, c.hiddenSize]), tf.tensor1d(rows, 'int32')); // (N, C)
  return crossEntropy(lmHead(p, c, hs), targets, reduction);
}

/**
 * The same loss with a hand-written gradient, for the wasm fast path: the plain path's logSoftmax
 * gradient and its (N·V) scatter were ~10% of a wasm step, and it takes exp over (N, V) twice.
 * Forward: z = logits − max (N, V); e = exp z; s = Σ_v e (N, 1); loss_i = log s_i − z[i, y_i].
 * Backward: dlogits = (e / s − onehot(y)) · dy / (N for 'mean'), reusing the saved e and s.
 */
function crossEntropyFused(logits: tf.Tensor2D, targets: Int32Array, reduction: LossReduction): tf.Scalar {
  const [N, V] = logits.shape;
  const flat = tf.tensor2d(targets.map((y, i) => i * V + y), [N, 1], 'int32'); // (N, 1) row·V + target
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, idx, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const z = tf.sub(x, tf.max(x, -1, true)); // (N, V)
    const e = tf.exp(z);
    const s = tf.sum(e, -1, true); // (N, 1)
    const picked = tf.gather(tf.reshape(z, [N * V]), tf.reshape(idx, [N])); // (N)
    const losses = tf.sub(tf.reshape(tf.log(s), [N]), picked); // (N)
    save([e, s, idx]);
    return {
      value: reduction === 'sum' ? tf.sum(losses) : tf.mean(losses),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [es, ss, ids] = saved;
        const coef = reduction === 'sum' ? (dy as tf.Tensor) : tf.div(dy as tf.Tensor, N);
        const onehot = tf.reshape(tf.scatterND(ids, tf.ones([N]), [N * V]), [N, V]);
        return [tf.mul(tf.sub(tf.div(es, ss), onehot), coef), tf.zerosLike(ids)];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  const loss = f(logits, flat) as tf.Scalar;
  flat.dispose();
  return loss;
}
