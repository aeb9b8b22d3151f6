// Auto batch size, as Accelerate's find_executable_batch_size: try a per-device batch, halve it on
// an out-of-memory failure, keep the first that runs (resolve.ts then adds the cache, the agreement
// between replicas and the accumulation that keeps the effective batch).
//
// Plain TypeScript: how one batch is tried is injected (the worker wraps the step in WebGPU error
// scopes, see runtime/gpu-memory.ts; probe.ts has the default, one real step on the current backend).
import type { BatchTry } from '../../core/events';
import { formatTried, isOutOfMemory, oomReason, OutOfMemoryError } from './oom';

export interface AutoBatchResult {
  batchSize: number;
  tried: BatchTry[];
}

/** A probe may say how many bytes the step took; it throws when the batch does not fit. */
export type TryBatch = (batchSize: number) => Promise<void | { peakBytes?: number }>;

/**
 * The largest batch that runs, trying start, then halving (⌊b/2⌋, never below min) after each
 * out-of-memory failure (isOutOfMemory). Any other error is rethrown unchanged; when min fails too,
 * throws an error naming every size tried.
 */
export async function findExecutableBatchSize(
  start: number,
  tryBatch: TryBatch,
  opts: { min?: number; onTry?: (t: BatchTry) => void } = {},
): Promise<AutoBatchResult> {
  const min = opts.min ?? 1;
  if (!Number.isInteger(min) || min < 1) throw new Error(`auto batch size: min must be a positive integer, got ${min}`);
  if (!Number.isInteger(start) || start < min)
    throw new Error(`auto batch size: the starting batch must be an integer >= ${min}, got ${start}`);
  const tried: BatchTry[] = [];
  for (let b = start; ; b = Math.max(min, Math.floor(b / 2))) {
    let t: BatchTry;
    try {
      const report = await tryBatch(b);
      t = { batchSize: b, ok: true };
      if (report && typeof report.peakBytes === 'number') t.peakBytes = report.peakBytes;
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      t = { batchSize: b, ok: false, reason: oomReason(e) };
    }
    tried.push(t);
    opts.onTry?.(t);
    if (t.ok) return { batchSize: b, tried };
    if (b <= min) {
      throw new OutOfMemoryError(
        `auto batch size: no batch size fits — tried ${formatTried(tried)}; even ${min} ran out of memory. ` +
          'Use a smaller preset or shorter maxSourceLength / maxTargetLength.',
      );
    }
  }
}
