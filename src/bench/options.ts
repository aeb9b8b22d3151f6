// Bench options from the page's query string (?backends=webgpu,wasm&sections=matmul,train&quick=1).
// Imported by the page, so it stays free of engine imports (the page bundle shares no chunk with the app).
import type { BackendName } from '../core/run-types';
import { BACKENDS, SECTIONS, WORKLOADS, type BenchOptions, type SectionName, type WorkloadName } from './types';

function listParam<T extends string>(raw: string | null, allowed: readonly T[], what: string): T[] {
  if (raw === null || raw.trim() === '') return [...allowed];
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const s of items) {
    if (!allowed.includes(s as T))
      throw new Error(`bench: unknown ${what} "${s}" (expected some of ${allowed.join(', ')})`);
  }
  return [...new Set(items as T[])];
}

function gemmMode(raw: string | null): BenchOptions['gemm'] {
  if (raw === null || raw === '') return 'auto';
  if (raw === 'auto' || raw === 'on' || raw === 'off') return raw;
  throw new Error(`bench: gemm must be auto, on or off, got "${raw.slice(0, 20)}"`);
}

const flag = (raw: string | null) => raw !== null && raw !== '0' && raw !== 'false';

/** ?backends=webgpu,wasm,cpu&sections=matmul,train&workloads=smollm2-135m&quick=1&full=1&precompile=1&gemm=off */
export function parseOptions(search: string): BenchOptions {
  const q = new URLSearchParams(search);
  const quick = flag(q.get('quick'));
  const full = flag(q.get('full'));
  if (quick && full) throw new Error('bench: quick and full exclude each other');
  return {
    backends: listParam<BackendName>(q.get('backends'), BACKENDS, 'backend'),
    sections: listParam<SectionName>(q.get('sections'), SECTIONS, 'section'),
    workloads: listParam<WorkloadName>(q.get('workloads'), WORKLOADS, 'workload'),
    quick,
    full,
    precompile: flag(q.get('precompile')),
    gemm: gemmMode(q.get('gemm')),
  };
}
