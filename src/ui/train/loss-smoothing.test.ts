import { describe, expect, it } from 'vitest';
import { emaSmooth, logDomain, logTicks } from './loss-smoothing';

describe('emaSmooth (TensorBoard’s debiased EMA)', () => {
  it('matches values worked by hand', () => {
    // w = 0.5 on 1, 2, 3: ema 0.5, 1.25, 2.125; debias 1 − 0.5^k = 0.5, 0.75, 0.875.
    const s = emaSmooth([1, 2, 3], 0.5);
    expect(s[0]).toBeCloseTo(1, 15);
    expect(s[1]).toBeCloseTo(5 / 3, 15);
    expect(s[2]).toBeCloseTo(17 / 7, 15);
    // w = 0.9 on 4, 2: ema 0.4, 0.56; debias 0.1, 0.19 → 4, 2.947368…
    const t = emaSmooth([4, 2], 0.9);
    expect(t[0]).toBeCloseTo(4, 14);
    expect(t[1]).toBeCloseTo(0.56 / 0.19, 14);
  });

  it('starts at the first value (debiased, not pulled to 0) and is the identity at weight 0', () => {
    expect(emaSmooth([7.25, 1, 3], 0.99)[0]).toBeCloseTo(7.25, 12);
    expect(emaSmooth([3, 1, 4, 1, 5], 0)).toEqual([3, 1, 4, 1, 5]);
  });

  it('passes gaps and non-finite points through without counting them', () => {
    // 1, gap, 3 at w = 0.5: the gap does not advance k, so 3 is the second point: (0.25 + 1.5) / 0.75.
    const s = emaSmooth([1, null, NaN, 3], 0.5);
    expect(s[1]).toBeNull();
    expect(s[2]).toBeNaN();
    expect(s[3]).toBeCloseTo(1.75 / 0.75, 15);
  });

  it('leaves a constant series exactly as it is, and refuses a weight outside [0, 0.999]', () => {
    expect(emaSmooth([0.3, 0.3, 0.3], 0.6)).toEqual([0.3, 0.3, 0.3]);
    expect(() => emaSmooth([1], 1)).toThrow(/\[0, 0\.999\]/);
    expect(() => emaSmooth([1], -0.1)).toThrow(RangeError);
  });
});

describe('log axis', () => {
  it('ticks at 1, 2, 5 × 10^k when three or more fall inside, else geometric steps', () => {
    expect(logTicks(0.15, 11)).toEqual([0.2, 0.5, 1, 2, 5, 10]);
    const narrow = logTicks(3.1, 4.4);
    expect(narrow.length).toBeGreaterThanOrEqual(3);
    expect(narrow.every((t) => t >= 3.1 && t <= 4.4)).toBe(true);
    expect(logTicks(0, 1)).toEqual([]);
  });

  it('spans the positive finite values with a little room', () => {
    expect(logDomain([2, null, 0, -1, NaN, 8])).toEqual([2 / 1.05, 8 * 1.05]);
    expect(logDomain([0, null])).toBeNull();
  });
});
