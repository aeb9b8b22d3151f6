import { describe, expect, it } from 'vitest';
import { createLocalGroup } from './local-collective';
import { allReduceSumFp16, DynamicLossScaler, fromFloat16, hasNonFinite, toFloat16 } from './fp16';
import { createSabGroup, SabCollective } from './sab-collective';
import { rng } from './testdata/conformance';

const h = (x: number) => toFloat16(new Float32Array([x]))[0];
const v = (bits: number) => fromFloat16(new Uint16Array([bits]))[0];
const f32bits = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer);

describe('toFloat16 / fromFloat16', () => {
  it('round-trips every one of the 65536 half bit patterns exactly (±0, subnormals, Inf, NaN payloads)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = toFloat16(fromFloat16(all));
    let bad = 0;
    for (let i = 0; i < 65536; i++) if (back[i] !== i) bad++;
    expect(bad).toBe(0);
  });

  it('decodes known values', () => {
    expect(v(0x3c00)).toBe(1);
    expect(v(0xc000)).toBe(-2);
    expect(v(0x7bff)).toBe(65504);
    expect(v(0x0400)).toBe(2 ** -14);
    expect(v(0x0001)).toBe(2 ** -24);
    expect(v(0x03ff)).toBe(1023 * 2 ** -24);
    expect(v(0x7c00)).toBe(Infinity);
    expect(v(0xfc00)).toBe(-Infinity);
    expect(Object.is(v(0x8000), -0)).toBe(true);
    expect(v(0x7e00)).toBeNaN();
  });

  it('rounds to nearest, ties to even, on hand-picked values', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [1 + 2 ** -11, 0x3c00], // tie between 1 (even) and 1+2^-10: stays
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 1+2^-10 (odd) and 1+2^-9: up
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie: up
      [1 + 2 ** -11 - 2 ** -20, 0x3c00],
      [-(1 + 3 * 2 ** -11), 0xbc02],
      [65504, 0x7bff],
      [65519.99, 0x7bff], // below the tie with 65536: max finite
      [65520, 0x7c00], // tie, max finite is odd: rounds up to Inf
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // tie between 0 (even) and the smallest subnormal
      [2 ** -25 * 1.0000001, 0x0001],
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 (·2^-24): even
      [5 * 2 ** -25, 0x0002], // tie between 2 and 3: even
      [1023.5 * 2 ** -24, 0x0400], // tie between the largest subnormal (odd) and the smallest normal
      [2 ** -14, 0x0400],
      [1e-8, 0x0000], // underflows to zero
      [-1e-8, 0x8000], // keeps its sign
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
    ];
    for (const [x, want] of cases) expect(h(x).toString(16), `toFloat16(${x})`).toBe(want.toString(16));
  });

  it('rounds correctly at every rounding boundary: each midpoint between adjacent halves, and one float32 ulp either side', () => {
    // Midpoints between adjacent halves have 12 significant bits: exact in float32. Covers every
    // binade, the subnormal range, the subnormal/normal seam and the 65504 → Inf edge, both signs.
    const next = (x: number, dir: 1 | -1) => {
      const b = new Uint32Array(new Float32Array([x]).buffer);
      b[0] += dir; // x > 0 here
      return new Float32Array(b.buffer)[0];
    };
    const xs: number[] = [];
    const want: number[] = [];
    for (let lo = 0; lo < 0x7c00; lo++) {
      const hi = lo + 1;
      const mid = lo === 0x7bff ? 65520 : (v(lo) + v(hi)) / 2;
      xs.push(mid, next(mid, 1), next(mid, -1));
      want.push(lo & 1 ? hi : lo, hi, lo);
    }
    const pos = toFloat16(Float32Array.from(xs));
    const neg = toFloat16(Float32Array.from(xs, (x) => -x));
    const bad = want.flatMap((w, i) =>
      pos[i] === w && neg[i] === (w | 0x8000) ? [] : [`${xs[i]} → ${pos[i].toString(16)}, want ${w.toString(16)}`],
    );
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('overflow → ±Inf, Inf stays Inf, NaN stays NaN (even with payload only in low bits), float32 subnormals → ±0', () => {
    expect(h(1e6)).toBe(0x7c00);
    expect(h(-1e6)).toBe(0xfc00);
    expect(h(3.4e38)).toBe(0x7c00);
    expect(h(Infinity)).toBe(0x7c00);
    expect(h(-Infinity)).toBe(0xfc00);
    for (const nanBits of [0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000]) {
      const out = toFloat16(f32bits(nanBits))[0];
      expect(out & 0x7c00).toBe(0x7c00);
      expect(out & 0x3ff).not.toBe(0);
      expect(out & 0x8000).toBe((nanBits >>> 16) & 0x8000);
    }
    expect(h(1e-40)).toBe(0x0000);
    expect(h(-1e-40)).toBe(0x8000);
    expect(h(-0)).toBe(0x8000);
  });

  it('is the nearest half (ties to even) for 200k random float32 bit patterns in and around half range', () => {
    const rand = rng(3);
    const n = 200_000;
    const bits = new Uint32Array(n);
    // exponents from float32 2^-30 to 2^17: subnormal halves, normals, and overflow
    for (let i = 0; i < n; i++)
      bits[i] = ((rand() < 0.5 ? 1 : 0) << 31) | ((97 + Math.floor(rand() * 48)) << 23) | Math.floor(rand() * 0x800000);
    const x = new Float32Array(bits.buffer);
    const hs = toFloat16(x);
    for (let i = 0; i < n; i++) {
      const got = hs[i];
      const a = Math.abs(x[i]);
      const mag = got & 0x7fff;
      // Plain checks in the loop (an expect per element costs seconds); expect.fail names the culprit.
      if ((got & 0x8000) !== (bits[i] >>> 31 ? 0x8000 : 0)) expect.fail(`toFloat16(${x[i]}) lost its sign`);
      if (mag === 0x7c00) {
        if (a < 65520) expect.fail(`toFloat16(${x[i]}) overflowed`);
        continue;
      }
      const err = Math.abs(v(mag) - a);
      const below = mag > 0 ? Math.abs(v(mag - 1) - a) : Infinity;
      const above = mag < 0x7bff ? Math.abs(v(mag + 1) - a) : Math.abs(65536 - a);
      const ok =
        (err < below || (err === below && (mag & 1) === 0)) && (err < above || (err === above && (mag & 1) === 0));
      if (!ok) expect.fail(`toFloat16(${x[i]}) = ${got.toString(16)} is not the nearest (ties-to-even) half`);
    }
  });
});

