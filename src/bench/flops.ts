// Model FLOPs of a training step, counted the way MFU is usually stated (PaLM appendix B,
// nanoGPT's estimate_mfu), so the studio's figures compare with other frameworks':
//   FLOPs/token = 6·N_mm + 12·L·T·d
// N_mm: weights that take part in a matmul — every linear layer plus the output projection
// (lm_head, or the tied embedding used as one). The input-embedding lookup of an untied model is a
// gather, not a matmul, so its table is left out; norm weights are elementwise and left out too.
// 6 = 2 (multiply-add) × 3 (forward, backward for activations, backward for weights).
// 12·L·T·d: q·kᵀ and att·v, 2·T·d FLOPs each per token per layer forward (T keys, full — not
// halved for the causal mask, as PaLM counts), × 3 for forward + backward.
import type { LlamaConfig } from '../model/config';
import { EMBED, paramShapes } from '../model/params';

export const FLOPS_FORMULA =
  "train FLOPs/token = 6·N_mm + 12·L·T·d (N_mm = linear + lm_head weights, input-embedding lookup excluded; attention counted over the full T, not halved for causality); MFU = FLOPs/token × tokens/s ÷ that backend's best matmul FLOP/s";

/** Weights used in matmuls per token (see file comment). */
export function matmulParams(c: LlamaConfig): number {
  let n = 0;
  for (const [name, shape] of paramShapes(c)) {
    if (shape.length !== 2) continue; // norm weights
    if (name === EMBED && !c.tieWordEmbeddings) continue; // a lookup only; lm_head is separate
    n += shape[0] * shape[1];
  }
  return n;
}

/**
 * LoRA training FLOPs per token: the frozen base runs forward and backward for activations only
 * (4·N_mm, no weight gradients), attention as in full training, and the adapters the full 6× of
 * their own (small) matmul weights.
 */
export function loraTrainFlopsPerToken(c: LlamaConfig, seqLen: number, adapterParams: number): number {
  return trainFlopsPerToken(c, seqLen) - 2 * matmulParams(c) + 6 * adapterParams;
}

/** Training FLOPs per token at sequence length T. */
export function trainFlopsPerToken(c: LlamaConfig, seqLen: number): number {
  if (!Number.isInteger(seqLen) || seqLen <= 0)
    throw new Error(`trainFlopsPerToken: seqLen must be a positive integer, got ${seqLen}`);
  return 6 * matmulParams(c) + 12 * c.numHiddenLayers * seqLen * c.hiddenSize;
}

/** FLOPs of one matmul (b, m, k) @ (b, k, n). */
export function matmulFlops(m: number, k: number, n: number, batch = 1): number {
  return 2 * batch * m * k * n;
}

/** GFLOP/s from a FLOP count and milliseconds. */
export function gflopsOf(flops: number, ms: number): number {
  if (!(ms > 0)) throw new Error(`gflopsOf: time must be positive, got ${ms} ms`);
  return flops / (ms * 1e6);
}
