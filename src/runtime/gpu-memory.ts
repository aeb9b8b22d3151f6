// The worker's side of the auto batch size (train/auto-batch/): one probe step per tried size,
// guarded per backend — on WebGPU a static check against the device limits, then the step inside
// 'out-of-memory' and 'validation' error scopes (WebGPU reports a failed allocation there, not as an
// exception); on wasm a heap budget check and a malloc that throws instead of returning 0; on the cpu
// a plain step (a failed allocation throws a RangeError). Plus the per-device cache in IndexedDB.
import * as tf from '@tensorflow/tfjs-core';
import { checkDeviceLimits, checkMemoryBudget } from '../train/auto-batch/memory';
import { BatchTooLargeError, OutOfMemoryError } from '../train/auto-batch/oom';
import { probeBatch, worstCaseBatch, type ProbeContext } from '../train/auto-batch/probe';
import type { AutoBatchCache, CachedBatch } from '../train/auto-batch/resolve';
import type { TryBatch } from '../train/auto-batch/search';

/** The parts of a GPUDevice the probe uses (typed loosely: TypeScript's DOM lib has no WebGPU types). */
export interface GpuDeviceLike {
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
  pushErrorScope(filter: 'out-of-memory' | 'validation' | 'internal'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

/** tfjs-webgpu's WebGPUBackend keeps its GPUDevice in `device` and pools buffers in `bufferManager`. */
interface WebGpuBackendLike {
  device?: GpuDeviceLike;
  bufferManager?: {
    freeBuffers?: Map<string, { size: number; destroy(): void }[]>;
    numFreeBuffers?: number;
    numBytesAllocated?: number;
  };
}

/** The GPUDevice of the current tfjs backend, or null when it is not webgpu. */
export function webgpuDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as unknown as WebGpuBackendLike).device;
  return device && typeof device.pushErrorScope === 'function' ? device : null;
}

/**
 * Destroys the buffers tfjs-webgpu keeps for reuse (Accelerate empties the CUDA cache between
 * tries the same way): after a failed try they hold the big sizes, and a buffer whose creation ran
 * out of memory is invalid and must never be handed to a later tensor. The pool's keys stay, since
 * tfjs reads an empty pool as a disposed backend.
 */
export function releasePooledBuffers(): void {
  try {
    const bm = (tf.backend() as unknown as WebGpuBackendLike).bufferManager;
    if (!bm || !(bm.freeBuffers instanceof Map)) return;
    for (const list of bm.freeBuffers.values()) {
      for (const buf of list) {
        if (typeof bm.numBytesAllocated === 'number') bm.numBytesAllocated -= buf.size;
        buf.destroy();
      }
      list.length = 0;
    }
    bm.numFreeBuffers = 0;
  } catch {
    // tfjs internals changed: the pool stays as it is
  }
}

/** What wasm32 can address: tfjs-backend-wasm's Emscripten heap grows up to this. */
const WASM_HEAP_MAX = 4294901760;

/** tfjs-backend-wasm's malloc returns 0 on failure and tfjs would write there: make it throw during the probe. */
async function withThrowingMalloc<T>(f: () => Promise<T>): Promise<T> {
  const wasm = (tf.backend() as unknown as { wasm?: { _malloc?: (n: number) => number } }).wasm;
  const malloc = wasm?._malloc;
  if (!wasm || typeof malloc !== 'function') return f();
  wasm._malloc = (n: number) => {
    const p = malloc.call(wasm, n);
    if (p === 0 && n > 0)
      throw new OutOfMemoryError(`wasm: could not allocate ${n} bytes (the WebAssembly heap is full)`);
    return p;
  };
  try {
    return await f();
  } finally {
    wasm._malloc = malloc;
  }
}

const paramBytes = (ctx: ProbeContext) => [...ctx.params.values()].reduce((n, v) => n + 4 * v.size, 0);

const LIMIT_MESSAGE = /exceed|larger than|too large|limit|maximum/i;

