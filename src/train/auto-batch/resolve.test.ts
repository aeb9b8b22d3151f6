import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalGroup } from '../../collectives/local-collective';
import type { RunEvent } from '../../core/events';
import { disposeParams } from '../../model/params';
import { readSharedText } from '../../testing/shared';
import { runTraining } from '../run';
import { readRunData } from '../run-data';
import { defaultSpec, validateSpec } from '../spec';
import { OutOfMemoryError } from './oom';
import { stepProbe } from './probe';
import {
  accumulationFor,
  autoBatchCacheKey,
  cachedAnswer,
  resolveAutoBatch,
  type AutoBatchCache,
  type CachedBatch,
} from './resolve';
import { fitsUpTo } from './testdata/fake-probe';
import { liveTensors } from '../../testing/live-tensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
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
    const tensors = liveTensors();
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
    expect(liveTensors()).toBe(tensors);
    expect(seen).toEqual([8, 4, 2]);
  });
});
