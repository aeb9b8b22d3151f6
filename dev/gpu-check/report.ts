// The GPU check's plain-text report: adapter and driver, kernel checks, matmul ceiling, training.
import { fixed, renderTable } from '../../src/bench/format';
import { formatTiming } from '../../src/core/format';
import type { GpuCheckResult } from './run';

const exp = (x: number) => (Number.isFinite(x) ? x.toExponential(1) : String(x));

export function formatGpuCheck(r: GpuCheckResult): string {
  const out: string[] = [];
  out.push(`GPU check (${r.form} form): ${r.ok ? 'PASS' : 'FAIL'} in ${formatTiming(r.wallMs)}`);
  out.push(
    `adapter: ${r.adapter.description}${r.adapter.software ? ` — ${r.adapter.software}` : ''}; fallback flag ${r.adapter.isFallbackAdapter ?? 'not reported'}`,
  );
  out.push(`vulkan: driver ${r.vulkan.icd ?? '(loader search)'} [${r.vulkan.source}]; loader ${r.vulkan.loader}`);
  out.push(`node ${r.node}; tfjs ${r.tfjsVersion}`);
  out.push(
    '',
    `fused kernels vs the plain path (relative error per output; pass: all < ${r.kernelTolerance} against the cpu oracle)`,
  );
  out.push(
    renderTable(
      ['kernel', 'inputs', 'outputs', 'vs webgpu plain', 'vs cpu plain', 'result', 'time'],
      r.kernels.map((k) => [
        k.kernel,
        k.inputShapes.map((s) => `[${s.join(',')}]`).join(' '),
        k.outputs.join(' '),
        k.error ? '—' : k.errVsGpuPlain.map(exp).join(' '),
        k.error ? '—' : k.errVsCpuPlain.map(exp).join(' '),
        (k.pass ? 'pass' : k.error ? `FAIL: ${k.error}` : 'FAIL') +
          (k.gpuPlainOff ? ' (the plain path on this GPU is off, not the fused kernel)' : ''),
        formatTiming(k.ms),
      ]),
    ),
  );
  out.push('', `f32 matmul ceiling: ${fixed(r.ceilingGflops, 2)} GFLOP/s (best of the sizes below)`);
  out.push(
    renderTable(
      ['variant', 'product', 'shape', 'reps', 'best ms', 'GFLOP/s'],
      r.matmul.map((m) => [
        m.variant,
        m.kernel === 'gemm' ? 'GEMM' : 'tf.matMul',
        `${m.n}³`,
        String(m.reps),
        fixed(m.bestMs, 2),
        fixed(m.gflops, 2),
      ]),
    ),
  );
  out.push('', `training (reference: ${r.referenceWorkload})`, r.flopsFormula);
  out.push(
    renderTable(
      ['workload', 'method', 'B×T', 'first step', 'step', 'tokens/s', 'GFLOP/s', 'MFU', 'loss', 'GPU errors'],
      r.train.map((t) => [
        t.workload,
        t.method,
        `${t.batch}×${t.seqLen}`,
        formatTiming(t.firstStepMs),
        t.timed > 0 ? formatTiming(t.meanStepMs) : 'first only',
        fixed(t.tokensPerSec, 1),
        fixed(t.achievedGflops, 2),
        t.mfu === null ? '—' : `${(100 * t.mfu).toFixed(1)}%`,
        fixed(t.finalLoss, 3),
        String(t.gpuErrors),
      ]),
    ),
  );
  for (const s of r.skipped) out.push(`skipped (a failure): ${s}`);
  for (const s of r.omitted) out.push(`not in the ${r.form} form: ${s}`);
  out.push(
    r.gpuErrors.count === 0
      ? 'WebGPU errors: none'
      : `WebGPU errors: ${r.gpuErrors.count} (invalid pipelines' dispatches are dropped: results after them are wrong); first: ${r.gpuErrors.first.join(' | ')}`,
  );
  return out.join('\n');
}
