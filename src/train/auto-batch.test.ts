import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from '../core/example';
import { createLocalGroup } from '../collectives/local-collective';
import { configFor, PRESETS } from '../model/config';
import { disposeParams, initWeights, toVariables } from '../model/params';
import { readSharedText } from '../testing/shared';
import { tryStepWithErrorScope, type GpuDeviceLike } from '../runtime/gpu-memory';
import {
  accumulationFor,
  autoBatchCacheKey,
  BatchTooLargeError,
  cachedAnswer,
  checkDeviceLimits,
  checkMemoryBudget,
  findExecutableBatchSize,
  isOutOfMemory,
  OutOfMemoryError,
  resolveAutoBatch,
  stepProbe,
  worstCaseBatch,
  worstCaseExample,
  type AutoBatchCache,
  type CachedBatch,
  type ProbeContext,
} from './auto-batch';
import type { RunEvent } from '../core/events';
import { runTraining } from './run';
import { readRunData } from './run-data';
import { defaultSpec, validateSpec } from './spec';
import type { Example } from '../core/example';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const oom = () => new Error('Failed to allocate 1073741824 bytes: out of memory');
/** A fake device that fits batches up to `fits`. */
const fitsUpTo =
  (fits: number, seen: number[] = []) =>
  async (b: number) => {
    seen.push(b);
    if (b > fits) throw oom();
  };

