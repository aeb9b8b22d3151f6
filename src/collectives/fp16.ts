// Half-precision gradient exchange with dynamic loss scaling (the torch.cuda.amp recipe): halves
// the bytes a gradient all-reduce moves. Gradients are scaled up before rounding to float16 so
// small values do not flush to zero; a non-finite half means the scale was too large, in which
// case every rank skips the step and the scaler backs off.
//
// Error bound of allReduceSumFp16 (scale s a power of two, as DynamicLossScaler's always are, no
// float32 overflow/underflow in x·s): for each element, with x_r rank r's value and y_r its
// float16-rounded contribution fl16(x_r·s)/s,
//   |y_r − x_r| ≤ max(2^-11·|x_r|, 2^-25/s)          (round-to-nearest-even; 2^-25/s: subnormal halves)
//   |result − Σ y_r| ≤ γ(W−1)·Σ|y_r|,  γ(k) = k·2^-24 / (1 − k·2^-24)   (float32 sum in rank order)
// so |result − Σ x_r| ≤ Σ_r max(2^-11·|x_r|, 2^-25/s) + γ(W−1)·Σ_r |y_r|. Scaling by s and 1/s is
// exact. fp16.test.ts checks this on random data.
import type { Collective } from './collective';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of each element, round-to-nearest-even; overflow → ±Inf, NaN preserved. */
export function toFloat16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  toFloat16Into(src, out);
  return out;
}

const DENORM_MAGIC = 0.5; // 2^-1: adding it puts a half-subnormal's bits at float32's ulp (2^-24)
const DENORM_MAGIC_BITS = 126 << 23;

/**
 * float32 → binary16 bits, round-to-nearest-even (after F. Giesen's float_to_half_fast3_rtne):
 * integer rounding for normal halves, and for subnormal halves a float32 add of 2^-1 that makes
 * the FPU round at exactly the half-subnormal grid. (The add runs in float64 then rounds to
 * float32; that double rounding is harmless: it is exact for x ≥ 2^-30, and smaller x are far
 * below the first rounding boundary, 2^-25.) fp16.test.ts checks it exhaustively-ish.
 */
function toFloat16Into(src: Float32Array, out: Uint16Array): void {
  // Read bits through a Uint32 view: reading a NaN as a JS number may canonicalise its payload.
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) {
    let x = bits[i];
    const sign = (x >>> 16) & 0x8000;
    x &= 0x7fffffff;
    let o: number;
    if (x >= 0x47800000) {
      // |x| ≥ 2^16 overflows to Inf; NaN keeps its payload's top bits, forced non-zero so it stays NaN.
      o = x > 0x7f800000 ? 0x7c00 | ((x >>> 13) & 0x3ff || 0x200) : 0x7c00;
    } else if (x < 0x38800000) {
      // |x| < 2^-14: subnormal half or zero.
      u32[0] = x;
      f32[0] = f32[0] + DENORM_MAGIC;
      o = u32[0] - DENORM_MAGIC_BITS; // may reach 0x400, the smallest normal: the right encoding
    } else {
      // Rebias the exponent (127 → 15) and round the 13 dropped bits half-to-even; a carry may
      // ripple into the exponent, up to 0x7c00 (Inf) for 65520 ≤ |x| < 2^16, as IEEE says.
      const odd = (x >>> 13) & 1;
      o = ((x + ((15 - 127) << 23) + 0xfff + odd) | 0) >>> 13;
    }
    out[i] = sign | o;
  }
}

let table: Uint32Array | null = null;

/** float32 bits of every half (built once: 256 KiB; decoding is then a lookup). */
function halfTable(): Uint32Array {
  if (table) return table;
  const t = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) t[h] = sign | 0x7f800000 | (mant << 13);
    else if (exp > 0) t[h] = sign | ((exp + 112) << 23) | (mant << 13);
    else {
      f32[0] = mant * 2 ** -24; // subnormal half: exact in float32
      t[h] = sign | u32[0];
    }
  }
  return (table = t);
}

/** float32 value of each half (exact: every half is representable in float32). */
export function fromFloat16(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const t = halfTable();
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = t[src[i]];
  return out;
}

/** True when any element is NaN or ±Inf. */
export function hasNonFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return true;
  return false;
}

export interface LossScalerOptions {
  initScale?: number; // default 2^16
  growthFactor?: number; // default 2
  backoffFactor?: number; // default 0.5
  growthInterval?: number; // default 2000 steps without overflow before growing
}

export interface LossScalerState {
  scale: number;
  growthTracker: number;
}

/**
 * torch.cuda.amp.GradScaler's schedule: halve the scale on a step whose gradients overflowed
 * (that step is skipped by the caller), double it after growthInterval clean steps in a row.
 */
export class DynamicLossScaler {
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  private _scale: number;
  private _tracker = 0;

