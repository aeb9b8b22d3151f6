// The matmul ceiling of a backend: f32 matmuls, warmed up, best of N, GFLOP/s = 2·b·n³ / t.
// Besides the plain square product, the transposed-B form (what every linear layer here runs:
// x @ Wᵀ) and the batched form (attention: (B·H, T, D) products) are measured, since those are
// where tfjs-wasm is known to leave its fast path. On webgpu the studio's own GEMM (what its
// training step runs: kernels/webgpu/matmul.ts) is measured beside tf.matMul, and the ceiling is
// the best of all records, so MFU is never flattered by a slower reference product.
import * as tf from '@tensorflow/tfjs-core';
import { gflopsOf, matmulFlops } from './flops';
import { bestOf } from './timing';
import { useWebGPUMatmul } from '../kernels/path-mode';
import { matMulWebGPU } from '../kernels/webgpu/matmul';
import type { BackendName } from '../core/run-types';
import type { BackendPlan, MatmulRecord, MatmulVariant } from './types';

async function one(
  backend: BackendName,
  variant: MatmulVariant,
  n: number,
  batch: number,
  minMs: number,
  maxReps: number,
  kernel: NonNullable<MatmulRecord['kernel']>,
): Promise<MatmulRecord> {
  const shape = variant === 'batched' ? [batch, n, n] : [n, n];
  const a = tf.randomUniform(shape, -1, 1, 'float32', 1);
  const b = tf.randomUniform(shape, -1, 1, 'float32', 2);
  const run = async () => {
    const product = kernel === 'gemm' ? matMulWebGPU : tf.matMul;
    const c = product(a as tf.Tensor2D, b as tf.Tensor2D, false, variant === 'transposedB');
    await c.data(); // completes the work on asynchronous backends
    c.dispose();
  };
  try {
    await run(); // warm-up: kernel selection, shader compilation, buffer pools
    const { bestMs, reps } = await bestOf(run, minMs, maxReps);
    const b1 = variant === 'batched' ? batch : 1;
    const gflops = gflopsOf(matmulFlops(n, n, n, b1), bestMs);
    return { backend, variant, ...(kernel === 'gemm' ? { kernel } : {}), n, batch: b1, reps, bestMs, gflops };
  } finally {
    a.dispose();
    b.dispose();
  }
}

export async function measureMatmul(
  backend: BackendName,
  cfg: NonNullable<BackendPlan['matmul']>,
  report: (r: MatmulRecord) => void,
): Promise<void> {
  const jobs: [MatmulVariant, number][] = [
    ...cfg.sizes.map((n): [MatmulVariant, number] => ['square', n]),
    ...cfg.sizes.map((n): [MatmulVariant, number] => ['transposedB', n]),
    ...cfg.batchedSizes.map((n): [MatmulVariant, number] => ['batched', n]),
  ];
  const kernels: NonNullable<MatmulRecord['kernel']>[] =
    backend === 'webgpu' && useWebGPUMatmul() ? ['tf.matMul', 'gemm'] : ['tf.matMul'];
  for (const [variant, n] of jobs)
    for (const kernel of kernels) report(await one(backend, variant, n, cfg.batch, cfg.minMs, cfg.maxReps, kernel));
}
