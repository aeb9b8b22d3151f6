// Typed records of one `npm run bench` run, and the messages between the bench page and its
// workers. Everything here is plain data: it crosses postMessage and ends up in the JSON file.
import type { RougeSummary } from '../core/events';
import type { BackendName } from '../core/run-types';
import type { DeviceCounts } from '../kernels/webgpu/device-counter';

export const BACKENDS: readonly BackendName[] = ['webgpu', 'wasm', 'cpu'];

export type SectionName = 'matmul' | 'train' | 'generate' | 'anatomy' | 'allreduce' | 'rouge';
export const SECTIONS: readonly SectionName[] = ['matmul', 'train', 'generate', 'anatomy', 'allreduce', 'rouge'];

/** What the driver asked for (query string of /bench.html). */
export interface BenchOptions {
  backends: BackendName[];
  sections: SectionName[];
  quick: boolean; // a ~2 minute subset: tiny preset, small matmuls
  full: boolean; // adds the base preset and more steps
  workloads: WorkloadName[]; // the training workloads to run (of those the plan holds); all by default
  precompile: boolean; // anatomy: the compile-only warm-up (train/precompile.ts) before the first step, timed with it
  gemm: 'auto' | 'on' | 'off'; // kernels/path-mode.ts's webgpu matmul switch: the one-pipeline GEMM or tf.matMul
}

export type WorkloadName = 'tiny' | 'small' | 'base' | 'reference' | 'smollm2-135m';
export const WORKLOADS: readonly WorkloadName[] = ['tiny', 'small', 'base', 'reference', 'smollm2-135m'];

/** Full: every weight trains; lora: r-8 adapters on q_proj/v_proj of a frozen base (workloads.ts BENCH_LORA). */
export type TrainMethod = 'full' | 'lora';

/** One training throughput measurement to make on one backend. */
export interface TrainWorkload {
  name: WorkloadName;
  method: TrainMethod;
  batch: number; // B
  seqLen: number; // T
  warmup: number; // steps before timing (the first one is "time to first step")
  timed: number; // steps timed after warm-up (0: the first step alone is the measurement)
  profileMemory: boolean; // run the first step under tf.profile for peak tensor bytes
}

/** Everything one backend's worker measures. */
export interface BackendPlan {
  backend: BackendName;
  matmul: { sizes: number[]; batchedSizes: number[]; batch: number; minMs: number; maxReps: number } | null;
  train: TrainWorkload[];
  generate: { preset: 'tiny' | 'small'; promptTokens: number; newTokens: number } | null;
  /** WebGPU only: device counts of a step of each workload, and of one generated token. */
  anatomy: { train: TrainWorkload[]; token: { preset: 'tiny' | 'small'; promptTokens: number } } | null;
}

export interface BackendEnv {
  backend: BackendName;
  ok: boolean;
  reason: string; // why it started, or why not
  adapter: string; // GPU adapter description (vendor architecture device description, f16), or the CPU path
  tfjsVersion: string;
  wasmThreads: number | null; // XNNPACK threads tfjs-wasm started (getThreadsCount), wasm only
  wasmSimd: boolean | null;
  wasmMultithread: boolean | null; // tf.env WASM_HAS_MULTITHREAD_SUPPORT
  workerCrossOriginIsolated: boolean;
  initMs: number;
}

export type MatmulVariant = 'square' | 'transposedB' | 'batched';

export interface MatmulRecord {
  backend: BackendName;
  variant: MatmulVariant; // square: (n,n)@(n,n); transposedB: (n,n)@(n,n)ᵀ; batched: (b,n,n)@(b,n,n)
  /** Which product: tfjs's tf.matMul, or the studio's one-pipeline GEMM (webgpu; absent = tf.matMul). */
  kernel?: 'tf.matMul' | 'gemm';
  n: number;
  batch: number; // 1 unless batched
  reps: number;
  bestMs: number;
  gflops: number; // 2·b·n³ / bestMs
}

export interface TrainRecord {
  backend: BackendName;
  workload: WorkloadName;
  method: TrainMethod;
  params: number;
  trainableParams: number; // params under full; the adapters' under lora
  batch: number;
  seqLen: number;
  tokensPerStep: number; // B·T (every position carries a label)
  warmup: number;
  timed: number;
  firstStepMs: number; // includes kernel/shader compilation (and tf.profile bookkeeping when profiled)
  meanStepMs: number; // mean of the timed steps
  tokensPerSec: number;
  flopsPerToken: number;
  achievedGflops: number;
  peakBytes: number | null; // tf.profile peakBytes of the first step (engine-tracked tensor bytes)
  bytesAfter: number; // tf.memory().numBytes after the steps (params + AdamW moments)
  heapBytes: number | null; // wasm only: tfjs-wasm's memory after the steps (its high-water mark; cap 4 GiB)
  finalLoss: number;
}

