// The model shapes the bench trains: the studio's presets and the fixed reference workload,
// plus seeded random batches for them.
import { PRESETS, configFor, countParams, type LlamaConfig, type PresetName } from '../model/config';
import { PEFT_LLAMA_DEFAULT_TARGETS, type LoraConfig } from '../model/lora-config';
import type { WorkloadName } from './types';
import { mulberry32 } from '../core/prng';
import type { Batch } from '../train/loss';

/**
 * The fixed reference workload (the same model in PyTorch 1.13 on this machine's CPU trains at
 * ~1,770 tokens/s): d_model 256, 4 layers, 4 heads, 2 KV heads, SwiGLU 688, vocabulary 4096,
 * sequence 256, batch 8, fp32, AdamW — 4,999,424 parameters. Written out in full on purpose: the
 * 'small' preset has the same layer shapes but TIES its embeddings (3,950,848 parameters) and a
 * longer context, and a preset may change; this must not.
 */
export const REFERENCE_CONFIG: LlamaConfig = Object.freeze({
  vocabSize: 4096,
  hiddenSize: 256,
  intermediateSize: 688,
  numHiddenLayers: 4,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 256,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: false,
});
export const REFERENCE_BATCH = 8;
export const REFERENCE_SEQ = 256;

/**
 * HuggingFaceTB/SmolLM2-135M's shape (its config.json), with random weights: d 576, 30 layers,
 * 9 heads / 3 KV heads, SwiGLU 1536, vocabulary 49152, tied embeddings — 134,515,008 parameters.
 * Trained at T 512, the length a summarization example of the studio's pretrained path runs at.
 */
export const SMOLLM2_135M_CONFIG: LlamaConfig = Object.freeze({
  vocabSize: 49152,
  hiddenSize: 576,
  intermediateSize: 1536,
  numHiddenLayers: 30,
  numAttentionHeads: 9,
  numKeyValueHeads: 3,
  maxPositionEmbeddings: 8192,
  rmsNormEps: 1e-5,
  ropeTheta: 100000,
  tieWordEmbeddings: true,
});
export const SMOLLM2_SEQ = 512;

// What of it fits tfjs-wasm's 4 GiB heap (wasm32), measured in Node on the same fast path: at T 512
// one step's peak of engine-tracked tensors is ~8.3 GB under LoRA and ~8.6 GB under Full (the 2-
// and 4-layer models at T 512, extrapolated to 30 layers: ~250 MB a layer, the autodiff tape's
// activations, attention's (9, T, T) scores among them). LoRA at T 256 peaks at ~3.5 GB of tensors.
// Full holds weights, gradients and AdamW moments (2.15 GB) before any activation, and its first
// step at T 64 leaves the heap at ~3.9 GB (AdamW's temporaries on the 113 MB tied embedding, the
// clip's squared gradients): a second step does not fit, so its first step is the measurement.
export const SMOLLM2_WASM_LORA_SEQ = 256;
export const SMOLLM2_WASM_FULL_SEQ = 64;

/** The bench's LoRA: r 8 on PEFT's Llama targets (q_proj, v_proj), alpha 16, no dropout (steps stay comparable). */
export const BENCH_LORA: LoraConfig = Object.freeze({
  r: 8,
  alpha: 16,
  dropout: 0,
  targetModules: [...PEFT_LLAMA_DEFAULT_TARGETS],
});

export function describeReference(): string {
  const c = REFERENCE_CONFIG;
  return `Llama d${c.hiddenSize}/${c.numHiddenLayers}L/${c.numAttentionHeads}H/${c.numKeyValueHeads}KV/SwiGLU ${c.intermediateSize}/V${c.vocabSize}/T${REFERENCE_SEQ}/B${REFERENCE_BATCH}, untied, fp32, AdamW: ${countParams(c).toLocaleString('en-US')} parameters`;
}

/** How the 'small' preset differs from the reference (the preset may drift; the reference may not). */
export function smallVsReferenceNote(): string {
  const small = workloadConfig('small');
  const r = REFERENCE_CONFIG;
  const diffs = (Object.keys(r) as (keyof LlamaConfig)[])
    .filter((k) => small[k] !== r[k])
    .map((k) => `${k} ${String(small[k])} vs ${String(r[k])}`);
  return diffs.length === 0
    ? 'the small preset equals the reference model'
    : `the small preset differs from the reference model in ${diffs.join(', ')} (${countParams(small).toLocaleString('en-US')} vs ${countParams(r).toLocaleString('en-US')} parameters); the reference config is explicit`;
}

export function workloadConfig(name: WorkloadName): LlamaConfig {
  if (name === 'reference') return { ...REFERENCE_CONFIG };
  if (name === 'smollm2-135m') return { ...SMOLLM2_135M_CONFIG };
  const p = PRESETS[name];
  return configFor(p, p.vocabSize);
}

/** The preset's real example length (source + summary), the sequence a studio run trains on. */
export function presetSeqLen(name: PresetName): number {
  const p = PRESETS[name];
  return p.maxSourceLength + p.maxTargetLength;
}

/**
 * Random token ids (B, T) and labels at EVERY position (the next id; a fresh draw for the last),
 * so lm_head runs over all B·T rows and the FLOP count is exactly the formula's.
 */
export function randomBatch(vocab: number, batch: number, seqLen: number, seed: number): Batch {
  const rand = mulberry32(seed);
  const n = batch * seqLen;
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = Math.floor(rand() * vocab);
  const labels = new Int32Array(n);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      labels[i] = t + 1 < seqLen ? ids[i + 1] : Math.floor(rand() * vocab);
    }
  }
  return { ids, labels, batchSize: batch, seqLen };
}
