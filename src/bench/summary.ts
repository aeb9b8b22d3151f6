// Derived figures of a run: each backend's matmul ceiling, MFU per training workload, and the
// targets the optimisation work is measured against (reported pass/fail, never asserted).
import type { BackendName } from '../core/run-types';
import type { AllreduceRecord, BenchSummary, GenerateRecord, MatmulRecord, TargetCheck, TrainRecord } from './types';

export const TARGETS = {
  referenceWasmTokensPerSec: 1000,
  mfu: 0.5,
  kvSpeedup: 10,
  allreduceOfMemcpy: 0.25,
} as const;

export function bestMatmul(matmul: readonly MatmulRecord[]): Partial<Record<BackendName, number>> {
  const best: Partial<Record<BackendName, number>> = {};
  for (const r of matmul) best[r.backend] = Math.max(best[r.backend] ?? 0, r.gflops);
  return best;
}

/** Model FLOPs utilisation: achieved FLOP/s as a fraction of a matmul ceiling in GFLOP/s. */
export function mfu(flopsPerToken: number, tokensPerSec: number, ceilingGflops: number): number {
  if (!(ceilingGflops > 0)) throw new Error(`mfu: the matmul ceiling must be positive, got ${ceilingGflops} GFLOP/s`);
  return (flopsPerToken * tokensPerSec) / (ceilingGflops * 1e9);
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function summarize(
  matmul: readonly MatmulRecord[],
  train: readonly TrainRecord[],
  generate: readonly GenerateRecord[],
  allreduce: readonly AllreduceRecord[],
): BenchSummary {
  const best = bestMatmul(matmul);
  const mfus = train.flatMap((t) => {
    const ceiling = best[t.backend];
    return ceiling
      ? [
          {
            backend: t.backend,
            workload: t.workload,
            method: t.method,
            mfu: mfu(t.flopsPerToken, t.tokensPerSec, ceiling),
          },
        ]
      : [];
  });
  const targets: TargetCheck[] = [];
  const refWasm = train.find((t) => t.backend === 'wasm' && t.workload === 'reference');
  targets.push({
    name: 'reference workload on wasm',
    target: `≥ ${TARGETS.referenceWasmTokensPerSec} tokens/s`,
    value: refWasm ? `${refWasm.tokensPerSec.toFixed(1)} tokens/s` : 'not measured',
    pass: refWasm ? refWasm.tokensPerSec >= TARGETS.referenceWasmTokensPerSec : null,
  });
  const refs = mfus.filter((m) => m.workload === 'reference');
  if (refs.length === 0)
    targets.push({
      name: 'reference train step MFU',
      target: `≥ ${pct(TARGETS.mfu)} of matmul ceiling`,
      value: 'not measured',
      pass: null,
    });
  for (const m of refs)
    targets.push({
      name: `reference train step MFU (${m.backend})`,
      target: `≥ ${pct(TARGETS.mfu)} of matmul ceiling`,
      value: pct(m.mfu),
      pass: m.mfu >= TARGETS.mfu,
    });
  const gens = generate.filter((g) => g.newTokens === 64);
  if (gens.length === 0)
    targets.push({
      name: 'KV-cache generation speed-up at 64 tokens',
      target: `≥ ${TARGETS.kvSpeedup}× recompute`,
      value: 'not measured',
      pass: null,
    });
  for (const g of gens)
    targets.push({
      name: `KV-cache speed-up at 64 tokens (${g.backend}, ${g.preset})`,
      target: `≥ ${TARGETS.kvSpeedup}× recompute`,
      value: `${g.speedup.toFixed(1)}×`,
      pass: g.speedup >= TARGETS.kvSpeedup,
    });
  if (allreduce.length === 0)
    targets.push({
      name: 'all-reduce bandwidth',
      target: `≥ ${pct(TARGETS.allreduceOfMemcpy)} of memcpy`,
      value: 'not measured',
      pass: null,
    });
  // The SAB transport's target is judged on its registered array, what a training step all-reduces;
  // its copy-path figure (private arrays) is reported in the table only.
  for (const a of allreduce.filter((x) => !(x.transport === 'sab' && x.path === 'copy')))
    targets.push({
      name: `all-reduce (${a.transport})`,
      target: `≥ ${pct(TARGETS.allreduceOfMemcpy)} of memcpy`,
      value: pct(a.ratio),
      pass: a.ratio >= TARGETS.allreduceOfMemcpy,
    });
  return { bestMatmulGflops: best, mfu: mfus, targets };
}
