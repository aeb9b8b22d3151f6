// Loader for llama2.c's legacy checkpoint format (seven int32 then float32 arrays), converted to
// Hugging Face names and layout. llama2.c rotates interleaved pairs (2i, 2i+1) where HF rotates
// halves (i, i + D/2), so q and k rows are permuted per head exactly as transformers'
// convert_llama_weights_to_hf.py does; the two forward passes then agree.
import type { LlamaConfig } from '../config';
import { validateConfig } from '../config';
import { EMBED, FINAL_NORM, LM_HEAD, layerName } from '../params';

export interface LoadedCheckpoint {
  config: LlamaConfig;
  weights: Map<string, Float32Array>;
  seqLen: number; // the context length it was trained with
}

const HEADER_BYTES = 28;

/** Rows of a (heads·D, in) matrix reordered per head from interleaved to half-split rotary layout. */
export function permuteRotary(w: Float32Array, heads: number, D: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++) {
    for (let r = 0; r < D; r++) {
      // new row r takes old row 2r (first half) or 2(r − D/2) + 1 (second half)
      const src = r < D / 2 ? 2 * r : 2 * (r - D / 2) + 1;
      out.set(w.subarray((h * D + src) * cols, (h * D + src + 1) * cols), (h * D + r) * cols);
    }
  }
  return out;
}

export function loadLlama2c(bytes: Uint8Array): LoadedCheckpoint {
  if (bytes.byteLength < HEADER_BYTES)
    throw new Error(`llama2.c checkpoint: file is ${bytes.byteLength} bytes, shorter than its 28-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [dim, hidden, L, H, KV, vocabSigned, seqLen] = Array.from({ length: 7 }, (_, i) => dv.getInt32(i * 4, true));
  const shared = vocabSigned > 0;
  const V = Math.abs(vocabSigned);
  const config: LlamaConfig = {
    vocabSize: V,
    hiddenSize: dim,
    intermediateSize: hidden,
    numHiddenLayers: L,
    numAttentionHeads: H,
    numKeyValueHeads: KV,
    maxPositionEmbeddings: seqLen,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    tieWordEmbeddings: shared,
  };
  try {
    validateConfig(config);
  } catch (e) {
    throw new Error(`llama2.c checkpoint: header is not a Llama shape (${(e as Error).message})`);
  }
  const D = dim / H;
  const sizes = {
    emb: V * dim,
    rms: L * dim,
    wq: L * dim * dim,
    wk: L * dim * KV * D,
    wv: L * dim * KV * D,
    wo: L * dim * dim,
    w1: L * dim * hidden,
    w2: L * hidden * dim,
    w3: L * dim * hidden,
    final: dim,
    rope: seqLen * D, // two tables of seqLen × D/2
  };
  const floats = (bytes.byteLength - HEADER_BYTES) / 4;
  const needed =
    sizes.emb +
    2 * sizes.rms +
    sizes.wq +
    sizes.wk +
    sizes.wv +
    sizes.wo +
    sizes.w1 +
    sizes.w2 +
    sizes.w3 +
    sizes.final +
    sizes.rope +
    (shared ? 0 : sizes.emb);
  if (!Number.isInteger(floats) || floats < needed) {
    throw new Error(
      `llama2.c checkpoint: header (dim ${dim}, layers ${L}, vocab ${V}) needs ${needed} float32 values, file has ${Math.floor(floats)}`,
    );
  }
  // Copy out of the file buffer (it may not be 4-byte aligned at byteOffset).
  const all = new Float32Array(bytes.slice(HEADER_BYTES, HEADER_BYTES + needed * 4).buffer);
  let off = 0;
  const take = (n: number) => all.subarray(off, (off += n));
  const emb = take(sizes.emb);
  const rmsAtt = take(sizes.rms);
  const wq = take(sizes.wq),
    wk = take(sizes.wk),
    wv = take(sizes.wv),
    wo = take(sizes.wo);
  const rmsFfn = take(sizes.rms);
  const w1 = take(sizes.w1),
    w2 = take(sizes.w2),
    w3 = take(sizes.w3);
  const final = take(sizes.final);
  take(sizes.rope); // freq_cis tables: recomputed, not stored
  const wcls = shared ? null : take(sizes.emb);

  const weights = new Map<string, Float32Array>();
  const per = (a: Float32Array, l: number, n: number) => a.slice(l * n, (l + 1) * n);
  weights.set(EMBED, emb.slice());
  for (let l = 0; l < L; l++) {
    weights.set(layerName(l, 'self_attn.q_proj.weight'), permuteRotary(per(wq, l, dim * dim), H, D, dim));
    weights.set(layerName(l, 'self_attn.k_proj.weight'), permuteRotary(per(wk, l, KV * D * dim), KV, D, dim));
    weights.set(layerName(l, 'self_attn.v_proj.weight'), per(wv, l, KV * D * dim));
    weights.set(layerName(l, 'self_attn.o_proj.weight'), per(wo, l, dim * dim));
    weights.set(layerName(l, 'mlp.gate_proj.weight'), per(w1, l, hidden * dim));
    weights.set(layerName(l, 'mlp.down_proj.weight'), per(w2, l, dim * hidden));
    weights.set(layerName(l, 'mlp.up_proj.weight'), per(w3, l, hidden * dim));
    weights.set(layerName(l, 'input_layernorm.weight'), per(rmsAtt, l, dim));
    weights.set(layerName(l, 'post_attention_layernorm.weight'), per(rmsFfn, l, dim));
  }
  weights.set(FINAL_NORM, final.slice());
  if (wcls) weights.set(LM_HEAD, wcls.slice());
  return { config, weights, seqLen };
}
