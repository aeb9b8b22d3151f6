// The whole auto batch decision on one rank: a cached size or the halving search (search.ts), the
// minimum over replicas so every rank steps with the same batch, and the gradient accumulation that
// keeps the effective batch (batch × replicas × accumulation) at least what the settings asked for.
import type { Collective } from '../../collectives/collective';
import type { BatchTry } from '../../core/events';
import type { RunSpec } from '../spec';
import { formatTried } from './oom';
import { findExecutableBatchSize, type TryBatch } from './search';

/**
 * Accumulation that keeps the effective batch: ceil(target / (perDevice × world)) micro-batches,
 * and the effective batch that gives (≥ target; equal when it divides).
 */
export function accumulationFor(
  targetEffective: number,
  perDevice: number,
  world: number,
): { gradientAccumulation: number; effectiveBatch: number } {
  for (const [k, v] of [
    ['targetEffective', targetEffective],
    ['perDevice', perDevice],
    ['world', world],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`accumulationFor: ${k} must be a positive integer, got ${v}`);
  }
  const gradientAccumulation = Math.max(1, Math.ceil(targetEffective / (perDevice * world)));
  return { gradientAccumulation, effectiveBatch: perDevice * world * gradientAccumulation };
}

/** What is remembered per model shape and device: the size found, and the size the search began at. */
export interface CachedBatch {
  batchSize: number;
  start: number;
}

export interface AutoBatchCache {
  get(key: string): Promise<CachedBatch | null>;
  set(key: string, value: CachedBatch): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface AutoBatchKey {
  preset: string;
  vocabSize: number;
  maxSourceLength: number;
  maxTargetLength: number;
  adapter: string;
  backend: string;
  world: number; // replicas may share one GPU's memory
}

export function autoBatchCacheKey(k: AutoBatchKey): string {
  return JSON.stringify([
    'auto-batch/v1',
    k.preset,
    k.vocabSize,
    k.maxSourceLength,
    k.maxTargetLength,
    k.backend,
    k.adapter,
    k.world,
  ]);
}

/** A cached size answers a search from `start` unless it never failed and start is larger now. */
export function cachedAnswer(hit: CachedBatch | null, start: number): number | null {
  if (
    !hit ||
    !Number.isInteger(hit.batchSize) ||
    hit.batchSize < 1 ||
    !Number.isInteger(hit.start) ||
    hit.start < hit.batchSize
  )
    return null;
  if (start > hit.start && hit.batchSize === hit.start) return null; // a bigger size was never tried
  return Math.min(hit.batchSize, start);
}

/** The smallest of every rank's value (0 stands for "this rank failed"); one allGather. */
export async function minOverRanks(c: Collective | undefined, mine: number): Promise<number> {
  if (!c || c.world === 1) return mine;
  const all = await c.allGather(new Float32Array([mine]));
  return Math.min(...all);
}

export interface AutoBatchOutcome {
  batchSize: number;
  gradientAccumulation: number;
  effectiveBatch: number;
  tried: BatchTry[];
  cached: boolean;
}

/** validateSpec's bound on gradientAccumulation. */
const MAX_ACCUMULATION = 1024;

/**
 * The whole decision on one rank: the cached size or a search from spec.batchSize with tryBatch,
 * the minimum over ranks (every rank takes part even when its own search failed, so none waits
 * forever), and the accumulation that keeps spec's effective batch. Cache failures are logged and
 * otherwise ignored.
 */
export async function resolveAutoBatch(o: {
  spec: Pick<RunSpec, 'batchSize' | 'gradientAccumulation'>;
  tryBatch: TryBatch;
  collective?: Collective;
  cache?: AutoBatchCache;
  cacheKey?: string;
  log?: (message: string) => void;
}): Promise<AutoBatchOutcome> {
  const log = o.log ?? (() => {});
  const world = o.collective?.world ?? 1;
  const start = o.spec.batchSize;
  let hit: CachedBatch | null = null;
  if (o.cache && o.cacheKey) {
    try {
      hit = await o.cache.get(o.cacheKey);
    } catch (e) {
      log(`auto batch size: the cache could not be read (${(e as Error).message}); probing`);
    }
  }
  let mine = cachedAnswer(hit, start);
  const cached = mine !== null;
  let tried: BatchTry[] = [];
  let failure: unknown = null;
  if (mine === null) {
    try {
      const r = await findExecutableBatchSize(start, o.tryBatch, {
        onTry: (t) => log(`auto batch size: ${formatTried([t])}`),
      });
      mine = r.batchSize;
      tried = r.tried;
      if (o.cache && o.cacheKey) {
        try {
          await o.cache.set(o.cacheKey, { batchSize: mine, start });
        } catch (e) {
          log(`auto batch size: the result could not be cached (${(e as Error).message})`);
        }
      }
    } catch (e) {
      failure = e;
    }
  }
  const agreed = await minOverRanks(o.collective, failure === null ? mine! : 0);
  if (failure !== null) throw failure;
  if (agreed < 1) throw new Error('auto batch size: another replica found no batch size that fits (see its error)');
  if (agreed < mine!)
    log(`auto batch size: this replica fits ${mine}, another only ${agreed}; every replica uses ${agreed}`);
  const target = start * world * o.spec.gradientAccumulation;
  let { gradientAccumulation, effectiveBatch } = accumulationFor(target, agreed, world);
  if (gradientAccumulation > MAX_ACCUMULATION) {
    gradientAccumulation = MAX_ACCUMULATION;
    effectiveBatch = agreed * world * MAX_ACCUMULATION;
    log(
      `auto batch size: accumulation capped at ${MAX_ACCUMULATION}; the effective batch is ${effectiveBatch}, below ${target}`,
    );
  }
  return { batchSize: agreed, gradientAccumulation, effectiveBatch, tried, cached };
}
