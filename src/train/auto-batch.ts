// Auto batch size, as Accelerate's find_executable_batch_size: try a per-device batch, halve it on
// an out-of-memory failure, keep the first that runs; gradient accumulation then keeps the
// effective batch (batch × replicas × accumulation) at least what the settings asked for.
//
// Plain TypeScript: how one batch is tried is injected (the worker wraps the step in WebGPU error
// scopes, see runtime/gpu-memory.ts); the default probe runs one real forward + backward on the
// current tfjs backend, where an allocation failure throws.
import * as tf from '@tensorflow/tfjs-core';
import { collate, type Batch } from '../data/batching';
import { IGNORE_INDEX, type Example } from '../core/example';
import type { Collective } from '../collectives/collective';
import type { LlamaConfig } from '../model/config';
import type { Variables } from '../model/params';
import type { BatchTry } from '../core/events';
import { formatBytesIn } from '../core/format';
import type { RunSpec } from './spec';
import { lossAndGrads } from './step';

export type { BatchTry };

// ---- errors -------------------------------------------------------------------------------------

/** A batch rejected before allocating: one tensor of its step would exceed a device limit. */
export class BatchTooLargeError extends Error {
  override name = 'BatchTooLargeError';
  constructor(
    message: string,
    readonly tensor: string,
    readonly bytes: number,
    readonly limitName: string,
    readonly limit: number,
  ) {
    super(message);
  }
}

/** An allocation failed while a batch was tried (a WebGPU out-of-memory error scope, a failed malloc). */
export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
}

/** What the message of an allocation failure says, on each backend and JS engine. */
const OOM_MESSAGES = [
  /out[- ]of[- ]memory/i, // WebGPU GPUOutOfMemoryError, CUDA-style messages, device lost for memory
  /not enough memory/i,
  /failed to allocate/i, // tfjs ("Failed to allocate ...")
  /allocation failed/i, // V8: "RangeError: Array buffer allocation failed"
  /invalid typed array length/i, // V8: a typed array too large to create
  /cannot enlarge memory/i, // Emscripten: the wasm heap cannot grow
  /\bOOM\b/,
];

const OOM_NAMES = new Set(['BatchTooLargeError', 'OutOfMemoryError', 'GPUOutOfMemoryError']);

/** True for failures that a smaller batch may avoid; anything else is a bug and must surface. */
export function isOutOfMemory(e: unknown): boolean {
  if (e === null || e === undefined) return false;
  if (typeof e === 'string') return OOM_MESSAGES.some((re) => re.test(e));
  if (typeof e !== 'object') return false;
  const o = e as { name?: unknown; message?: unknown; constructor?: { name?: unknown } };
  if (typeof o.name === 'string' && OOM_NAMES.has(o.name)) return true;
  if (typeof o.constructor?.name === 'string' && OOM_NAMES.has(o.constructor.name)) return true;
  return typeof o.message === 'string' && OOM_MESSAGES.some((re) => re.test(o.message as string));
}

/** The short reason a tried size failed, for the tried list and the UI. */
export function oomReason(e: unknown): string {
  if (e instanceof BatchTooLargeError) return `${e.tensor} over ${e.limitName}`;
  return 'out of memory';
}

/** "64 ✗ out of memory, 32 ✓" */
export function formatTried(tried: readonly BatchTry[]): string {
  return tried.map((t) => `${t.batchSize} ${t.ok ? '✓' : `✗ ${t.reason ?? 'failed'}`}`).join(', ');
}

// ---- the search ---------------------------------------------------------------------------------

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

// ---- static checks ------------------------------------------------------------------------------

export interface DeviceLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface StepTensor {
  name: string;
  shape: string; // for messages: "32×4×581×581"
  bytes: number; // float32
}

/**
 * The big single tensors of one training step at batch B and padded length T, float32; N is the
 * supervised positions that go through lm_head (default B·T, the upper bound). Largest first.
 */
export function stepTensors(c: LlamaConfig, B: number, T: number, N = B * T): StepTensor[] {
  const H = c.numAttentionHeads;
  const D = c.hiddenSize / H;
  const t = (name: string, dims: number[]): StepTensor => ({
    name,
    shape: dims.join('×'),
    bytes: 4 * dims.reduce((a, d) => a * d, 1),
  });
  return [
    t('attention scores (B·H·T·T)', [B, H, T, T]),
    t('logits (N·V)', [N, c.vocabSize]),
    t('MLP activations (B·T·I)', [B, T, c.intermediateSize]),
    t('repeated keys/values (B·H·T·D)', [B, H, T, D]),
    t('hidden states (B·T·C)', [B, T, c.hiddenSize]),
    t('embedding gradient (V·C)', [c.vocabSize, c.hiddenSize]),
  ].sort((a, b) => b.bytes - a.bytes);
}

/**
 * Rejects a batch before anything is allocated when one tensor of its step cannot be bound on the
 * device (every tfjs-webgpu tensor is a storage buffer binding): throws BatchTooLargeError naming
 * the tensor and the limit.
 */
