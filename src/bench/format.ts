// The plain-text report the driver prints: aligned tables, one per section, and the targets.
import { MIB } from '../core/format';
import { describeDispatches, type DeviceCounts } from '../kernels/webgpu/device-counter';
import type { AllreduceRecord, BenchResult, TrainRecord } from './types';

/** Left-aligns text columns and right-aligns columns whose every cell is numeric. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const [i, r] of rows.entries()) {
    if (r.length !== headers.length)
      throw new Error(`renderTable: row ${i} has ${r.length} cells, expected ${headers.length}`);
  }
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+]?[\d,.]+\s*[%×]?$|^—$/.test(r[c])));
  const width = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((s, c) => (numeric[c] ? s.padStart(width[c]) : s.padEnd(width[c])))
      .join('  ')
      .trimEnd();
  return [line(headers), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fixed = (x: number | null | undefined, digits: number): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
const count = (n: number) => n.toLocaleString('en-US');

/** An all-reduce row's name: the transport, and "(copy)" for the SAB transport's private-array figure. */
export const allreduceLabel = (a: AllreduceRecord): string =>
  a.transport === 'sab' && a.path === 'copy' ? 'sab (copy)' : a.transport;

export function formatReport(r: Omit<BenchResult, 'table'>): string {
  const out: string[] = [];
  const b = r.browser;
  out.push(
    `browser: ${b.chromiumVersion ? `Chromium ${b.chromiumVersion}` : b.userAgent}; ${b.hardwareConcurrency} hardware threads; crossOriginIsolated ${b.crossOriginIsolated}`,
  );
  for (const e of r.backends) {
    const wasm =
      e.wasmThreads !== null
        ? `; ${e.wasmThreads} wasm thread(s), simd ${e.wasmSimd}, multithread ${e.wasmMultithread}`
        : '';
    out.push(`${e.backend}: ${e.ok ? e.adapter : `UNAVAILABLE (${e.reason})`}; tfjs ${e.tfjsVersion}${wasm}`);
  }
  out.push(`reference workload: ${r.referenceWorkload}`);
  out.push(r.flopsFormula);
  if (r.matmul.length > 0) {
    out.push('', 'matmul ceiling (f32, best of N)');
    out.push(
      renderTable(
        ['backend', 'variant', 'shape', 'reps', 'best ms', 'GFLOP/s'],
        r.matmul.map((m) => [
          m.backend,
          m.kernel === 'gemm' ? `${m.variant} (GEMM)` : m.variant,
          `${m.batch > 1 ? `${m.batch}×` : ''}${m.n}³`,
          String(m.reps),
          fixed(m.bestMs, 1),
          fixed(m.gflops, 2),
        ]),
      ),
    );
  }
  if (r.train.length > 0) {
    const mfuOf = (t: TrainRecord) =>
      r.summary.mfu.find((m) => m.backend === t.backend && m.workload === t.workload && m.method === t.method)?.mfu;
    out.push('', 'training (AdamW steps, all positions labelled; tokens/s after warm-up)');
    out.push(
      renderTable(
        [
          'backend',
          'workload',
          'params (trained)',
          'B×T',
          'first step s',
          'step s',
          'tokens/s',
          'GFLOP/s',
          'MFU',
          'peak MiB',
          'heap MiB',
        ],
        r.train.map((t) => {
          const m = mfuOf(t);
          return [
            t.backend,
            t.method === 'lora' ? `${t.workload} LoRA` : t.workload,
            t.method === 'lora' ? `${count(t.params)} (${count(t.trainableParams)})` : count(t.params),
            `${t.batch}×${t.seqLen}`,
            fixed(t.firstStepMs / 1000, 2),
            fixed(t.meanStepMs / 1000, 2),
            fixed(t.tokensPerSec, 1),
            fixed(t.achievedGflops, 2),
            m === undefined ? '—' : `${(m * 100).toFixed(1)}%`,
            fixed(t.peakBytes === null ? null : t.peakBytes / MIB, 1),
            fixed(t.heapBytes === null ? null : t.heapBytes / MIB, 0),
          ];
        }),
      ),
    );
  }
  if (r.generate.length > 0) {
    out.push('', 'greedy generation (tokens/s)');
    out.push(
      renderTable(
        ['backend', 'preset', 'prompt', 'new', 'KV cache', 'recompute', 'speed-up', 'same ids'],
        r.generate.map((g) => [
          g.backend,
          g.preset,
          String(g.promptTokens),
          String(g.newTokens),
          fixed(g.cachedTokensPerSec, 1),
          fixed(g.recomputeTokensPerSec, 1),
          `${fixed(g.speedup, 1)}×`,
          g.sameTokens ? 'yes' : 'NO',
        ]),
      ),
    );
  }
  if (r.anatomy.steps.length + r.anatomy.tokens.length > 0) out.push('', ...formatAnatomy(r.anatomy));
  if (r.allreduce.length > 0) {
    out.push('', "all-reduce (2 workers, one rank's payload per second)");
    out.push(
      renderTable(
        ['transport', 'MiB', 'iters', 'MiB/s', 'memcpy MiB/s', 'ratio'],
        r.allreduce.map((a) => [
          allreduceLabel(a),
          fixed((a.floats * 4) / MIB, 0),
          String(a.iters),
          fixed(a.mbPerSec, 0),
          fixed(a.memcpyMbPerSec, 0),
          `${fixed(a.ratio * 100, 1)}%`,
        ]),
      ),
    );
  }
  if (r.rouge) {
    const g = r.rouge;
    out.push(
      '',
      `ROUGE (stemmed 1/2/L/Lsum): ${fixed(g.pairsPerSec, 0)} pairs/s warm, ${fixed(g.firstPassPairsPerSec, 0)} pairs/s cold; ${g.pairs} pairs from ${g.source}; mean F1 ${fixed(g.meanF.rouge1 * 100, 2)}/${fixed(g.meanF.rouge2 * 100, 2)}/${fixed(g.meanF.rougeL * 100, 2)}/${fixed(g.meanF.rougeLsum * 100, 2)}`,
    );
  }
  out.push('', 'targets');
  out.push(
    renderTable(
      ['target', 'wanted', 'measured', 'result'],
      r.summary.targets.map((t) => [t.name, t.target, t.value, t.pass === null ? '—' : t.pass ? 'PASS' : 'FAIL']),
    ),
  );
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

const kib = (bytes: number) => fixed(bytes / 1024, 1);

/** The WebGPU anatomy table: device counts of each workload's first and steady step, and of one generated token. */
export function formatAnatomy(a: BenchResult['anatomy']): string[] {
  const cells = (c: DeviceCounts) => [
    count(c.dispatches),
    count(c.pipelines),
    fixed(c.compileMs / 1000, 2),
    `${count(c.buffersCreated)}/${count(c.buffersDestroyed)}`,
    kib(c.bytesUploaded),
    kib(c.uniformBytes),
    count(c.readbacks),
    count(c.bytesRead),
    count(c.submits),
  ];
  const rows = [
    ...a.steps.flatMap((s) => {
      const name = `${s.workload}${s.method === 'lora' ? ' LoRA' : ''} ${s.batch}×${s.seqLen}`;
      const layer = s.perLayerDispatches === null ? '—' : count(s.perLayerDispatches);
      return [
        [name, 'first step', layer, fixed(s.firstStepMs / 1000, 2), ...cells(s.first)],
        [name, 'steady step', layer, fixed(s.steadyStepMs / 1000, 2), ...cells(s.steady)],
      ];
    }),
    ...a.tokens.map((t) => [`${t.preset} prompt ${t.promptTokens}`, 'one token', '—', '—', ...cells(t.counts)]),
  ];
  const top = (c: DeviceCounts) => describeDispatches(c.dispatchesBy);
  return [
    'WebGPU step anatomy (device counts, kernels/webgpu/device-counter.ts; steady = the third step; compile s is',
    "time blocked in pipeline creation: Chromium compiles in its GPU process, so there the first step's wall time beyond a steady step's is the compile cost)",
    renderTable(
      [
        'workload',
        'what',
        'dispatches/layer',
        'wall s',
        'dispatches',
        'pipelines',
        'compile s',
        'buffers new/freed',
        'upload KiB',
        'uniform KiB',
        'readbacks',
        'read B',
        'submits',
      ],
      rows,
    ),
    ...a.steps.map((s) => `steady ${s.workload} dispatches by program: ${top(s.steady)}`),
    ...a.steps.flatMap((s) =>
      s.perLayerBy ? [`one ${s.workload} layer by program: ${describeDispatches(s.perLayerBy)}`] : [],
    ),
  ];
}
