// The one place a backend-specific path is chosen. The model (model/llama.ts, model/generate/) and
// the loss (train/loss.ts) call these ops; each picks, per call, between
// - the hand-written WebGPU kernels (webgpu/), on the webgpu backend;
// - the XNNPACK-shaped fast path (wasm/), on wasm for passes of at least FAST_PATH_MIN_ROWS rows;
// - the plain tfjs ops (plain.ts): cpu, and the reference the other two are tested against.
// The switches are path-mode.ts's: 'auto' follows the backend, tests and benchmarks force a path.
// Each path computes the same math; which one runs never changes the ops another path would run.
// Shapes: B batch, T new positions, H heads, D head size, N rows (B·T), C width, V vocabulary.
import * as tf from '@tensorflow/tfjs-core';
import { useFastPath, useWebGPUAttention, useWebGPUKernels, useWebGPUMatmul } from './path-mode';
import * as plain from './plain';
import * as plainAdamW from './plain-adamw';
import { attentionFast } from './wasm/attention';
import { crossEntropyFast } from './wasm/cross-entropy';
import { attendRows, type RowAttention } from './wasm/decode-rows';
import { rowKernels, xWtFits, type RowKernels } from './wasm/gemv';
import { linearFast, linearFrozenFast, swapMiddle, transpose2d } from './wasm/matmul';
import { rmsNormFast } from './wasm/rmsnorm';
import { applyRopeFast } from './wasm/rope';
import { adamwUpdateWebGPU, stepGateWebGPU } from './webgpu/adamw';
import { attentionWebGPU, ATTENTION_MAX_HEAD_SIZE } from './webgpu/attention';
import { crossEntropyWebGPU } from './webgpu/cross-entropy';
import { matMulWebGPU } from './webgpu/matmul';
import { rmsNormWebGPU } from './webgpu/rmsnorm';
import { applyRopeWebGPU } from './webgpu/rope';
import { swigluWebGPU } from './webgpu/swiglu';
import { uploadWebGPU } from './webgpu/upload';

/** x (N, C) normalised by rsqrt(mean(x²) + ε), times w (C) → (N, C). */
export function rmsNorm(x: tf.Tensor2D, w: tf.Tensor, eps: number): tf.Tensor2D {
  if (useWebGPUKernels()) return rmsNormWebGPU(x, w, eps) as tf.Tensor2D;
  if (useFastPath(x.shape[0])) return rmsNormFast(x, w as tf.Tensor1D, eps);
  return plain.rmsNorm(x, w, eps) as tf.Tensor2D;
}

/** x (B, H, T, D) rotated by position; cos/sin (T, D), or per row (B, 1, T, D) (model/rope.ts). */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor2D | tf.Tensor4D, sin: tf.Tensor2D | tf.Tensor4D): tf.Tensor4D {
  if (useWebGPUKernels()) return applyRopeWebGPU(x, cos, sin);
  if (useFastPath(x.shape[0] * x.shape[2])) return applyRopeFast(x, cos, sin);
  return plain.applyRope(x, cos, sin);
}

/**
 * x (N, in) @ Wᵀ with W in Hugging Face's (out, in) layout → (N, out); wT, if given, is Wᵀ (in, out)
 * (no gradient to W). frozen: W takes no gradient (LoRA's base), so the fast path skips computing one.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor, wT?: tf.Tensor2D, frozen = false): tf.Tensor2D {
  // On webgpu every product goes through one GEMM pipeline (webgpu/matmul.ts), whatever its transposes.
  if (useWebGPUMatmul()) return matMulWebGPU(x, wT ?? w, false, !wT) as tf.Tensor2D;
  if (wT) return tf.matMul(x, wT);
  if (useFastPath(x.shape[0])) return frozen ? linearFrozenFast(x, w as tf.Tensor2D) : linearFast(x, w as tf.Tensor2D);
  return plain.linear(x, w as tf.Tensor2D);
}

/** (B·T, heads·D) rows → (B, heads, T, D). */
export function splitHeads(x: tf.Tensor2D, B: number, T: number, heads: number, D: number): tf.Tensor4D {
  const x4 = tf.reshape(x, [B, T, heads, D]) as tf.Tensor4D;
  return useFastPath(B * T) ? swapMiddle(x4) : tf.transpose(x4, [0, 2, 1, 3]);
}

/** (B, H, T, D) → (B·T, H·D) rows: splitHeads undone. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor2D {
  const [B, H, T, D] = x.shape;
  return tf.reshape(useFastPath(B * T) ? swapMiddle(x) : tf.transpose(x, [0, 2, 1, 3]), [B * T, H * D]) as tf.Tensor2D;
}

/**
 * A batch array (ids, labels, row indices) as a tensor: on WebGPU written into a pooled device buffer
 * (no staging buffer created per step), elsewhere tf.tensor.
 */
export function batchTensor(values: Int32Array | Float32Array, shape: number[], dtype: 'int32' | 'float32'): tf.Tensor {
  return useWebGPUKernels() ? uploadWebGPU(values, shape, dtype) : tf.tensor(values, shape, dtype);
}

/** SwiGLU's gate: silu(gate) · up, gate and up (N, I) → (N, I). */
export function swigluGate(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  if (useWebGPUKernels()) return swigluWebGPU(gate, up); // one dispatch forward, two backward
  return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D;
}

