// One new position per row (T = 1) on top of a KV cache, for generation on the wasm fast path: about
// 8 tfjs ops per layer instead of ~35. A one-row step is bound by op dispatch and by streaming the
// weights, not by arithmetic (the small preset's projections are ~4M multiply-adds per token, its
// attention over 96 cached positions ~50k), so the row-sized pieces run as single JavaScript passes
// on the wasm heap (kernels/wasm/decode-rows.ts, through kernels/ops.ts): RMSNorm (fused with the
// residual add), rotary + cache append + attention, SwiGLU. The products fill q|k|v as one
// (B, H·D + 2·KV·D) row and gate|up as one (B, 2I):
// - one row (greedy search): kernels/wasm/gemv.ts's SIMD loop on the weights as they lie, on this thread;
// - more rows (batches, beams): tf.matMul on the fused, pre-transposed matrices of decode-weights.ts,
//   which XNNPACK runs on every wasm thread.
// Same math as hiddenStates + lmHead, checked against them in decode-step.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../config';
import { FUSED_GATE_UP, FUSED_QKV, type TransposedWeights } from './decode-weights';
import type { ForwardOptions, KVCache } from '../llama';
import { EMBED, FINAL_NORM, LM_HEAD, layerName, type Params } from '../params';
import { takeRows } from '../../kernels/take-rows';
import {
  addNorm,
  decodeAttention,
  inPlaceDecodeKernels,
  productInPlace,
  swiglu,
  type RowKernels,
} from '../../kernels/ops';

/** The GEMV kernels when `rows`-row steps read the weights as they lie (kernels/ops.ts decides), else null. */
const inPlaceKernels = (c: LlamaConfig, rows: number) =>
  inPlaceDecodeKernels(rows, [
    [c.vocabSize, c.hiddenSize],
    [c.hiddenSize, c.intermediateSize],
  ]);

/** Whether `rows`-row steps take the GEMV kernel (weights as they lie; no transposed copies needed): on the wasm fast path. */
export function decodesInPlace(c: LlamaConfig, rows: number): boolean {
  return inPlaceKernels(c, rows) !== null;
}

const hasFused = (t: TransposedWeights | undefined) => t !== undefined && t.has(layerName(0, FUSED_QKV));

/** Whether decodeStep can run a `rows`-row step: in place, or with the fused transposed weights. */
export function canDecodeStep(c: LlamaConfig, rows: number, t: TransposedWeights | undefined): boolean {
  // The fused products read base weights only: a LoRA model decodes merged (lora.ts's withMergedLora).
  if (c.lora) return false;
  return decodesInPlace(c, rows) || hasFused(t);
}

/**
 * x (B, in) times the named (out, in) weights side by side → (B, Σ out): one fused product.
 * In place (`kernel` given): it fills each weight's columns of the output row; else the fused
 * transposed matrix `fused` (in, Σ out) goes through tf.matMul.
 */
function product(
  p: Params,
  wt: TransposedWeights | undefined,
  kernel: RowKernels | null,
  x: tf.Tensor2D,
  names: string[],
  fused: string,
): tf.Tensor2D {
  if (!kernel) return tf.matMul(x, wt!.get(fused)!) as tf.Tensor2D;
  return productInPlace(
    kernel,
    x,
    names.map((n) => p.get(n)!),
  );
}

/** forward() for ids (B, 1) after opts.cache (if any): logits (B, 1, V) and the cache extended by one. */
export function decodeStep(
  p: Params,
  c: LlamaConfig,
  ids: tf.Tensor2D,
  wt: TransposedWeights | undefined,
  opts: ForwardOptions,
): { logits: tf.Tensor3D; cache: KVCache } {
  const [B, T] = ids.shape;
  if (T !== 1) throw new Error(`decodeStep: one new position per row, got ${T}`);
  // The kernels when this step reads the weights in place, else null: tf.matMul on the fused ones.
  const kernel = inPlaceKernels(c, B);
  if (!kernel && !hasFused(wt))
    throw new Error(
      `decodeStep: ${B} row(s) need the fused transposed weights (decode-weights.ts), and none were given`,
    );
  const past = opts.cache?.length ?? 0;
  const positions = Array.from({ length: B }, (_, b) => past - (opts.positionOffsets?.[b] ?? 0));
  const w = (l: number, leaf: string) => p.get(layerName(l, leaf))!;
  const mm = (a: tf.Tensor2D, names: string[], fused = names[0]) => product(p, wt, kernel, a, names, fused); // (B, in) → (B, Σ out)
  const leaves = (l: number, ...ls: string[]) => ls.map((leaf) => layerName(l, leaf));
  const eps = c.rmsNormEps;
  const heads = {
    heads: c.numAttentionHeads,
    kvHeads: c.numKeyValueHeads,
    headDim: c.hiddenSize / c.numAttentionHeads,
    ropeTheta: c.ropeTheta,
  };
  const newK: tf.Tensor4D[] = [];
  const newV: tf.Tensor4D[] = [];
  const logits = tf.tidy(() => {
    const x0 = takeRows(p.get(EMBED) as tf.Tensor2D, tf.reshape(ids, [B])); // (B, C)
    let [x, xn] = addNorm(x0, null, w(0, 'input_layernorm.weight'), eps);
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const qkv = mm(
        xn,
        leaves(l, 'self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'self_attn.v_proj.weight'),
        layerName(l, FUSED_QKV),
      ); // (B, H·D + 2·KV·D)
      const [att, k, v] = decodeAttention(qkv, {
        ...heads,
        past,
        positions,
        kOld: opts.cache?.k[l],
        vOld: opts.cache?.v[l],
        keyMask: opts.keyMask,
      });
      newK.push(tf.keep(k));
      newV.push(tf.keep(v));
      [x, xn] = addNorm(x, mm(att, leaves(l, 'self_attn.o_proj.weight')), w(l, 'post_attention_layernorm.weight'), eps);
      const gateUp = mm(xn, leaves(l, 'mlp.gate_proj.weight', 'mlp.up_proj.weight'), layerName(l, FUSED_GATE_UP)); // (B, 2I)
      const down = mm(swiglu(gateUp), leaves(l, 'mlp.down_proj.weight')); // (B, C)
      const next = l + 1 < c.numHiddenLayers ? w(l + 1, 'input_layernorm.weight') : p.get(FINAL_NORM)!;
      [x, xn] = addNorm(x, down, next, eps);
    }
    return tf.reshape(mm(xn, [c.tieWordEmbeddings ? EMBED : LM_HEAD]), [B, 1, c.vocabSize]) as tf.Tensor3D;
  });
  return { logits, cache: { k: newK, v: newV, length: past + 1 } };
}
