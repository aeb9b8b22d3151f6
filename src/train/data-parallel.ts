// One data-parallel optimizer step (Accelerate DDP semantics, made exact for token-mean losses).
// Every rank calls it with the same GLOBAL batch of example indices and the same lr:
//   1. rank r takes its contiguous shard, cut into accumulationSteps micro-batches, and sums the
//      gradients of the SUMMED token losses into one flat vector (accumulate.ts);
//   2. one all-reduce adds [gradient sums | token count | loss sum] over ranks;
//   3. every rank divides by the GLOBAL token count, so a token weighs the same whichever shard
//      and micro-batch it fell in (averaging per-rank means would over-weigh short shards);
//   4. global-norm clipping on the flat vector, then the optimizer.
// Every rank holds the same reduced bits, so the same deterministic update leaves every rank with
// bit-identical parameters; ZeRO-1 (zero.ts) instead updates a slice and all-gathers.
import type { Example } from '../core/example';
import type { Collective } from '../collectives/collective';
import { allReduceSumFp16, type DynamicLossScaler } from '../collectives/fp16';
import type { LlamaConfig } from '../model/config';
import type { Variables } from '../model/params';
import { accumulateGradients, rankSeed, shardOf, type MeanGradient } from './accumulate';
import type { Training } from './loss';
import { AdamW, type AdamWOptions } from './adamw';
import { clipFlatByGlobalNorm, unpackTensors, type FlatLayout } from './flat';
import type { OptimizerState } from './optimizer-state';

/** What a rank does with the reduced, clipped gradient. After apply, every rank holds the same parameters. */
export interface FlatOptimizer {
  /** Bytes of optimizer state (moments) this rank holds: 8·P replicated, about 8·P/W under ZeRO-1. */
  readonly optimizerBytes: number;
  /** Optimizer steps taken (skipped steps do not count). */
  readonly step: number;
  /** One update from the flat gradient (P, layout order), identical on every rank. */
  apply(params: Variables, grad: Float32Array, lr: number): Promise<void>;
  /** The whole state in flat layout order. Collective under ZeRO-1: every rank must call it, in step. */
  exportState(): Promise<OptimizerState>;
  /** Continues from a whole saved state (any optimizer kind's); each rank keeps the part it owns. */
  restoreState(state: OptimizerState): void;
  dispose(): void;
}

/** Plain DDP: every rank keeps full AdamW moments (adamw.ts, tfjs ops) and updates every parameter. */
export class ReplicatedAdamW implements FlatOptimizer {
  private readonly opt: AdamW;

  constructor(
    private readonly layout: FlatLayout,
    opts: AdamWOptions,
  ) {
    this.opt = new AdamW(opts);
  }

  get step(): number {
    return this.opt.step;
  }

  get optimizerBytes(): number {
    return 2 * this.layout.total * 4; // m and v, float32, created on the first apply
  }

  async apply(params: Variables, grad: Float32Array, lr: number): Promise<void> {
    const grads = unpackTensors(this.layout, grad);
    try {
      this.opt.apply(params, grads, lr);
    } finally {
      for (const g of grads.values()) g.dispose();
    }
  }

  exportState(): Promise<OptimizerState> {
    return this.opt.exportState(this.layout);
  }

  restoreState(state: OptimizerState): void {
    this.opt.restoreState(this.layout, state);
  }

  dispose(): void {
    this.opt.dispose();
  }
}

/** A rank's fixed part in data-parallel training. */
export interface Replica {
  collective: Collective;
  config: LlamaConfig;
  params: Variables; // this rank's own variables
  layout: FlatLayout; // flat order of params (flatLayout(config))
  optimizer: FlatOptimizer;
  padId: number;
  accumulationSteps: number; // micro-batches per rank per step
  maxGradNorm: number; // ≤ 0: no clipping
  /** Exchange gradients as fp16 (half the bytes) under dynamic loss scaling; fp32 master weights. */
  fp16?: DynamicLossScaler;
}

export interface DataParallelStepResult {
  loss: number; // mean token loss over the global batch
  gradNorm: number; // global norm of the mean gradient, before clipping
  tokens: number; // supervised tokens in the global batch
  applied: boolean; // false when the loss or gradient was not finite and every rank skipped the update
}

// One gradient buffer per replica, reused every step: a fresh (P + 2) array faults its pages in on
// first write, ~18 µs per 4 KiB page on the sandboxed machines here (~70 ms a step for 16 MiB).
// With `shared`, the collective's registered array where it has one (SabCollective.sharedArray):
// the all-reduce then sums it where it lies, with no copies. sharedArray is itself a collective
// call; every rank gets here at the same point of the same step with the same length, so the
// ranks' calls line up. Cached per replica, so it runs once per replica and length.
const buffers = new WeakMap<Replica, Float32Array>();
async function stepBuffer(rep: Replica, n: number, shared: boolean): Promise<Float32Array> {
  let buf = buffers.get(rep);
  if (!buf || buf.length !== n) {
    buf = (shared ? await rep.collective.sharedArray?.(n) : null) ?? new Float32Array(n);
    buffers.set(rep, buf);
  }
  return buf;
}