export interface GenerateRecord {
  backend: BackendName;
  preset: 'tiny' | 'small';
  promptTokens: number;
  newTokens: number;
  cachedTokensPerSec: number;
  recomputeTokensPerSec: number;
  speedup: number; // cached ÷ recompute
  sameTokens: boolean; // both paths produced the same ids (they must)
}

/** What one WebGPU optimizer step asks of the device (kernels/webgpu/device-counter.ts). */
export interface StepAnatomy {
  workload: WorkloadName;
  method: TrainMethod;
  batch: number;
  seqLen: number;
  layers: number;
  firstStepMs: number;
  steadyStepMs: number;
  first: DeviceCounts; // the first step: every pipeline compiled, every buffer first allocated
  steady: DeviceCounts; // the third step
  perLayerDispatches: number | null; // steady dispatches minus those of one layer fewer (at batch 1)
  perLayerBy: Record<string, number> | null; // the same difference by program
}

/** What one cached decode step of greedy generation asks of the device. */
export interface TokenAnatomy {
  preset: 'tiny' | 'small';
  promptTokens: number;
  counts: DeviceCounts;
}

export type Transport = 'sab' | 'broadcastchannel';

export interface AllreduceRecord {
  transport: Transport;
  // registered: the rank's array from sharedArray, reduced in place (SAB only; what training pays);
  // copy: a private Float32Array, copied through the transport's buffers
  path: 'registered' | 'copy';
  world: number;
  floats: number;
  iters: number;
  mbPerSec: number; // MiB of one rank's payload reduced per second
  memcpyMbPerSec: number; // TypedArray.set of the same bytes in the same worker
  ratio: number;
}

export interface RougeRecord {
  source: string; // where the pairs came from
  pairs: number;
  reps: number;
  firstPassPairsPerSec: number; // cold: the stemmer's memo table is empty
  pairsPerSec: number; // steady state over the timed passes after the first
  meanF: RougeSummary; // mean F as a fraction (not × 100); sanity: not zero, not one
}

export interface TargetCheck {
  name: string;
  target: string;
  value: string;
  pass: boolean | null; // null: not measured in this run
}

export interface BenchSummary {
  bestMatmulGflops: Partial<Record<BackendName, number>>;
  mfu: { backend: BackendName; workload: WorkloadName; method: TrainMethod; mfu: number }[];
  targets: TargetCheck[];
}

export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  options: BenchOptions;
  browser: {
    userAgent: string;
    chromiumVersion: string | null;
    hardwareConcurrency: number;
    crossOriginIsolated: boolean;
  };
  flopsFormula: string;
  referenceWorkload: string;
  backends: BackendEnv[];
  matmul: MatmulRecord[];
  train: TrainRecord[];
  generate: GenerateRecord[];
  anatomy: { steps: StepAnatomy[]; tokens: TokenAnatomy[] };
  allreduce: AllreduceRecord[];
  rouge: RougeRecord | null;
  summary: BenchSummary;
  notes: string[];
  table: string;
}

/** What the page exposes on window.__bench for the driver. */
export interface BenchState {
  state: 'running' | 'done' | 'error';
  progress: string[];
  result: BenchResult | null;
  error: string | null;
}

// ------------------------------------------------------------------------------------------
// Page ↔ worker messages.

export type ToBenchWorker =
  | { type: 'backend'; backend: BackendName; options: BenchOptions } // the worker plans its own work (plan.ts)
  | {
      type: 'allreduce';
      transport: Transport;
      rank: number;
      world: number;
      floats: number;
      iters: number;
      memory: WebAssembly.Memory | null;
      channel: string;
    }
  | { type: 'rouge'; url: string; minMs: number };

export type FromBenchWorker =
  | { type: 'progress'; line: string }
  | { type: 'about'; referenceWorkload: string; flopsFormula: string; notes: string[] }
  | { type: 'env'; env: BackendEnv }
  | { type: 'matmul'; record: MatmulRecord }
  | { type: 'stepAnatomy'; record: StepAnatomy }
  | { type: 'tokenAnatomy'; record: TokenAnatomy }
  | { type: 'train'; record: TrainRecord }
  | { type: 'generate'; record: GenerateRecord }
  | { type: 'group'; memory: WebAssembly.Memory } // rank 0 made the SAB group's shared memory: the page hands it to rank 1
  | { type: 'allreduce'; record: AllreduceRecord; rank: number }
  | { type: 'rouge'; record: RougeRecord }
  | { type: 'done' }
  | { type: 'error'; message: string };
