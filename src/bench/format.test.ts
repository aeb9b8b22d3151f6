import { zeroCounts, type DeviceCounts } from '../kernels/webgpu/device-counter';
import { describe, expect, it } from 'vitest';
import { formatReport, renderTable } from './format';
import { parseOptions } from './options';
import { summarize } from './summary';
import type { BenchResult, MatmulRecord, StepAnatomy, TrainRecord } from './types';

describe('renderTable', () => {
  it('pads text columns left and numeric columns right, under a rule', () => {
    const t = renderTable(
      ['backend', 'GFLOP/s'],
      [
        ['wasm', '18.14'],
        ['webgpu', '0.5'],
      ],
    );
    expect(t.split('\n')).toEqual(['backend  GFLOP/s', '-------  -------', 'wasm       18.14', 'webgpu       0.5']);
  });

  it('names a row with the wrong number of cells', () => {
    expect(() => renderTable(['a', 'b'], [['1', '2'], ['3']])).toThrow('renderTable: row 1 has 1 cells, expected 2');
  });
});

const mm = (backend: MatmulRecord['backend'], gflops: number): MatmulRecord => ({
  backend,
  variant: 'square',
  n: 512,
  batch: 1,
  reps: 3,
  bestMs: 1,
  gflops,
});
const tr = (backend: TrainRecord['backend'], tokensPerSec: number): TrainRecord => ({
  backend,
  workload: 'reference',
  method: 'full',
  params: 4_999_424,
  trainableParams: 4_999_424,
  batch: 8,
  seqLen: 256,
  tokensPerStep: 2048,
  warmup: 1,
  timed: 1,
  firstStepMs: 60_000,
  meanStepMs: 2048_000 / tokensPerSec,
  tokensPerSec,
  flopsPerToken: 26_836_992,
  achievedGflops: (26_836_992 * tokensPerSec) / 1e9,
  peakBytes: 1 << 30,
  bytesAfter: 60e6,
  heapBytes: 1.5 * 2 ** 30,
  finalLoss: 8.3,
});

