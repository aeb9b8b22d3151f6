// What a bench run measures on each backend (in the worker), sized
// so the default run takes ≤ ~10 minutes on a 2-core machine. SwiftShader WebGPU runs at ~0.5
// GFLOP/s on the CPU, so WebGPU gets small matmuls and the fewest training steps.
import { PRESETS } from '../model/config';
import {
  REFERENCE_BATCH,
  REFERENCE_SEQ,
  SMOLLM2_SEQ,
  SMOLLM2_WASM_FULL_SEQ,
  SMOLLM2_WASM_LORA_SEQ,
  presetSeqLen,
} from './workloads';
import type { BackendName } from '../core/run-types';
import type { BackendPlan, BenchOptions, SectionName, TrainWorkload } from './types';

const tinySeq = presetSeqLen('tiny'); // 160

function trainPlan(backend: BackendName, o: BenchOptions): TrainWorkload[] {
  const gpu = backend === 'webgpu';
  // Tensor bytes are the same on every backend: profile them where a step is cheap.
  const profileMemory = !gpu || o.backends.length === 1;
  const w = (
    name: TrainWorkload['name'],
    batch: number,
    seqLen: number,
    warmup: number,
    timed: number,
    method: TrainWorkload['method'] = 'full',
  ): TrainWorkload => ({ name, method, batch, seqLen, warmup, timed, profileMemory });
  const out: TrainWorkload[] = [];
  // Measured here (2 cores, shared): one SwiftShader step of the tiny preset takes ~25 s and its
  // first ~2.5 min (shader compilation); a reference step takes ~70 s on wasm and ~5 min on the
  // tfjs cpu backend. The step counts below keep the default run near the brief's budget.
  if (o.quick) {
    out.push(w('tiny', 8, tinySeq, 1, gpu ? 1 : 2));
    // The reference is always measured, but in --quick only on wasm (one step takes ~1 min).
    if (backend === 'wasm') out.push(w('reference', REFERENCE_BATCH, REFERENCE_SEQ, 1, 1));
    return out.filter((t) => o.workloads.includes(t.name));
  }
  out.push(w('tiny', 8, tinySeq, 1, gpu ? 2 : 4));
  // 'small' at its real example length (512 + 64), batch 2: the studio's default run, per token.
  if (backend === 'wasm' || o.full) out.push(w('small', 2, presetSeqLen('small'), 1, o.full ? 3 : 1));
  if (o.full && backend === 'wasm') out.push(w('base', 1, presetSeqLen('base'), 1, 2));
  // The tfjs cpu backend is the last-resort fallback and ~5× slower than wasm: its reference
  // steps run with --full only.
  if (backend !== 'cpu' || o.full)
    out.push(w('reference', REFERENCE_BATCH, REFERENCE_SEQ, 1, o.full ? (gpu ? 2 : 3) : backend === 'wasm' ? 2 : 1));
  // A pretrained model's shape (SmolLM2-135M, random weights), LoRA r 8 q/v and Full, at the longest
  // T that fits tfjs-wasm's 4 GiB heap (workloads.ts SMOLLM2_WASM_*: T 512 needs ~8 GB of tensors
  // either way). Full's second step does not fit even at T 64: its first step is the measurement.
  // SwiftShader runs a 135M-parameter step in minutes: one LoRA step, at T 64 unless --full.
  if (backend === 'wasm') {
    out.push(w('smollm2-135m', 1, SMOLLM2_WASM_LORA_SEQ, 1, 1, 'lora'));
    out.push(w('smollm2-135m', 1, SMOLLM2_WASM_FULL_SEQ, 1, 0, 'full'));
  }
  if (gpu) out.push(w('smollm2-135m', 1, o.full ? SMOLLM2_SEQ : 64, 1, 0, 'lora'));
  // --workloads: only the named ones, at the sizes above (one workload can be benched alone).
  return out.filter((t) => o.workloads.includes(t.name));
}

/**
 * The WebGPU step anatomy: device counts of the tiny, small and reference workloads' steps. Counts do
 * not depend on the batch (the same programs run; measured equal at B1 and B8 for tiny, uploads of
 * the ids and labels aside), so small and reference are counted at batch 1: a SwiftShader step of the
 * reference at B8 takes minutes, and five of them run here. The tiny preset keeps its bench batch,
 * so its first step is the first step a Train click pays.
 */
function anatomyPlan(o: BenchOptions): NonNullable<BackendPlan['anatomy']> {
  const w = (name: TrainWorkload['name'], batch: number, seqLen: number): TrainWorkload => ({
    name,
    method: 'full',
    batch,
    seqLen,
    warmup: 2,
    timed: 1,
    profileMemory: false,
  });
  const train = [w('tiny', 8, tinySeq)];
  if (!o.quick) train.push(w('small', 1, presetSeqLen('small')), w('reference', 1, REFERENCE_SEQ));
  return { train: train.filter((t) => o.workloads.includes(t.name)), token: { preset: 'tiny', promptTokens: 32 } };
}

export function planFor(o: BenchOptions, backend: BackendName): BackendPlan {
  const gpu = backend === 'webgpu';
  const has = (s: SectionName) => o.sections.includes(s);
  const sizes = o.quick ? [128, 256] : gpu ? [256, 512] : [256, 512, 1024];
  const batchedSizes = o.quick ? [128] : gpu || backend === 'cpu' ? [256] : [256, 512];
  const plan: BackendPlan = {
    backend,
    matmul: has('matmul') ? { sizes, batchedSizes, batch: 8, minMs: o.quick ? 200 : 500, maxReps: 10 } : null,
    train: has('train') ? trainPlan(backend, o) : [],
    // Recompute at 64 new tokens on SwiftShader takes minutes: WebGPU generates only with --full.
    generate:
      has('generate') && (!gpu || o.full)
        ? { preset: o.quick ? 'tiny' : 'small', promptTokens: 32, newTokens: 64 }
        : null,
    anatomy: has('anatomy') && gpu ? anatomyPlan(o) : null,
  };
  for (const t of plan.train) {
    if (t.name !== 'reference' && t.name !== 'smollm2-135m' && t.seqLen > PRESETS[t.name].model.maxPositionEmbeddings) {
      throw new Error(
        `bench plan: ${t.name} sequence ${t.seqLen} exceeds its context ${PRESETS[t.name].model.maxPositionEmbeddings}`,
      );
    }
  }
  return plan;
}
