// ZeRO stage 1: optimizer state partitioned across ranks. The flat parameter vector (flat.ts) is
// cut into W contiguous ranges (sizes differ by at most 1, tensor boundaries ignored); rank r keeps
// AdamW moments only for range r, updates only those parameters from the (full, identical) reduced
// gradient, then an all-gather hands every rank the whole updated vector. Optimizer memory per rank
// drops from 8·P to about 8·P/W bytes; the result equals the unsharded optimizer.
import type { Collective } from '../collectives/collective';
import type { Variables } from '../model/params';
import type { AdamWOptions } from './adamw';
import type { FlatOptimizer } from './data-parallel';
import { assignFlat, shardRange, type FlatLayout } from './flat';
import { checkOptimizerState, type OptimizerState } from './optimizer-state';

/** A stretch of this rank's range that lies in one tensor, so one decay setting holds. */
export interface ZeroSegment {
  name: string;
  start: number; // flat positions [start, end)
  end: number;
  tensorOffset: number; // flat position of the tensor's first element
  decay: boolean; // weight decay applies (false for norm weights)
}

const f = Math.fround;

/**
 * AdamW on float32 arrays of one length, in place: adamw.ts's formula in adamw.ts's operation order,
 * rounding to float32 after every operation as a tfjs float32 kernel does (each scalar operand too),
 * so it matches the tfjs cpu backend bit for bit and any backend to float32 rounding.
 *   p ← p·(1 − lr·wd);  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   p ← p − (m / (√(v / (1−β2ᵗ)) + ε)) · (lr / (1−β1ᵗ))
 */
export function adamwFloat32(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  lr: number,
  weightDecay: number,
  step: number,
  opts: Pick<AdamWOptions, 'beta1' | 'beta2' | 'eps'>,
): void {
  const { beta1, beta2, eps } = opts;
  const b1 = f(beta1);
  const c1 = f(1 - beta1);
  const b2 = f(beta2);
  const c2 = f(1 - beta2);
  const bc2 = f(1 - Math.pow(beta2, step));
  const e = f(eps);
  const stepSize = f(lr / (1 - Math.pow(beta1, step)));
  const keep = f(1 - lr * weightDecay);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const m1 = f(f(m[i] * b1) + f(gi * c1));
    const v1 = f(f(v[i] * b2) + f(f(gi * gi) * c2));
    const decayed = weightDecay > 0 ? f(p[i] * keep) : p[i];
    const denom = f(f(Math.sqrt(f(v1 / bc2))) + e);
    const update = f(f(m1 / denom) * stepSize);
    m[i] = m1;
    v[i] = v1;
    p[i] = decayed - update; // the typed array rounds the store
  }
}

/** ZeRO-1 AdamW for one rank of `collective`. Every rank constructs it with the same layout and options. */
export class ZeroAdamW implements FlatOptimizer {
  step = 0;
  readonly range: { start: number; end: number }; // this rank's flat positions
  readonly segments: ZeroSegment[];
  readonly m: Float32Array; // (end − start) first moments, this range only
  readonly v: Float32Array; // (end − start) second moments

  constructor(
    private readonly collective: Collective,
    private readonly layout: FlatLayout,
    readonly opts: AdamWOptions,
  ) {
    this.range = shardRange(layout.total, collective.rank, collective.world);
    const { start, end } = this.range;
    this.segments = layout.entries
      .filter((e) => e.offset < end && e.offset + e.size > start)
      .map((e) => ({
        name: e.name,
        start: Math.max(start, e.offset),
        end: Math.min(end, e.offset + e.size),
        tensorOffset: e.offset,
        decay: opts.decays(e.name),
      }));
    this.m = new Float32Array(end - start);
    this.v = new Float32Array(end - start);
  }

  get optimizerBytes(): number {
    return this.m.byteLength + this.v.byteLength;
  }

  /** This rank's slice of the current parameters, read from its variables. */
  private async readShard(params: Variables): Promise<Float32Array> {
    const { start, end } = this.range;
    const out = new Float32Array(end - start);
    for (const s of this.segments) {
      const t = params.get(s.name);
      if (!t) throw new Error(`ZeroAdamW: variable "${s.name}" is missing`);
      const d = (await t.data()) as Float32Array; // backend storage: copy out, never write
      out.set(d.subarray(s.start - s.tensorOffset, s.end - s.tensorOffset), s.start - start);
    }
    return out;
  }

  async apply(params: Variables, grad: Float32Array, lr: number): Promise<void> {
    if (grad.length !== this.layout.total)
      throw new Error(`ZeroAdamW: gradient has ${grad.length} values, layout needs ${this.layout.total}`);
    this.step += 1;
    const { start } = this.range;
    const p = await this.readShard(params); // (end − start)
    for (const s of this.segments) {
      const lo = s.start - start;
      const hi = s.end - start;
      const wd = s.decay ? this.opts.weightDecay : 0;
      adamwFloat32(
        p.subarray(lo, hi),
        grad.subarray(s.start, s.end),
        this.m.subarray(lo, hi),
        this.v.subarray(lo, hi),
        lr,
        wd,
        this.step,
        this.opts,
      );
    }
    // Ranges are contiguous in rank order, so the concatenation is the whole flat vector (P).
    const full = await this.collective.allGather(p);
    if (full.length !== this.layout.total)
      throw new Error(`ZeroAdamW: all-gather returned ${full.length} values, expected ${this.layout.total}`);
    assignFlat(this.layout, full, params);
  }

  /** All-gathers every rank's moment shard: every rank (rank 0 included) gets the whole state. Collective. */
  async exportState(): Promise<OptimizerState> {
    // Ranges are contiguous in rank order, so each concatenation is the whole (P) vector.
    const m = await this.collective.allGather(this.m);
    const v = await this.collective.allGather(this.v);
    if (m.length !== this.layout.total || v.length !== this.layout.total) {
      throw new Error(
        `ZeroAdamW: all-gathered moments hold ${m.length} and ${v.length} values, expected ${this.layout.total}`,
      );
    }
    return { step: this.step, m, v };
  }

  /** Keeps this rank's range of a whole saved state (local: no collective). */
  restoreState(state: OptimizerState): void {
    checkOptimizerState(state, this.layout.total, 'ZeroAdamW.restoreState');
    const { start, end } = this.range;
    this.m.set(state.m.subarray(start, end));
    this.v.set(state.v.subarray(start, end));
    this.step = state.step;
  }

  dispose(): void {}
}