describe('summary and report', () => {
  const summary = summarize(
    [mm('wasm', 10), mm('wasm', 20), mm('webgpu', 0.5)],
    [tr('wasm', 1200), tr('webgpu', 5)],
    [],
    [],
  );

  it("takes each backend's best matmul as its ceiling and checks the targets", () => {
    expect(summary.bestMatmulGflops).toEqual({ wasm: 20, webgpu: 0.5 });
    const wasmMfu = summary.mfu.find((m) => m.backend === 'wasm')!.mfu;
    expect(wasmMfu).toBeCloseTo((26_836_992 * 1200) / 20e9, 12); // 1.61: above the ceiling is reported as is
    const byName = Object.fromEntries(summary.targets.map((t) => [t.name, t.pass]));
    expect(byName['reference workload on wasm']).toBe(true);
    expect(byName['reference train step MFU (webgpu)']).toBe(false); // 5 × 26.8 MFLOP = 0.134 GFLOP/s of 0.5: 26.8%
    expect(byName['KV-cache generation speed-up at 64 tokens']).toBeNull();
    expect(byName['all-reduce bandwidth']).toBeNull();
  });

  const counts = (o: Partial<DeviceCounts>): DeviceCounts => ({ ...zeroCounts(), ...o });
  const anatomy: StepAnatomy = {
    workload: 'tiny',
    method: 'full',
    batch: 8,
    seqLen: 160,
    layers: 2,
    firstStepMs: 20_000,
    steadyStepMs: 3_000,
    // The first tiny step measured on Dawn/SwiftShader before issue 16's work.
    first: counts({
      dispatches: 553,
      pipelines: 61,
      compileMs: 16_351,
      buffersCreated: 555,
      buffersDestroyed: 177,
      bytesUploaded: 633_812,
      uniformBytes: 31_460,
      readbacks: 3,
      bytesRead: 12,
      submits: 38,
    }),
    steady: counts({
      dispatches: 512,
      dispatchesBy: { MatMulPackedProgram: 49, BinaryOpProgram: 303 },
      buffersCreated: 187,
      buffersDestroyed: 182,
    }),
    perLayerDispatches: 228,
    perLayerBy: { BinaryOpProgram: 120, MatMulPackedProgram: 21 },
  };

  it('prints every section that has records, with PASS/FAIL/— per target', () => {
    const partial: Omit<BenchResult, 'table'> = {
      startedAt: '',
      finishedAt: '',
      options: parseOptions('?backends=wasm,webgpu&quick=1'),
      browser: { userAgent: 'x', chromiumVersion: '156.0.0.0', hardwareConcurrency: 2, crossOriginIsolated: true },
      flopsFormula: 'formula',
      referenceWorkload: 'reference',
      backends: [],
      matmul: [mm('wasm', 20)],
      train: [tr('wasm', 1200)],
      generate: [],
      anatomy: { steps: [anatomy], tokens: [] },
      allreduce: [],
      rouge: null,
      summary,
      notes: ['a note'],
    };
    const text = formatReport(partial);
    expect(text).toContain('Chromium 156.0.0.0; 2 hardware threads; crossOriginIsolated true');
    expect(text).toMatch(
      /wasm\s+reference\s+4,999,424\s+8×256\s+60\.00\s+1\.71\s+1200\.0\s+32\.20\s+161\.0%\s+1024\.0/,
    );
    expect(text).toMatch(/reference workload on wasm\s+≥ 1000 tokens\/s\s+1200\.0 tokens\/s\s+PASS/);
    expect(text).toMatch(/all-reduce bandwidth\s+≥ 25\.0% of memcpy\s+not measured\s+—/);
    expect(text).not.toContain('greedy generation');
    expect(text).toMatch(
      /tiny 8×160\s+first step\s+228\s+20\.00\s+553\s+61\s+16\.35\s+555\/177\s+619\.0\s+30\.7\s+3\s+12\s+38/,
    );
    expect(text).toMatch(/tiny 8×160\s+steady step\s+228\s+3\.00\s+512\s+0\s+0\.00\s+187\/182/);
    expect(text).toContain('steady tiny dispatches by program: BinaryOpProgram 303, MatMulPackedProgram 49');
    expect(text).toContain('one tiny layer by program: BinaryOpProgram 120, MatMulPackedProgram 21');
    expect(text).toContain('note: a note');
  });
});

describe('options', () => {
  it('defaults to everything and names an unknown backend', () => {
    expect(parseOptions('')).toEqual({
      backends: ['webgpu', 'wasm', 'cpu'],
      sections: ['matmul', 'train', 'generate', 'anatomy', 'allreduce', 'rouge'],
      quick: false,
      full: false,
      workloads: ['tiny', 'small', 'base', 'reference', 'smollm2-135m'],
      precompile: false,
      gemm: 'auto',
    });
    expect(parseOptions('?backends=wasm,cpu&sections=rouge&quick=1&precompile=1')).toMatchObject({
      backends: ['wasm', 'cpu'],
      sections: ['rouge'],
      quick: true,
      precompile: true,
    });
    expect(() => parseOptions('?backends=wasm,webgl')).toThrow(
      'bench: unknown backend "webgl" (expected some of webgpu, wasm, cpu)',
    );
    expect(() => parseOptions('?quick=1&full=1')).toThrow(/exclude each other/);
    expect(parseOptions('?gemm=off').gemm).toBe('off');
    expect(() => parseOptions('?gemm=fast')).toThrow('bench: gemm must be auto, on or off, got "fast"');
    expect(() => parseOptions('?workloads=smollm2')).toThrow(
      'bench: unknown workload "smollm2" (expected some of tiny, small, base, reference, smollm2-135m)',
    );
  });
});