export function checkDeviceLimits(
  config: LlamaConfig,
  batchSize: number,
  seqLen: number,
  limits: DeviceLimits,
  supervisedTokens?: number,
): void {
  const [limitName, limit] =
    limits.maxStorageBufferBindingSize <= limits.maxBufferSize
      ? ['maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize]
      : ['maxBufferSize', limits.maxBufferSize];
  if (!(limit > 0)) return; // unknown limits: nothing to check against
  for (const t of stepTensors(config, batchSize, seqLen, supervisedTokens)) {
    if (t.bytes > limit) {
      throw new BatchTooLargeError(
        `batch ${batchSize} does not fit this device: ${t.name} = ${t.shape} float32 is ${formatBytesIn(t.bytes, 'MB')}, over ${limitName} (${formatBytesIn(limit, 'MB')})`,
        t.name,
        t.bytes,
        limitName,
        limit,
      );
    }
  }
}

/**
 * A lower bound on the activation bytes the backward pass keeps at once (per layer the softmax
 * output, the MLP gate and up projections and two hidden states, plus the log-softmax of the
 * logits): a batch whose bound exceeds a memory budget cannot fit.
 */
export function activationBytesLowerBound(c: LlamaConfig, B: number, T: number, N = B * T): number {
  const perLayer = B * c.numAttentionHeads * T * T + 2 * B * T * c.intermediateSize + 2 * B * T * c.hiddenSize;
  return 4 * (c.numHiddenLayers * perLayer + N * c.vocabSize);
}

/** Throws BatchTooLargeError when the activations alone (lower bound) exceed budgetBytes. */
export function checkMemoryBudget(
  config: LlamaConfig,
  batchSize: number,
  seqLen: number,
  budgetBytes: number,
  budgetName: string,
  supervisedTokens?: number,
): void {
  const need = activationBytesLowerBound(config, batchSize, seqLen, supervisedTokens);
  if (need > budgetBytes) {
    throw new BatchTooLargeError(
      `batch ${batchSize} does not fit: its activations need at least ${formatBytesIn(need, 'MB')}, over ${budgetName} (${formatBytesIn(budgetBytes, 'MB')})`,
      'activations',
      need,
      budgetName,
      budgetBytes,
    );
  }
}

/** One line for logs and the UI: the step's largest tensor and its activation floor. */
export function memoryEstimate(
  config: LlamaConfig,
  batchSize: number,
  seqLen: number,
  supervisedTokens?: number,
): string {
  const [big] = stepTensors(config, batchSize, seqLen, supervisedTokens);
  return `batch ${batchSize} × ${seqLen} tokens: largest tensor ${big.name} ${formatBytesIn(big.bytes, 'MB')}, activations ≥ ${formatBytesIn(activationBytesLowerBound(config, batchSize, seqLen, supervisedTokens), 'MB')}`;
}

// ---- the probe ----------------------------------------------------------------------------------

export interface ProbeContext {
  config: LlamaConfig;
  params: Variables;
  train: readonly Example[];
  padId: number;
}

/**
 * One synthetic row at least as costly as any training row: the longest example's ids (the padded
 * length of any batch is at most this), with as many supervised positions as the most supervised
 * example (the lm_head rows of any batch are at most B times this).
 */
export function worstCaseExample(examples: readonly Example[]): Example {
  if (examples.length === 0) throw new Error('auto batch size: no training examples to probe with');
  let longest = examples[0];
  let maxSupervised = 1;
  for (const e of examples) {
    if (e.inputIds.length > longest.inputIds.length) longest = e;
    maxSupervised = Math.max(
      maxSupervised,
      e.labels.reduce((n, y) => n + (y === IGNORE_INDEX ? 0 : 1), 0),
    );
  }
  const T = longest.inputIds.length;
  const n = Math.min(maxSupervised, T);
  const labels = longest.inputIds.map((_, t) => (t >= T - n ? longest.inputIds[(t + 1) % T] : IGNORE_INDEX));
  return { inputIds: longest.inputIds.slice(), labels };
}

/** b copies of worstCaseExample, collated. */
export function worstCaseBatch(examples: readonly Example[], b: number, padId: number): Batch {
  const row = worstCaseExample(examples);
  return collate(
    Array.from({ length: b }, () => row),
    padId,
  );
}

/** Tensors a failed gradient computation left on tfjs's tape (it keeps them until a backward pass ends). */
function disposeAbandonedTape(): void {
  try {
    const state = tf.engine().state;
    if (state.gradientDepth === 0 && state.activeTape) {
      for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
      state.activeTape = null as unknown as typeof state.activeTape;
    }
  } catch {
    // internals moved: nothing to clean, at worst the failed probe's tensors leak
  }
}

/**
 * One forward + backward on `batch`, while tensors the size of the AdamW moments are held (the
 * training step keeps them too); everything is disposed before it returns or throws. Resolves with
 * the bytes tfjs held at the end of the step beyond what it held before.
 */
export async function probeBatch(ctx: ProbeContext, batch: Batch): Promise<{ peakBytes: number }> {
  const before = tf.memory().numBytes;
  const held: tf.Tensor[] = [];
  try {
    for (const v of ctx.params.values()) held.push(tf.zerosLike(v), tf.zerosLike(v));
    const { loss, grads } = lossAndGrads(ctx.params, ctx.config, batch);
    held.push(loss, ...grads.values());
    await loss.data(); // waits for the work: a deferred failure shows up here
    return { peakBytes: tf.memory().numBytes - before };
  } catch (e) {
    disposeAbandonedTape();
    throw e;
  } finally {
    for (const t of held) t.dispose();
  }
}

/** The default probe: a worst-case batch of size b through probeBatch, on whatever backend is current. */
export function stepProbe(ctx: ProbeContext): TryBatch {
  return (b) => probeBatch(ctx, worstCaseBatch(ctx.train, b, ctx.padId));
}

// ---- cache, agreement, the whole decision -------------------------------------------------------

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
