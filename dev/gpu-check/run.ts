// The GPU check itself (`npm run gpu-check`; main.ts is its command line): tfjs 'webgpu' on Dawn in
// Node, no browser. Every fused kernel against the plain path (kernel-checks.ts), the f32 matmul
// ceiling (bench/matmul.ts), and training tokens/s and MFU of the reference and SmolLM2-135M
// workloads (bench/train.ts measureTrain, bench/flops.ts through it), sized by plan.ts from
// whether the adapter is a software one (runtime/software-adapter.ts).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { measureMatmul } from '../../src/bench/matmul';
import { bestMatmul, mfu } from '../../src/bench/summary';
import { measureTrain } from '../../src/bench/train';
import type { MatmulRecord, TrainRecord } from '../../src/bench/types';
import { FLOPS_FORMULA } from '../../src/bench/flops';
import { describeReference } from '../../src/bench/workloads';
import { softwareAdapterReason, type AdapterFacts } from '../../src/runtime/software-adapter';
import { startWebGPU } from '../../src/testing/webgpu-node';
import { watchGpuErrors, type GpuErrorLog } from './gpu-errors';
import { KERNEL_CHECKS, KERNEL_TOLERANCE, runKernelCheck, type KernelCheckRecord } from './kernel-checks';
import { gpuCheckPlan, type CheckForm } from './plan';
import { setUpVulkan, type VulkanSetup } from './vulkan';

export interface AdapterReport {
  description: string; // vendor architecture device description, as the adapter gives them
  vendor: string;
  architecture: string;
  device: string;
  isFallbackAdapter: boolean | null;
  software: string; // why it is a software adapter, '' when it is not
}

export interface TrainCheckRecord extends TrainRecord {
  mfu: number | null; // against this run's matmul ceiling
  gpuErrors: number; // uncaptured WebGPU errors raised while it ran (its results are wrong if any)
}

export interface GpuCheckResult {
  ok: boolean; // every kernel check passed, every workload ran, and the GPU raised no error
  complete: boolean; // false in the snapshots written while it runs
  form: CheckForm;
  startedAt: string;
  wallMs: number;
  node: string;
  tfjsVersion: string;
  vulkan: VulkanSetup;
  adapter: AdapterReport;
  kernelTolerance: number;
  kernels: KernelCheckRecord[];
  matmul: MatmulRecord[];
  ceilingGflops: number | null;
  flopsFormula: string;
  referenceWorkload: string;
  train: TrainCheckRecord[];
  skipped: string[]; // workloads that should have run and did not, and why (budget, errors): failures
  omitted: string[]; // what this form leaves out on purpose, and why: not failures
  gpuErrors: GpuErrorLog; // uncaptured WebGPU errors (invalid pipelines …) over the whole run
}

export interface GpuCheckOptions {
  form?: CheckForm; // default: quick on a software adapter, full otherwise
  libDir: string | null; // the bundle's carried libraries (libvulkan.so.1, libGLdispatch.so.0), if any
  log: (line: string) => void;
  progress?: (partial: GpuCheckResult) => void;
}

async function adapterReport(): Promise<AdapterReport> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const a = gpu ? await gpu.requestAdapter() : null;
  const info = (a?.info ?? {}) as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
  const fallback = (a as { isFallbackAdapter?: boolean } | null)?.isFallbackAdapter ?? info.isFallbackAdapter ?? null;
  const facts: AdapterFacts = { isFallbackAdapter: fallback ?? undefined, info };
  const parts = [info.vendor, info.architecture, info.device, info.description].filter(Boolean);
  return {
    description: parts.join(' ') || 'unnamed adapter',
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    isFallbackAdapter: fallback,
    software: softwareAdapterReason(facts),
  };
}

/**
 * Runs the check. `progress` gets the result so far after every step (complete: false), so a run
 * stopped by a time limit still leaves what it measured; a start that fails (no adapter) throws.
 */