describe('findExecutableBatchSize', () => {
  it('halves from the start after each out-of-memory failure: 64 ✗ 32 ✗ 16 ✗ 8 ✓', async () => {
    const seen: number[] = [];
    const r = await findExecutableBatchSize(64, fitsUpTo(12, seen));
    expect(r.batchSize).toBe(8);
    expect(seen).toEqual([64, 32, 16, 8]);
    expect(r.tried).toEqual([
      { batchSize: 64, ok: false, reason: 'out of memory' },
      { batchSize: 32, ok: false, reason: 'out of memory' },
      { batchSize: 16, ok: false, reason: 'out of memory' },
      { batchSize: 8, ok: true },
    ]);
  });

  it('keeps the start when it fits, and floors odd sizes (12 → 6 → 3)', async () => {
    expect((await findExecutableBatchSize(8, fitsUpTo(100))).tried).toEqual([{ batchSize: 8, ok: true }]);
    const seen: number[] = [];
    expect((await findExecutableBatchSize(12, fitsUpTo(3, seen))).batchSize).toBe(3);
    expect(seen).toEqual([12, 6, 3]);
  });

  it('records the peak bytes a probe reports', async () => {
    const r = await findExecutableBatchSize(4, async () => ({ peakBytes: 1234 }));
    expect(r.tried).toEqual([{ batchSize: 4, ok: true, peakBytes: 1234 }]);
  });

  it('rethrows any other error unchanged, without trying smaller sizes', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    const seen: number[] = [];
    await expect(
      findExecutableBatchSize(64, async (b) => {
        seen.push(b);
        if (b === 32) throw bug;
        throw oom();
      }),
    ).rejects.toBe(bug);
    expect(seen).toEqual([64, 32]);
  });

  it('throws a clear error naming every size tried when even the minimum fails', async () => {
    const err = (await findExecutableBatchSize(8, fitsUpTo(0)).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err.message).toMatch(/no batch size fits/);
    expect(err.message).toContain('8 ✗ out of memory, 4 ✗ out of memory, 2 ✗ out of memory, 1 ✗ out of memory');
    const seen: number[] = [];
    const withMin = (await findExecutableBatchSize(20, fitsUpTo(2, seen), { min: 3 }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(seen).toEqual([20, 10, 5, 3]); // never below min
    expect(withMin.message).toMatch(/even 3 ran out of memory/);
  });

  it('rejects a start below the minimum', async () => {
    await expect(findExecutableBatchSize(0, fitsUpTo(1))).rejects.toThrow(/starting batch/);
    await expect(findExecutableBatchSize(2, fitsUpTo(1), { min: 4 })).rejects.toThrow(/starting batch/);
  });
});

describe('isOutOfMemory', () => {
  it.each([
    ['WebGPU error scope', { constructor: { name: 'GPUOutOfMemoryError' }, message: 'Not enough memory left.' }],
    ['our OutOfMemoryError', new OutOfMemoryError('WebGPU out of memory at batch 32: x')],
    ['a device-limit rejection', new BatchTooLargeError('too big', 'attention scores', 1, 'maxBufferSize', 0)],
    ['tfjs', new Error('Failed to allocate 4096 bytes')],
    ['plain message', new Error('out of memory')],
    ['V8 typed array', new RangeError('Array buffer allocation failed')],
    ['V8 typed array length', new RangeError('Invalid typed array length: 4294967296')],
    ['Emscripten heap', new Error('Aborted(Cannot enlarge memory arrays to size 4294967296 bytes (OOM))')],
    ['a string', 'CUDA out of memory.'],
  ])('true for %s', (_, e) => expect(isOutOfMemory(e)).toBe(true));

  it.each([
    [
      'a shape bug',
      new Error('Error in matMul: inner shapes (3) and (4) of Tensors with shapes 2,3 and 4,2 must match'),
    ],
    ['a type error', new TypeError('x is undefined')],
    ['a WebGPU validation error', new Error('WebGPU validation error while probing batch 8: invalid bind group')],
    ['null', null],
    ['a number', 42],
  ])('false for %s', (_, e) => expect(isOutOfMemory(e)).toBe(false));
});

describe('accumulationFor', () => {
  it('keeps the effective batch: ceil(target / (perDevice × world))', () => {
    expect(accumulationFor(32, 8, 1)).toEqual({ gradientAccumulation: 4, effectiveBatch: 32 });
    expect(accumulationFor(64, 8, 2)).toEqual({ gradientAccumulation: 4, effectiveBatch: 64 });
    expect(accumulationFor(32, 12, 2)).toEqual({ gradientAccumulation: 2, effectiveBatch: 48 }); // rounds up, never below
    expect(accumulationFor(8, 8, 4)).toEqual({ gradientAccumulation: 1, effectiveBatch: 32 }); // never below 1
  });

  it('rejects non-positive or fractional inputs', () => {
    expect(() => accumulationFor(0, 8, 1)).toThrow(/targetEffective/);
    expect(() => accumulationFor(32, 1.5, 1)).toThrow(/perDevice/);
    expect(() => accumulationFor(32, 8, 0)).toThrow(/world/);
  });
});

describe('checkDeviceLimits', () => {
  const tiny = configFor(PRESETS.tiny, 512); // H = 4
  const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };

  it('rejects a batch whose attention scores exceed the binding limit, naming the tensor and the limit', () => {
    // 64 × 4 × 512 × 512 × 4 bytes = 268 MB > 128 MiB
    let err: unknown;
    try {
      checkDeviceLimits(tiny, 64, 512, limits, 64 * 32);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BatchTooLargeError);
    const e = err as BatchTooLargeError;
    expect(e.tensor).toMatch(/attention scores/);
    expect(e.limitName).toBe('maxStorageBufferBindingSize');
    expect(e.bytes).toBe(64 * 4 * 512 * 512 * 4);
    expect(e.message).toMatch(
      /batch 64 does not fit this device: attention scores .* 64×4×512×512 float32 is 268\.4 MB, over maxStorageBufferBindingSize \(134\.2 MB\)/,
    );
    expect(isOutOfMemory(e)).toBe(true); // so the search halves past it without allocating
  });

  it('accepts a small batch, and names the smaller of the two limits', () => {
    expect(() => checkDeviceLimits(tiny, 4, 160, limits)).not.toThrow();
    const e = (() => {
      try {
        checkDeviceLimits(tiny, 4, 160, { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 1e6 });
      } catch (x) {
        return x as BatchTooLargeError;
      }
    })();
    expect(e?.limitName).toBe('maxBufferSize');
  });

  it('names the logits when the vocabulary dominates', () => {
    const wide = configFor(PRESETS.tiny, 65536);
    expect(() => checkDeviceLimits(wide, 16, 64, limits, 16 * 64)).toThrow(/logits \(N·V\)/);
  });

  it('drives the search without allocating: 64 ✗ limit, 32 ✗ limit, 16 ✓', async () => {
    const r = await findExecutableBatchSize(64, async (b) =>
      checkDeviceLimits(tiny, b, 512, { maxStorageBufferBindingSize: 80e6, maxBufferSize: 80e6 }),
    );
    expect(r.batchSize).toBe(16);
    expect(r.tried.map((t) => [t.batchSize, t.ok, t.reason])).toEqual([
      [64, false, 'attention scores (B·H·T·T) over maxStorageBufferBindingSize'],
      [32, false, 'attention scores (B·H·T·T) over maxStorageBufferBindingSize'],
      [16, true, undefined],
    ]);
  });

  it('checkMemoryBudget rejects a batch whose activations alone exceed the budget', () => {
    expect(() => checkMemoryBudget(tiny, 1, 64, 1e9, 'heap')).not.toThrow();
    expect(() => checkMemoryBudget(tiny, 512, 512, 1e9, 'the WebAssembly heap left')).toThrow(BatchTooLargeError);
  });
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
    const tensors = tf.memory().numTensors;
    const report = await stepProbe(ctx)(4);
    expect(report && report.peakBytes).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(tensors);
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
    expect(tf.memory().numTensors).toBe(tensors);
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
    const tensors = tf.memory().numTensors;
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
    expect(tf.memory().numTensors).toBe(tensors);
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

// ---- cache, ranks, the run ------------------------------------------------------------------------

function memoryCache(): AutoBatchCache & { map: Map<string, CachedBatch> } {
  const map = new Map<string, CachedBatch>();
  return {
    map,
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => void map.delete(k),
  };
}

describe('resolveAutoBatch', () => {
  const spec = { batchSize: 16, gradientAccumulation: 1 };

  it('probes, keeps the effective batch, caches, and answers from the cache next time', async () => {
    const cache = memoryCache();
    const first = await resolveAutoBatch({ spec, tryBatch: fitsUpTo(5), cache, cacheKey: 'k' });
    expect(first).toMatchObject({ batchSize: 4, gradientAccumulation: 4, effectiveBatch: 16, cached: false });
    expect(first.tried.map((t) => t.batchSize)).toEqual([16, 8, 4]);
    expect(cache.map.get('k')).toEqual({ batchSize: 4, start: 16 });
    const seen: number[] = [];
    const second = await resolveAutoBatch({ spec, tryBatch: fitsUpTo(5, seen), cache, cacheKey: 'k' });
    expect(second).toEqual({ batchSize: 4, gradientAccumulation: 4, effectiveBatch: 16, tried: [], cached: true });
    expect(seen).toEqual([]);
  });

  it('uses the cache only when it answers the question asked', () => {
    expect(cachedAnswer({ batchSize: 4, start: 16 }, 16)).toBe(4);
    expect(cachedAnswer({ batchSize: 4, start: 16 }, 64)).toBe(4); // 8 failed before: 64 would too
    expect(cachedAnswer({ batchSize: 4, start: 16 }, 2)).toBe(2);
    expect(cachedAnswer({ batchSize: 8, start: 8 }, 32)).toBeNull(); // nothing above 8 was tried
    expect(cachedAnswer({ batchSize: 0, start: 8 }, 8)).toBeNull();
    expect(cachedAnswer(null, 8)).toBeNull();
  });

  it('goes on when the cache fails', async () => {
    const broken: AutoBatchCache = {
      get: async () => {
        throw new Error('quota');
      },
      set: async () => {
        throw new Error('quota');
      },
      delete: async () => {},
    };
    const log: string[] = [];
    const r = await resolveAutoBatch({
      spec,
      tryBatch: fitsUpTo(8),
      cache: broken,
      cacheKey: 'k',
      log: (m) => log.push(m),
    });
    expect(r.batchSize).toBe(8);
    expect(log.some((m) => /could not be read/.test(m))).toBe(true);
    expect(log.some((m) => /could not be cached/.test(m))).toBe(true);
  });

  it('every rank takes the minimum, and the accumulation keeps batch × replicas × accumulation', async () => {
    const [a, b] = createLocalGroup(2);
    const [ra, rb] = await Promise.all([
      resolveAutoBatch({ spec, tryBatch: fitsUpTo(16), collective: a }),
      resolveAutoBatch({ spec, tryBatch: fitsUpTo(5), collective: b }),
    ]);
    expect(ra).toMatchObject({ batchSize: 4, gradientAccumulation: 4, effectiveBatch: 32 });
    expect(rb).toMatchObject({ batchSize: 4, gradientAccumulation: 4, effectiveBatch: 32 });
    expect(ra.tried).toEqual([{ batchSize: 16, ok: true }]); // each rank reports its own search
  });

  it('a rank whose search fails makes every rank fail instead of hanging', async () => {
    const [a, b] = createLocalGroup(2);
    const bug = new Error('shape bug');
    const [ra, rb] = await Promise.allSettled([
      resolveAutoBatch({ spec, tryBatch: fitsUpTo(16), collective: a }),
      resolveAutoBatch({
        spec,
        tryBatch: async () => {
          throw bug;
        },
        collective: b,
      }),
    ]);
    expect(ra.status === 'rejected' && (ra.reason as Error).message).toMatch(/another replica found no batch size/);
    expect(rb.status === 'rejected' && rb.reason).toBe(bug);
  });

  it('keys the cache by model shape and device', () => {
    const base = {
      preset: 'small',
      vocabSize: 4096,
      maxSourceLength: 512,
      maxTargetLength: 64,
      adapter: 'nvidia ampere',
      backend: 'webgpu',
      world: 1,
    };
    expect(autoBatchCacheKey(base)).toBe(autoBatchCacheKey({ ...base }));
    for (const change of [
      { preset: 'base' },
      { vocabSize: 8192 },
      { maxSourceLength: 256 },
      { maxTargetLength: 32 },
      { adapter: 'intel' },
      { backend: 'wasm' },
      { world: 2 },
    ]) {
      expect(autoBatchCacheKey({ ...base, ...change })).not.toBe(autoBatchCacheKey(base));
    }
  });
});

describe('runTraining with autoBatchSize', () => {
  it('is off by default, and validateSpec wants a boolean', () => {
    expect(defaultSpec().autoBatchSize).toBe(false);
    expect(() => validateSpec({ ...defaultSpec(), autoBatchSize: 'yes' })).toThrow(/autoBatchSize/);
  });

  it('probes before training, reports the size, and trains with the accumulation that keeps the effective batch', async () => {
    const spec = {
      ...defaultSpec('tiny'),
      batchSize: 8,
      maxSteps: 2,
      maxSourceLength: 32,
      maxTargetLength: 16,
      validationSize: 0,
      autoBatchSize: true,
    };
    const events: RunEvent[] = [];
    const cache = memoryCache();
    const seen: number[] = [];
    const tensors = tf.memory().numTensors;
    const data = readRunData({ train: { name: 'train.jsonl', text: readSharedText('data/xsum/train.jsonl') } }, (e) =>
      events.push(e),
    );
    const out = await runTraining({
      spec,
      data,
      emit: (e) => events.push(e),
      autoBatch: {
        probe: (ctx) => async (b) => {
          seen.push(b);
          if (b > 2) throw new OutOfMemoryError(`fake: batch ${b}`);
          return stepProbe(ctx)(b);
        },
        cache,
        cacheKey: 'tiny',
      },
    });
    const auto = events.find((e) => e.type === 'autoBatch');
    expect(auto).toMatchObject({ type: 'autoBatch', batchSize: 2, gradientAccumulation: 4, cached: false });
    expect(auto && auto.type === 'autoBatch' && auto.tried.map((t) => [t.batchSize, t.ok])).toEqual([
      [8, false],
      [4, false],
      [2, true],
    ]);
    const types = events.map((e) => e.type);
    expect(types.indexOf('model')).toBeLessThan(types.indexOf('autoBatch'));
    expect(types.indexOf('autoBatch')).toBeLessThan(types.indexOf('step'));
    expect(events.some((e) => e.type === 'status' && /effective batch 8 \(asked 8\)/.test(e.message))).toBe(true);
    // 8 examples per optimizer step as asked: the planned steps are the same as without auto batch.
    expect(events.filter((e) => e.type === 'step').map((e) => e.type === 'step' && e.totalSteps)).toEqual([2, 2]);
    expect(out.steps).toBe(2);
    expect(cache.map.get('tiny')).toEqual({ batchSize: 2, start: 8 });
    disposeParams(out.params);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(seen).toEqual([8, 4, 2]);
  });
});
