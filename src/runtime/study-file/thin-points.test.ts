import { describe, expect, it } from 'vitest';
import { bestSoFarSteps, thinPoints } from './thin-points';

// Invariants of thinning, checked on seeded random series: never more than asked (plus what must
// be kept), the first, last, lowest and highest points always there, every kept index real and in
// order; and the best-so-far steps drawn as a step line equal the one-point-per-trial line exactly.

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('thinPoints', () => {
  it('keeps at most max points, with the first, last, global extremes and the kept ones', () => {
    const r = rng(1);
    for (const [n, max] of [
      [100_000, 300],
      [5_000, 2000],
      [1_001, 1000],
      [37, 5],
      [10, 4],
    ]) {
      const ys = Array.from({ length: n }, (_, i) => (i % 11 === 3 ? NaN : r() * 100 - 50 + (i === 777 % n ? 1e3 : 0)));
      const keep = [Math.floor(n / 3)];
      const idx = thinPoints(ys, max, keep);
      expect(idx.length).toBeLessThanOrEqual(max + keep.length);
      expect(idx).toEqual([...new Set(idx)].sort((a, b) => a - b));
      expect(idx.every((i) => Number.isInteger(i) && i >= 0 && i < n)).toBe(true);
      expect(idx[0]).toBe(0);
      expect(idx.at(-1)).toBe(n - 1);
      for (const k of keep) expect(idx).toContain(k);
      const finite = ys.map((y, i) => [y, i] as const).filter(([y]) => !Number.isNaN(y));
      const lo = finite.reduce((a, b) => (b[0] < a[0] ? b : a));
      const hi = finite.reduce((a, b) => (b[0] > a[0] ? b : a));
      expect(idx.map((i) => ys[i])).toContain(lo[0]);
      expect(idx.map((i) => ys[i])).toContain(hi[0]);
    }
  });

  it('keeps everything when the series is short enough, and spreads over a series without values', () => {
    expect(thinPoints([3, 1, 2], 3)).toEqual([0, 1, 2]);
    const empty = thinPoints(new Array(1000).fill(NaN), 100);
    expect(empty.length).toBeGreaterThan(40);
    expect(empty.length).toBeLessThanOrEqual(100);
    expect(Math.max(...empty.slice(1).map((v, i) => v - empty[i]))).toBeLessThanOrEqual(1000 / 49 + 1);
  });
});

describe('bestSoFarSteps', () => {
  /** The step line's value at trial n: its last point at or before n. */
  const at = (steps: { number: number; best: number | null }[], n: number) =>
    steps.filter((s) => s.number <= n).at(-1)?.best ?? null;

  it('is exactly the running best at every trial, with a point per improvement only', () => {
    const r = rng(7);
    for (const direction of ['maximize', 'minimize'] as const) {
      const n = 20_000;
      const numbers = Array.from({ length: n }, (_, i) => i);
      const values = numbers.map((i) => (i % 5 === 0 ? NaN : r() * 10 + (direction === 'maximize' ? i : -i) / 4000));
      const steps = bestSoFarSteps(numbers, values, direction);
      let best: number | null = null;
      let improvements = 0;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (!Number.isNaN(v) && (best === null || (direction === 'maximize' ? v > best : v < best))) {
          best = v;
          improvements++;
        }
        if (i % 97 === 0 || i === n - 1) expect(at(steps, i)).toBe(best);
      }
      expect(steps.length).toBeLessThanOrEqual(improvements + 2);
      expect(steps.at(-1)).toEqual({ number: n - 1, best });
    }
  });

  it('thins a line that improves at every trial to max points, keeping the final best', () => {
    const numbers = Array.from({ length: 10_000 }, (_, i) => i);
    const steps = bestSoFarSteps(numbers, numbers, 'maximize', 500);
    expect(steps.length).toBeLessThanOrEqual(500);
    expect(steps.at(-1)).toEqual({ number: 9999, best: 9999 });
    expect(steps[0]).toEqual({ number: 0, best: 0 });
  });
});