export async function runGpuCheck(o: GpuCheckOptions): Promise<GpuCheckResult> {
  const t0 = performance.now();
  const vulkan = setUpVulkan(o.libDir);
  o.log(`vulkan: driver ${vulkan.icd ?? '(loader search)'} [${vulkan.source}]; loader ${vulkan.loader}`);
  for (const n of vulkan.notes) o.log(`vulkan: ${n}`);
  const started = await startWebGPU();
  if (!started.ok) throw new Error(`no WebGPU adapter: ${started.reason} (${vulkan.source}: ${vulkan.icd})`);
  const adapter = await adapterReport();
  const form = o.form ?? (adapter.software ? 'quick' : 'full');
  o.log(`adapter: ${adapter.description}${adapter.software ? ` (${adapter.software})` : ''}; ${form} form`);
  const plan = gpuCheckPlan(form);
  const watch = watchGpuErrors();
  const r: GpuCheckResult = {
    ok: false,
    complete: false,
    form,
    startedAt: new Date().toISOString(),
    wallMs: 0,
    node: process.version,
    tfjsVersion: tf.version_core,
    vulkan,
    adapter,
    kernelTolerance: KERNEL_TOLERANCE,
    kernels: [],
    matmul: [],
    ceilingGflops: null,
    flopsFormula: FLOPS_FORMULA,
    referenceWorkload: describeReference(),
    train: [],
    skipped: [],
    omitted: plan.omitted,
    gpuErrors: watch.log,
  };
  const report = () => {
    r.wallMs = performance.now() - t0;
    o.progress?.(r);
  };
  /** How many uncaptured GPU errors `f` raised (they arrive after the work: the queue is waited on). */
  const counting = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const before = watch.log.count;
    const out = await f();
    await watch.settle();
    return [out, watch.log.count - before];
  };

  for (const c of KERNEL_CHECKS) {
    const [k, errors] = await counting(() => runKernelCheck(c, form === 'full'));
    if (errors > 0) {
      k.pass = false;
      k.error ??= `${errors} WebGPU error(s) while it ran (see gpuErrors)`;
    }
    r.kernels.push(k);
    o.log(
      `kernel ${k.kernel} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}: ${k.pass ? 'pass' : 'FAIL'}` +
        (k.error ? ` (${k.error})` : `, worst rel err ${k.worst.toExponential(2)}`),
    );
    report();
  }

  await measureMatmul('webgpu', plan.matmul, (m) => {
    r.matmul.push(m);
    o.log(`matmul ${m.variant}${m.kernel === 'gemm' ? ' (GEMM)' : ''} ${m.n}³: ${m.gflops.toFixed(2)} GFLOP/s`);
  });
  r.ceilingGflops = bestMatmul(r.matmul).webgpu ?? null;
  report();

  for (const w of plan.train) {
    const label = `${w.name} ${w.method} B${w.batch}×T${w.seqLen}`;
    if (performance.now() - t0 > plan.budgetMs) {
      r.skipped.push(`${label}: the ${plan.budgetMs / 60_000}-minute budget was spent before it started`);
      continue;
    }
    try {
      const [t, gpuErrors] = await counting(() => measureTrain('webgpu', w, o.log));
      const ceiling = r.ceilingGflops;
      r.train.push({ ...t, mfu: ceiling ? mfu(t.flopsPerToken, t.tokensPerSec, ceiling) : null, gpuErrors });
    } catch (e) {
      r.skipped.push(`${label}: ${e instanceof Error ? e.message : String(e)}`);
      o.log(`train ${label} FAILED: ${r.skipped[r.skipped.length - 1]}`);
    }
    report();
  }
  if (watch.log.count > 0) o.log(`${watch.log.count} uncaptured WebGPU error(s), the first: ${watch.log.first[0]}`);
  r.ok = r.kernels.every((k) => k.pass) && r.skipped.length === 0 && watch.log.count === 0;
  r.complete = true;
  report();
  return r;
}