describe('DynamicLossScaler', () => {
  it('follows torch GradScaler: 2^16 start, ×2 after 2000 clean steps, ×0.5 and reset on overflow', () => {
    const s = new DynamicLossScaler();
    expect(s.scale).toBe(65536);
    for (let i = 0; i < 1999; i++) s.update(false);
    expect([s.scale, s.growthTracker]).toEqual([65536, 1999]);
    s.update(false);
    expect([s.scale, s.growthTracker]).toEqual([131072, 0]);
    for (let i = 0; i < 1500; i++) s.update(false);
    s.update(true);
    expect([s.scale, s.growthTracker]).toEqual([65536, 0]); // the overflow also restarts the count
    s.update(true);
    expect(s.scale).toBe(32768);
    for (let i = 0; i < 2000; i++) s.update(false);
    expect(s.scale).toBe(65536);
  });

  it('honours custom options, refuses to grow into Inf, saves and loads state', () => {
    const s = new DynamicLossScaler({ initScale: 8, growthFactor: 4, backoffFactor: 0.25, growthInterval: 3 });
    const seen: number[] = [];
    for (const inf of [false, false, false, true, false, false, false, false]) {
      s.update(inf);
      seen.push(s.scale);
    }
    expect(seen).toEqual([8, 8, 32, 8, 8, 8, 32, 32]);
    const big = new DynamicLossScaler({ initScale: 2 ** 1023, growthInterval: 1 });
    big.update(false);
    expect(big.scale).toBe(2 ** 1023);
    const copy = new DynamicLossScaler();
    copy.load(s.state());
    expect(copy.state()).toEqual({ scale: 32, growthTracker: 1 });
    expect(() => new DynamicLossScaler({ growthFactor: 1 })).toThrow(/growthFactor/);
    expect(() => new DynamicLossScaler({ backoffFactor: 1 })).toThrow(/backoffFactor/);
    expect(() => new DynamicLossScaler({ growthInterval: 0 })).toThrow(/growthInterval/);
  });

  it('unscale divides in place and reports non-finite values; hasNonFinite', () => {
    const s = new DynamicLossScaler({ initScale: 1024 });
    const g = new Float32Array([1024, -2048, 512]);
    expect(s.unscale(g)).toBe(false);
    expect(Array.from(g)).toEqual([1, -2, 0.5]);
    expect(s.unscale(new Float32Array([1, Infinity]))).toBe(true);
    expect(hasNonFinite(new Float32Array([0, 1, NaN]))).toBe(true);
    expect(hasNonFinite(new Float32Array([0, -Infinity]))).toBe(true);
    expect(hasNonFinite(new Float32Array([0, 3.4e38, -1e-45]))).toBe(false);
  });
});

