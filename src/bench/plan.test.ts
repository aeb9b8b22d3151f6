import { describe, expect, it } from 'vitest';
import type { BackendName } from '../core/run-types';
import { parseOptions } from './options';
import { planFor } from './plan';

const names = (search: string, backend: BackendName) =>
  planFor(parseOptions(search), backend).train.map(
    (t) => `${t.name}${t.method === 'lora' ? ' LoRA' : ''} B${t.batch}×T${t.seqLen}`,
  );

describe('bench plan', () => {
  it('measures the fixed reference workload (B8×T256) on wasm in every mode', () => {
    for (const q of ['', '?quick=1', '?full=1']) expect(names(q, 'wasm')).toContain('reference B8×T256');
  });

  it('keeps WebGPU and the cpu backend small by default and complete with --full', () => {
    expect(names('', 'webgpu')).toEqual(['tiny B8×T160', 'reference B8×T256', 'smollm2-135m LoRA B1×T64']);
    expect(names('?full=1', 'webgpu')).toContain('smollm2-135m LoRA B1×T512');
    expect(names('', 'cpu')).toEqual(['tiny B8×T160']);
    expect(names('?full=1', 'cpu')).toEqual(['tiny B8×T160', 'small B2×T576', 'reference B8×T256']);
    expect(names('?full=1', 'wasm')).toEqual([
      'tiny B8×T160',
      'small B2×T576',
      'base B1×T1152',
      'reference B8×T256',
      'smollm2-135m LoRA B1×T256',
      'smollm2-135m B1×T64',
    ]);
    expect(planFor(parseOptions(''), 'webgpu').generate).toBeNull();
    expect(planFor(parseOptions(''), 'wasm').generate).toEqual({ preset: 'small', promptTokens: 32, newTokens: 64 });
  });

  it('profiles memory off WebGPU unless WebGPU is all there is', () => {
    expect(planFor(parseOptions(''), 'webgpu').train.every((t) => !t.profileMemory)).toBe(true);
    expect(planFor(parseOptions('?backends=webgpu'), 'webgpu').train.every((t) => t.profileMemory)).toBe(true);
  });

  it('runs only the workloads asked for, at the sizes the plan gives them', () => {
    expect(names('?workloads=smollm2-135m', 'wasm')).toEqual(['smollm2-135m LoRA B1×T256', 'smollm2-135m B1×T64']);
    expect(names('?workloads=smollm2-135m', 'webgpu')).toEqual(['smollm2-135m LoRA B1×T64']);
    expect(names('?workloads=tiny,reference&quick=1', 'wasm')).toEqual(['tiny B8×T160', 'reference B8×T256']);
    expect(names('?workloads=base', 'wasm')).toEqual([]); // base runs with --full only
  });

  it('runs only the sections asked for', () => {
    const p = planFor(parseOptions('?sections=matmul'), 'wasm');
    expect(p.matmul?.sizes).toEqual([256, 512, 1024]);
    expect(p.train).toEqual([]);
    expect(p.generate).toBeNull();
    expect(p.anatomy).toBeNull();
  });

  it('counts the WebGPU step anatomy of tiny at its bench batch and small and reference at batch 1, on webgpu only', () => {
    const a = planFor(parseOptions('?sections=anatomy'), 'webgpu').anatomy;
    expect(a?.train.map((t) => `${t.name} B${t.batch}×T${t.seqLen}`)).toEqual([
      'tiny B8×T160',
      'small B1×T576',
      'reference B1×T256',
    ]);
    expect(a?.token).toEqual({ preset: 'tiny', promptTokens: 32 });
    expect(planFor(parseOptions('?sections=anatomy&quick=1'), 'webgpu').anatomy?.train).toHaveLength(1);
    expect(planFor(parseOptions('?sections=anatomy'), 'wasm').anatomy).toBeNull();
  });
});
