// How big the GPU check runs. On a software adapter (SwiftShader, llvmpipe: ~0.5 GFLOP/s on the
// CPU, 0.1–1 s per pipeline compile) a quick form that finishes in a minute or two and still runs
// every code path once; on a real GPU the full form, sized to stay under the device machine's
// 8 minutes with shader compilation included.
import { REFERENCE_BATCH, REFERENCE_SEQ, SMOLLM2_SEQ } from '../../src/bench/workloads';
import type { BackendPlan, TrainWorkload } from '../../src/bench/types';

export type CheckForm = 'quick' | 'full';

export interface GpuCheckPlan {
  form: CheckForm;
  matmul: NonNullable<BackendPlan['matmul']>;
  train: TrainWorkload[];
  /** What this form leaves out on purpose, and why (not a failure). */
  omitted: string[];
  /** Workloads not yet started when this much wall time has passed are skipped (and reported so). */
  budgetMs: number;
}

const w = (
  name: TrainWorkload['name'],
  method: TrainWorkload['method'],
  batch: number,
  seqLen: number,
  warmup: number,
  timed: number,
): TrainWorkload => ({ name, method, batch, seqLen, warmup, timed, profileMemory: false });

export function gpuCheckPlan(form: CheckForm): GpuCheckPlan {
  if (form === 'quick')
    return {
      form,
      // Square sizes only (batchedSizes empty): the ceiling is the best square product, as the bench's.
      matmul: { sizes: [128, 256], batchedSizes: [], batch: 1, minMs: 100, maxReps: 3 },
      // The reference model at its real width on a few tokens, Full and LoRA: every pipeline a step
      // compiles, one timed step. Its first step is mostly shader compilation here.
      train: [w('reference', 'full', 1, 8, 1, 1), w('reference', 'lora', 1, 8, 1, 0)],
      omitted: [
        'smollm2-135m full and lora: a 135M-parameter step takes minutes on a software adapter (T 8 LoRA: ~4.5 min here); the full form runs them',
      ],
      budgetMs: 4 * 60_000,
    };
  return {
    form,
    matmul: { sizes: [512, 1024, 2048, 4096], batchedSizes: [], batch: 1, minMs: 500, maxReps: 20 },
    // The reference at its own B 8 × T 256; SmolLM2-135M at T 512 (the pretrained path's example
    // length), batch 4. Two warm-up steps: the first compiles, the second settles buffer pools.
    train: [
      w('reference', 'full', REFERENCE_BATCH, REFERENCE_SEQ, 2, 10),
      w('smollm2-135m', 'full', 4, SMOLLM2_SEQ, 2, 3),
      w('smollm2-135m', 'lora', 4, SMOLLM2_SEQ, 2, 3),
    ],
    omitted: [],
    // A device lease is 15 minutes, a machine's start included: a workload not started by 5 minutes
    // is skipped, so a run ends well inside one command's 10 and leaves time to run it again.
    budgetMs: 5 * 60_000,
  };
}