/**
 * Steps 1–3: this rank's shard of globalIndices, accumulated, all-reduced and divided by the
 * global token count. Every rank must call it with the same globalIndices. Throws (on every rank
 * alike) when the global batch has no supervised token. The returned grad is a view of the
 * replica's own buffer (the group's shared memory when the collective registers arrays): valid
 * until its next reduceGradients.
 */
export async function reduceGradients(
  rep: Replica,
  examples: readonly Example[],
  globalIndices: readonly number[],
  poison = false,
  training?: Training,
): Promise<MeanGradient> {
  const { collective: c, layout } = rep;
  const mine = training && { dropoutSeed: rankSeed(training, c.rank) };
  if (rep.fp16) return reduceGradientsFp16(rep, rep.fp16, examples, globalIndices, poison, mine);
  // One buffer, one all-reduce: (P) gradient sums, then the token count and the loss sum. Float32
  // counts tokens exactly up to 2^24 per global batch. accumulateGradients zeroes it first.
  const buf = await stepBuffer(rep, layout.total + 2, true);
  const grad = buf.subarray(0, layout.total);
  const shard = shardOf(globalIndices, c.rank, c.world);
  const local = await accumulateGradients(
    rep.params,
    rep.config,
    layout,
    examples,
    shard,
    rep.accumulationSteps,
    rep.padId,
    grad,
    mine,
  );
  if (poison) grad[0] = Number.NaN; // a fault drill: before the all-reduce, so every rank sees it and skips
  buf[layout.total] = local.tokens;
  buf[layout.total + 1] = poison ? Number.NaN : local.lossSum;
  await c.allReduceSum(buf); // sums in rank order: the same bits on every rank
  const tokens = buf[layout.total];
  if (tokens === 0) throw new Error('global batch has no supervised tokens (every label is masked)');
  for (let i = 0; i < grad.length; i++) grad[i] /= tokens;
  return { grad, loss: buf[layout.total + 1] / tokens, tokens };
}

/**
 * The fp16 exchange: token count and loss sum first (two floats, fp32), so each rank can divide
 * its gradient sums by the GLOBAL token count before scaling — mean gradients times the loss scale
 * stay inside half's range where raw sums would overflow. An overflow on any rank is seen by all:
 * the step is skipped everywhere (grad left non-finite) and the scale backs off.
 */
async function reduceGradientsFp16(
  rep: Replica,
  scaler: DynamicLossScaler,
  examples: readonly Example[],
  globalIndices: readonly number[],
  poison: boolean,
  training: Training | undefined,
): Promise<MeanGradient> {
  const { collective: c, layout } = rep;
  // A private buffer: allReduceSumFp16 exchanges half-precision copies, never this array itself.
  const grad = await stepBuffer(rep, layout.total, false);
  const local = await accumulateGradients(
    rep.params,
    rep.config,
    layout,
    examples,
    shardOf(globalIndices, c.rank, c.world),
    rep.accumulationSteps,
    rep.padId,
    grad,
    training,
  );
  if (poison) grad[0] = Number.NaN;
  const counts = new Float32Array([local.tokens, poison ? Number.NaN : local.lossSum]);
  await c.allReduceSum(counts);
  const tokens = counts[0];
  if (tokens === 0) throw new Error('global batch has no supervised tokens (every label is masked)');
  for (let i = 0; i < grad.length; i++) grad[i] /= tokens;
  const overflow = await allReduceSumFp16(c, grad, scaler.scale);
  scaler.update(overflow);
  if (overflow) grad.fill(Number.NaN); // every rank skips this step
  return { grad, loss: counts[1] / tokens, tokens };
}

/**
 * Step 4: global-norm clipping of the mean gradient (in place), then the update, unless the loss or
 * the gradient is not finite. Every rank holds the same reduced bits and makes the same test, so
 * every rank skips together and collectives stay in step.
 */
export async function applyMeanGradient(
  optimizer: FlatOptimizer,
  params: Variables,
  mean: MeanGradient,
  maxGradNorm: number,
  lr: number,
): Promise<DataParallelStepResult> {
  const gradNorm = clipFlatByGlobalNorm(mean.grad, maxGradNorm);
  const applied = Number.isFinite(mean.loss) && Number.isFinite(gradNorm);
  if (applied) await optimizer.apply(params, mean.grad, lr);
  return { loss: mean.loss, gradNorm, tokens: mean.tokens, applied };
}

/** One data-parallel optimizer step over a global batch; every rank calls it with the same arguments but its own Replica. */
export async function dataParallelStep(
  rep: Replica,
  examples: readonly Example[],
  globalIndices: readonly number[],
  lr: number,
  poison = false,
  training?: Training, // LoRA dropout: the step's seed; each rank and micro-batch mixes in its own
): Promise<DataParallelStepResult> {
  return applyMeanGradient(
    rep.optimizer,
    rep.params,
    await reduceGradients(rep, examples, globalIndices, poison, training),
    rep.maxGradNorm,
    lr,
  );
}
