// Weights transposed once for a whole generation call on the wasm fast path. tfjs-wasm sends a
// matmul with a transposed operand to its scalar loop, and linear() keeps Hugging Face's (out, in)
// layout, so a decode step (one row per sequence, below the fast path's row threshold) spent ~30% of
// its time there; the fast path itself would transpose every weight on every step. Generation never
// changes the weights, so each (out, in) matrix is laid out as (in, out) once and every step's
// x (N, in) @ Wᵀ becomes the untransposed 2-D product XNNPACK takes.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../config';
import { EMBED, layerName, type Params } from '../params';
import { transposeWeight, wantsTransposedWeights } from '../../kernels/ops';

/** name → Wᵀ (in, out) for every weight linear() reads, plus the fused pairs decode-step.ts reads. */
export type TransposedWeights = Map<string, tf.Tensor2D>;

// Per-layer leaves of the fused matrices (under layerName): [q | k | v]ᵀ (C, H·D + 2·KV·D) and
// [gate | up]ᵀ (C, 2I), so a decode step makes one product where the layer has two or three.
export const FUSED_QKV = 'self_attn.qkv_proj.weightT';
export const FUSED_GATE_UP = 'mlp.gate_up_proj.weightT';

/** The transposed weights when the fast path is on (wasm, or forced), else undefined; free with disposeTransposed. */
export function transposedWeights(p: Params, c: LlamaConfig): TransposedWeights | undefined {
  if (!wantsTransposedWeights()) return undefined;
  const out: TransposedWeights = new Map();
  for (const [name, w] of p) {
    // Every 2-D parameter is a linear weight, except the embedding table unless it is also the lm_head.
    if (w.rank !== 2 || (name === EMBED && !c.tieWordEmbeddings)) continue;
    out.set(
      name,
      tf.tidy(() => transposeWeight(w as tf.Tensor2D)),
    );
  }
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const t = (leaf: string) => out.get(layerName(l, leaf))!;
    out.set(
      layerName(l, FUSED_QKV),
      tf.concat([t('self_attn.q_proj.weight'), t('self_attn.k_proj.weight'), t('self_attn.v_proj.weight')], 1),
    );
    out.set(layerName(l, FUSED_GATE_UP), tf.concat([t('mlp.gate_proj.weight'), t('mlp.up_proj.weight')], 1));
  }
  return out;
}

export function disposeTransposed(wt: TransposedWeights | undefined): void {
  if (wt) for (const t of wt.values()) t.dispose();
}

/**
 * Runs f with the transposed weights for its whole length and frees them after, however f ends.
 * `needed` false skips them (f gets undefined): a single sequence's one-row steps read the weights
 * in place (decode-step.ts) and its prompt pass transposes on the fly, at the same cost.
 */
export async function withTransposedWeights<R>(
  p: Params,
  c: LlamaConfig,
  f: (wt: TransposedWeights | undefined) => Promise<R>,
  needed = true,
): Promise<R> {
  const wt = needed ? transposedWeights(p, c) : undefined;
  try {
    return await f(wt);
  } finally {
    disposeTransposed(wt);
  }
}