describe('allReduceSumFp16', () => {
  const U = 2 ** -24;
  const gamma = (k: number) => (k * U) / (1 - k * U);

  async function reduce(world: number, inputs: Float32Array[], scale: number, sab = false) {
    const group = sab
      ? (() => {
          const buf = createSabGroup(world, 1000);
          return Array.from({ length: world }, (_, r) => new SabCollective(r, world, buf));
        })()
      : createLocalGroup(world);
    const outs = inputs.map((x) => x.slice());
    const flags = await Promise.all(group.map((c) => allReduceSumFp16(c, outs[c.rank], scale)));
    group.forEach((c) => c.close());
    return { outs, flags };
  }

  for (const scale of [1, 2 ** 10, 2 ** 16]) {
    it(`stays within the stated bound on random data (W = 3, scale 2^${Math.log2(scale)}), same bits on every rank and transport`, async () => {
      const world = 3;
      const n = 20_001;
      const rand = rng(scale);
      // gradient-like magnitudes: 2^-30 … 2^-1 (×scale stays below half's max), both signs
      const inputs = Array.from({ length: world }, () =>
        Float32Array.from({ length: n }, () => (rand() < 0.5 ? -1 : 1) * 2 ** (-30 + rand() * 29)),
      );
      const { outs, flags } = await reduce(world, inputs, scale);
      const viaSab = await reduce(world, inputs, scale, true);
      expect(flags).toEqual([false, false, false]);
      expect(viaSab.flags).toEqual(flags);
      for (let r = 0; r < world; r++) {
        expect(Array.from(new Uint32Array(outs[r].buffer))).toEqual(Array.from(new Uint32Array(outs[0].buffer)));
        expect(Array.from(new Uint32Array(viaSab.outs[r].buffer))).toEqual(Array.from(new Uint32Array(outs[0].buffer)));
      }
      let worst = 0;
      for (let i = 0; i < n; i++) {
        let exact = 0;
        let bound = 0;
        let absY = 0;
        for (let r = 0; r < world; r++) {
          const x = inputs[r][i];
          exact += x;
          bound += Math.max(2 ** -11 * Math.abs(x), 2 ** -25 / scale);
          absY += Math.abs(x) * (1 + 2 ** -11) + 2 ** -25 / scale;
        }
        bound += gamma(world - 1) * absY;
        const err = Math.abs(outs[0][i] - exact);
        if (err > bound) expect.fail(`element ${i}: error ${err} exceeds bound ${bound}`);
        worst = Math.max(worst, err / bound);
      }
      expect(worst).toBeGreaterThan(0.3); // the bound is tight enough to mean something
    });
  }

  it('reports overflow on every rank when any rank overflows half (or sends NaN)', async () => {
    const ok = await reduce(2, [new Float32Array([0.5, 1]), new Float32Array([0.25, -0.5])], 2 ** 15);
    expect(ok.flags).toEqual([false, false]);
    expect(Array.from(ok.outs[0])).toEqual([0.75, 0.5]);
    const over = await reduce(2, [new Float32Array([0.5, 1]), new Float32Array([0.25, -0.5])], 2 ** 16); // 1·2^16 > 65504
    expect(over.flags).toEqual([true, true]);
    expect(hasNonFinite(over.outs[1])).toBe(true);
    const nan = await reduce(3, [new Float32Array([1]), new Float32Array([NaN]), new Float32Array([1])], 1);
    expect(nan.flags).toEqual([true, true, true]);
  });

  it('handles odd lengths and empty arrays, and rejects mismatched lengths', async () => {
    const odd = await reduce(2, [new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6])], 8);
    expect(Array.from(odd.outs[1])).toEqual([5, 7, 9]);
    const empty = await reduce(2, [new Float32Array(0), new Float32Array(0)], 8);
    expect(empty.flags).toEqual([false, false]);
    const group = createLocalGroup(2);
    const errs = await Promise.all(
      group.map((c) =>
        allReduceSumFp16(c, new Float32Array(c.rank ? 3 : 4), 1).then(
          () => null,
          (e: Error) => e.message,
        ),
      ),
    );
    for (const m of errs) expect(m).toMatch(/different lengths/);
    await expect(allReduceSumFp16(group[0], new Float32Array(1), 0)).rejects.toThrow(/scale must be positive/);
  });
});