/** softmax(q kᵀ/√D + mask) v: q (B, H, T, D), k and v (B, KV, S, D), mask (B or 1, 1, T, S) → (B, H, T, D). */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  // The fused kernel only where path-mode.ts says it wins (for now: when forced 'on').
  if (useWebGPUAttention(q.shape[3], ATTENTION_MAX_HEAD_SIZE)) return attentionWebGPU(q, k, v, mask);
  if (useFastPath(q.shape[0] * q.shape[2])) return attentionFast(q, k, v, mask);
  return plain.attention(q, k, v, mask, useWebGPUMatmul() ? matMulWebGPU : tf.matMul);
}

/** Mean (or summed) cross-entropy over targets: logits (N, V), targets (N) → scalar. */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array, reduction: 'mean' | 'sum' = 'mean'): tf.Scalar {
  if (logits.shape[0] !== targets.length)
    throw new Error(`crossEntropy: ${logits.shape[0]} logit rows but ${targets.length} targets`);
  if (useWebGPUKernels()) return crossEntropyWebGPU(logits, targets, reduction); // one fused kernel each way
  if (useFastPath()) return crossEntropyFast(logits, targets, reduction);
  return plain.crossEntropy(logits, targets, reduction);
}

// Generation (model/generate/): weights laid out once for a whole call, and the one-token step.

/**
 * Whether generation should lay every weight out as Wᵀ (in, out) once (decode-weights.ts): on the
 * wasm fast path, where a product with a transposed operand takes tfjs-wasm's scalar loop.
 */
export const wantsTransposedWeights = (): boolean => useFastPath();

/** W (R, C) → Wᵀ (C, R), no gradient: a cache-blocked copy (tfjs-wasm's Transpose kernel is slow), exact on every backend. */
export const transposeWeight = (w: tf.Tensor2D): tf.Tensor2D => transpose2d(w);

/**
 * Rows up to which the GEMV kernel beats XNNPACK: one. XNNPACK on one thread was ~1.7× faster than
 * it at two rows (Node), and it splits wider products over the wasm threads.
 */
const GEMV_MAX_ROWS = 1;

export type { RowKernels, RowAttention };

/**
 * The GEMV kernels when a `rows`-row decode step should read (out, in) weights of these shapes where
 * they lie (on the wasm fast path, one row, shapes the kernel takes), else null: the step then goes
 * through tf.matMul on fused pre-transposed weights.
 */
export function inPlaceDecodeKernels(rows: number, shapes: Array<[number, number]>): RowKernels | null {
  if (rows > GEMV_MAX_ROWS || !useFastPath()) return null;
  const k = rowKernels();
  return k !== null && shapes.every(([n, kk]) => xWtFits(n, kk)) ? k : null;
}

// The decode step's other row passes (one implementation each; productInPlace takes the kernels
// inPlaceDecodeKernels handed out), exported here so the model reaches every kernel through this file.
export { addNorm, productInPlace, swiglu } from './wasm/decode-rows';

/**
 * Rotary, cache append and attention for one new position per row from the fused q|k|v row
 * (B, H·D + 2·KV·D) → attention output (B, H·D) and the extended caches (B, KV, S, D). The
 * products go through the GEMV kernels on wasm (head size a multiple of 4), else JavaScript loops.
 */
export function decodeAttention(qkv: tf.Tensor2D, a: RowAttention): [tf.Tensor2D, tf.Tensor4D, tf.Tensor4D] {
  return attendRows(a.headDim % 4 === 0 ? rowKernels() : null, qkv, a);
}

// The optimizer step (train/step.ts, train/adamw.ts): the step gate (4) [loss, ‖g‖, clip
// coefficient, finite] and AdamW's update of one tensor, fused on webgpu (webgpu/adamw.ts),
// plain tfjs ops elsewhere (plain-adamw.ts, the reference).

export type { AdamWStep } from './plain-adamw';
export { GATE, sumSquares } from './plain-adamw';

/**
 * Whether a single replica's step should decide clipping and skipping on the device and read its
 * loss and norm back once at the end (webgpu: a read-back stalls the GPU), rather than read them
 * first and decide on the CPU (cpu, wasm: a read there is a copy, and the plain ops keep their bits).
 */
export const gatesOnDevice = (): boolean => useWebGPUKernels();

/** The step gate (4) of a loss (scalar) and the gradients, on the device; maxNorm ≤ 0: no clipping. */
export function stepGate(loss: tf.Scalar, grads: readonly tf.Tensor[], maxNorm: number): tf.Tensor1D {
  if (useWebGPUKernels()) return stepGateWebGPU(loss, grads, maxNorm);
  return tf.tidy(() => plainAdamW.stepGate(loss, plainAdamW.sumSquares(grads), maxNorm));
}

/** AdamW on p, m, v in place from g (one dispatch on webgpu); gate (4): clip by it, skip when not finite. */
export function adamwUpdate(
  p: tf.Variable,
  g: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  s: plainAdamW.AdamWStep,
  gate?: tf.Tensor1D,
): void {
  if (useWebGPUKernels()) adamwUpdateWebGPU(p, g, m, v, s, gate);
  else plainAdamW.adamwUpdate(p, g, m, v, s, gate);
}