  constructor(options: LossScalerOptions = {}) {
    const { initScale = 2 ** 16, growthFactor = 2, backoffFactor = 0.5, growthInterval = 2000 } = options;
    if (!(initScale > 0) || !Number.isFinite(initScale))
      throw new Error(`DynamicLossScaler: initScale must be positive and finite, got ${initScale}`);
    if (!(growthFactor > 1)) throw new Error(`DynamicLossScaler: growthFactor must be > 1, got ${growthFactor}`);
    if (!(backoffFactor > 0 && backoffFactor < 1))
      throw new Error(`DynamicLossScaler: backoffFactor must be in (0, 1), got ${backoffFactor}`);
    if (!Number.isInteger(growthInterval) || growthInterval < 1)
      throw new Error(`DynamicLossScaler: growthInterval must be a positive integer, got ${growthInterval}`);
    this._scale = initScale;
    this.growthFactor = growthFactor;
    this.backoffFactor = backoffFactor;
    this.growthInterval = growthInterval;
  }

  get scale(): number {
    return this._scale;
  }

  /** Clean steps since the last overflow or growth. */
  get growthTracker(): number {
    return this._tracker;
  }

  /** After each step: foundInf = the (all-reduced) gradients held a NaN/Inf. Same as torch's _amp_update_scale_. */
  update(foundInf: boolean): void {
    if (foundInf) {
      this._scale *= this.backoffFactor;
      this._tracker = 0;
      return;
    }
    this._tracker += 1;
    if (this._tracker === this.growthInterval) {
      const grown = this._scale * this.growthFactor;
      if (Number.isFinite(grown)) this._scale = grown; // torch also refuses to grow into Inf
      this._tracker = 0;
    }
  }

  /** Divides gradients by the scale in place; returns whether any came out non-finite (skip the step). */
  unscale(grad: Float32Array): boolean {
    const inv = 1 / this._scale;
    let bad = false;
    for (let i = 0; i < grad.length; i++) {
      const v = (grad[i] *= inv);
      if (!Number.isFinite(v)) bad = true;
    }
    return bad;
  }

  state(): LossScalerState {
    return { scale: this._scale, growthTracker: this._tracker };
  }

  load(state: LossScalerState): void {
    if (!(state.scale > 0) || !Number.isFinite(state.scale))
      throw new Error(`DynamicLossScaler.load: bad scale ${state.scale}`);
    if (!Number.isInteger(state.growthTracker) || state.growthTracker < 0)
      throw new Error(`DynamicLossScaler.load: bad growthTracker ${state.growthTracker}`);
    this._scale = state.scale;
    this._tracker = state.growthTracker;
  }
}

/**
 * Sum of `data` over ranks, in place, moving float16: each rank sends fl16(data·scale); every rank
 * sums the halves in float32 in rank order 0..W-1 (identical bits everywhere) and divides by
 * scale. Resolves true when any rank's scaled value overflowed half (or was NaN/Inf): every rank
 * sees the same halves so all agree; the step should be skipped and the scaler backed off. On
 * overflow `data` holds non-finite values. See the bound at the top of this file.
 */
export async function allReduceSumFp16(c: Collective, data: Float32Array, scale: number): Promise<boolean> {
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new Error(`allReduceSumFp16: scale must be positive and finite, got ${scale}`);
  const n = data.length;
  const halves = Math.ceil(n / 2);
  // Part = [n as uint32, halves packed two per float32 slot]: collectives move float32, but
  // allGather copies bytes (set/slice/clone), so the bit patterns survive untouched. The length
  // travels along so mismatched ranks are caught instead of mis-summed.
  const buf = new ArrayBuffer(4 + halves * 4);
  new Uint32Array(buf, 0, 1)[0] = n;
  const scaled = new Float32Array(n);
  for (let i = 0; i < n; i++) scaled[i] = data[i] * scale;
  toFloat16Into(scaled, new Uint16Array(buf, 4, n));
  const all = await c.allGather(new Float32Array(buf));
  const stride = 1 + halves;
  if (all.length !== stride * c.world) throw new Error('allReduceSumFp16: ranks passed arrays of different lengths');
  const allU32 = new Uint32Array(all.buffer, all.byteOffset, all.length);
  const value = new Float32Array(halfTable().buffer); // half bits → float32 value
  for (let r = 0; r < c.world; r++) {
    const len = allU32[r * stride];
    if (len !== n)
      throw new Error(
        `allReduceSumFp16: ranks passed arrays of different lengths (rank ${c.rank}: ${n}, rank ${r}: ${len})`,
      );
  }
  for (let r = 0; r < c.world; r++) {
    const hs = new Uint16Array(all.buffer, all.byteOffset + (r * stride + 1) * 4, n);
    if (r === 0) for (let i = 0; i < n; i++) data[i] = value[hs[i]];
    else for (let i = 0; i < n; i++) data[i] += value[hs[i]];
  }
  // Sums of finite halves cannot overflow float32 (W·65504), so a non-finite sum means some rank
  // sent ±Inf/NaN — and every rank summed the same halves, so every rank reaches the same verdict.
  const overflow = hasNonFinite(data);
  const inv = 1 / scale;
  for (let i = 0; i < n; i++) data[i] *= inv;
  return overflow;
}