/**
 * One forward + backward at batch b on a worst-case batch (the longest examples), guarded for the
 * current backend (or `device`, for tests). Throws OutOfMemoryError / BatchTooLargeError when the
 * batch does not fit, anything else unchanged; resolves with the bytes the step took.
 */
export async function tryStepWithErrorScope(
  ctx: ProbeContext,
  b: number,
  device: GpuDeviceLike | null = webgpuDevice(),
): Promise<{ peakBytes: number }> {
  const batch = worstCaseBatch(ctx.train, b, ctx.padId);
  if (!device) {
    if (tf.getBackend() !== 'wasm') return probeBatch(ctx, batch);
    const budget = WASM_HEAP_MAX - tf.memory().numBytes - 2 * paramBytes(ctx);
    checkMemoryBudget(ctx.config, b, batch.seqLen, budget, 'the WebAssembly heap left', batch.tokens);
    return withThrowingMalloc(() => probeBatch(ctx, batch));
  }
  // A doomed size is rejected before anything is allocated.
  checkDeviceLimits(ctx.config, b, batch.seqLen, device.limits, batch.tokens);
  const allocated = () => (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU ?? 0;
  const allocatedBefore = allocated();
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let report: { peakBytes: number } | null = null;
  let thrown: unknown = null;
  try {
    report = await probeBatch(ctx, batch); // reads the loss back, so every command was submitted
  } catch (e) {
    thrown = e;
  }
  const pop = () =>
    device
      .popErrorScope()
      .catch((e: unknown) => ({ message: `popErrorScope failed: ${(e as Error)?.message ?? String(e)}` }));
  const oom = await pop();
  const invalid = await pop();
  if (oom || invalid || thrown !== null) releasePooledBuffers();
  if (oom) throw new OutOfMemoryError(`WebGPU out of memory at batch ${b}: ${oom.message}`);
  if (invalid) {
    if (LIMIT_MESSAGE.test(invalid.message)) {
      throw new BatchTooLargeError(
        `batch ${b}: WebGPU rejected a buffer: ${invalid.message}`,
        'a buffer',
        0,
        'a device limit',
        0,
      );
    }
    throw new Error(`WebGPU validation error while probing batch ${b}: ${invalid.message}`);
  }
  if (thrown !== null) throw thrown;
  return { peakBytes: Math.max(report!.peakBytes, allocated() - allocatedBefore) };
}

/** The probe the worker hands to runTraining. */
export const gpuStepProbe =
  (ctx: ProbeContext): TryBatch =>
  (b) =>
    tryStepWithErrorScope(ctx, b);

// ---- the cache: IndexedDB (workers have no localStorage) ------------------------------------------

const DB_NAME = 'training-studio-auto-batch';
const STORE = 'sizes';
const IDB_TIMEOUT_MS = 3_000;

function settle<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`IndexedDB ${what} timed out`)), IDB_TIMEOUT_MS);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function openDb(): Promise<IDBDatabase> {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return Promise.reject(new Error('IndexedDB is not available here'));
  const req = idb.open(DB_NAME, 1);
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
  };
  return withTimeout(settle(req), 'open');
}

async function inStore<T>(mode: IDBTransactionMode, what: string, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await withTimeout(settle(f(db.transaction(STORE, mode).objectStore(STORE))), what);
  } finally {
    db.close();
  }
}

/** Found sizes per model shape and device, in this origin's IndexedDB. Every call may reject; callers log and go on. */
export function indexedDbCache(): AutoBatchCache {
  return {
    async get(key) {
      const v = (await inStore('readonly', 'read', (s) => s.get(key))) as Partial<CachedBatch> | undefined;
      return v && typeof v.batchSize === 'number' && typeof v.start === 'number'
        ? { batchSize: v.batchSize, start: v.start }
        : null;
    },
    async set(key, value) {
      await inStore('readwrite', 'write', (s) => s.put({ batchSize: value.batchSize, start: value.start }, key));
    },
    async delete(key) {
      await inStore('readwrite', 'delete', (s) => s.delete(key));
    },
  };
}
