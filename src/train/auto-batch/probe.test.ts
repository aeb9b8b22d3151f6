import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { IGNORE_INDEX, type Example } from '../../core/example';
import { configFor, PRESETS } from '../../model/config';
import { disposeParams, initWeights, toVariables } from '../../model/params';
import { tryStepWithErrorScope, type GpuDeviceLike } from '../../runtime/gpu-memory';
import { BatchTooLargeError, isOutOfMemory, OutOfMemoryError } from './oom';
import { stepProbe, worstCaseBatch, worstCaseExample, type ProbeContext } from './probe';
import { findExecutableBatchSize } from './search';
import { liveTensors } from '../../testing/live-tensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ---- a real model on the cpu backend --------------------------------------------------------------

const tinyConfig = configFor(PRESETS.tiny, 300);
/** Examples of lengths 10..24 with the last third supervised. */
function examples(n: number): Example[] {
  return Array.from({ length: n }, (_, i) => {
    const L = 10 + ((i * 7) % 15);
    const inputIds = Array.from({ length: L }, (_, t) => 3 + ((i * 31 + t * 17) % 290));
    const labels = inputIds.map((_, t) => (t >= L - Math.ceil(L / 3) && t < L - 1 ? inputIds[t + 1] : IGNORE_INDEX));
    return { inputIds, labels };
  });
}

describe('the probe', () => {
  it('builds a worst-case batch: the longest ids, the most supervised positions', () => {
    const ex = examples(20);
    const w = worstCaseExample(ex);
    const maxLen = Math.max(...ex.map((e) => e.inputIds.length));
    const maxSup = Math.max(...ex.map((e) => e.labels.filter((y) => y !== IGNORE_INDEX).length));
    expect(w.inputIds.length).toBe(maxLen);
    expect(w.labels.filter((y) => y !== IGNORE_INDEX)).toHaveLength(maxSup);
    const batch = worstCaseBatch(ex, 3, 0);
    expect([batch.batchSize, batch.seqLen, batch.tokens]).toEqual([3, maxLen, 3 * maxSup]);
  });

  it('runs one real forward + backward of a tiny model at a small batch on the cpu, leaking nothing', async () => {
    const params = toVariables(tinyConfig, initWeights(tinyConfig, 1));
    const ctx: ProbeContext = { config: tinyConfig, params, train: examples(16), padId: 0 };
    const tensors = liveTensors();
    const report = await stepProbe(ctx)(4);
    expect(report && report.peakBytes).toBeGreaterThan(0);
    expect(liveTensors()).toBe(tensors);
    // The search with the real probe behind a fake limit above 2.
    const r = await findExecutableBatchSize(8, async (b) => {
      if (b > 2) throw new OutOfMemoryError('fake');
      return stepProbe(ctx)(b);
    });
    expect(r.tried.map((t) => [t.batchSize, t.ok])).toEqual([
      [8, false],
      [4, false],
      [2, true],
    ]);
    expect(r.tried[2].peakBytes).toBeGreaterThan(0);
    expect(liveTensors()).toBe(tensors);
    disposeParams(params);
  });

  it('wraps the step in WebGPU error scopes: an out-of-memory scope error halves, limits reject before allocating', async () => {
    const params = toVariables(tinyConfig, initWeights(tinyConfig, 2));
    const ctx: ProbeContext = { config: tinyConfig, params, train: examples(16), padId: 0 };
    const scopes: string[] = [];
    let current = 0;
    /** A fake GPUDevice that runs out of memory above 4 rows and binds at most 2 MB. */
    const device: GpuDeviceLike = {
      limits: { maxStorageBufferBindingSize: 2e6, maxBufferSize: 4e6 },
      pushErrorScope: (f) => scopes.push(f),
      popErrorScope: async () => {
        const f = scopes.pop();
        return f === 'out-of-memory' && current > 4 ? { message: 'Not enough memory left.' } : null;
      },
    };
    const tensors = liveTensors();
    const probe = (b: number) => {
      current = b;
      return tryStepWithErrorScope(ctx, b, device);
    };
    // 1024 × 4 × T × T × 4 bytes is far over 2 MB: rejected by the static check, no scope pushed.
    await expect(probe(1024)).rejects.toBeInstanceOf(BatchTooLargeError);
    expect(scopes).toEqual([]);
    const r = await findExecutableBatchSize(16, probe);
    expect(r.tried.map((t) => [t.batchSize, t.ok, t.reason])).toEqual([
      [16, false, 'out of memory'],
      [8, false, 'out of memory'],
      [4, true, undefined],
    ]);
    expect(scopes).toEqual([]); // every pushed scope was popped
    expect(liveTensors()).toBe(tensors);
    // A validation error that is not about a limit is a bug: rethrown, never halved past.
    const broken: GpuDeviceLike = {
      ...device,
      popErrorScope: async () => (scopes.pop() === 'validation' ? { message: 'Invalid BindGroup' } : null),
    };
    const err = (await tryStepWithErrorScope(ctx, 2, broken).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/WebGPU validation error while probing batch 2: Invalid BindGroup/);
    expect(isOutOfMemory(err)).toBe(false);
    disposeParams(params);
  });
});
