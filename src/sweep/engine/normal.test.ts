import { describe, expect, it } from 'vitest';
import {
  erfc,
  gaussian,
  logErfc,
  logGaussMass,
  logNormCdf,
  ndtriExp,
  normCdf,
  normPpf,
  sampleTruncNorm,
  truncNormLogPdf,
  truncNormPpf,
} from './normal';
import { SeededRng } from './rng';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('normal numerics', () => {
  it('erfc matches reference values to ~1e-13', () => {
    // Reference values from scipy.special.erfc.
    const ref: Array<[number, number]> = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [2.5, 0.000406952017444959],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
      [-1, 1.8427007929497148],
    ];
    for (const [x, y] of ref) expect(rel(erfc(x), y)).toBeLessThan(1e-13);
  });

  it('logErfc stays finite where erfc underflows', () => {
    const x = 40;
    // Asymptotic series: erfc(x) ≈ e^{-x²}/(x√π) · (1 − 1/(2x²) + 3/(4x⁴)).
    const approx = -x * x - Math.log(x * Math.sqrt(Math.PI)) + Math.log(1 - 1 / (2 * x * x) + 3 / (4 * x ** 4));
    expect(Math.abs(logErfc(x) - approx)).toBeLessThan(1e-9);
  });

  it('the upper tail (issue 17): Φ(19) and Φ(25) are 1, log Φ(19) is −Φ(−19), erfc(−13) is 2', () => {
    // These were 0.962, 0.5 and −0.038: the series branch took every negative erfc argument.
    expect(normCdf(19)).toBe(1);
    expect(normCdf(25)).toBe(1);
    expect(normCdf(6.5e10)).toBe(1); // was NaN
    expect(rel(logNormCdf(19), -8.527223952630977e-81)).toBeLessThan(1e-14); // mpmath: −8.5272239526309765105e-81
    expect(erfc(-13)).toBe(2);
    expect(logErfc(-13)).toBe(Math.LN2);
    expect([erfc(NaN), logErfc(NaN), normCdf(NaN), logNormCdf(NaN)].every(Number.isNaN)).toBe(true);
    expect([erfc(-Infinity), erfc(Infinity), normCdf(-Infinity), normCdf(Infinity)]).toEqual([2, 0, 0, 1]);
    expect([logErfc(Infinity), logNormCdf(-Infinity), logNormCdf(Infinity)]).toEqual([-Infinity, -Infinity, -0]);
  });

  it('ndtriExp inverts logNormCdf, past where exp(y) underflows and where it rounds to 1', () => {
    expect(ndtriExp(Math.log(0.975))).toBeCloseTo(1.959963984540054, 14);
    expect([ndtriExp(0), ndtriExp(-Infinity)]).toEqual([Infinity, -Infinity]);
    expect(Number.isNaN(ndtriExp(0.1))).toBe(true);
    for (const x of [-1e6, -300, -39.9, -20, -1, 0, 0.5, 3, 8, 30]) {
      const y = logNormCdf(x);
      expect(Math.abs(ndtriExp(y) - x)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(x)));
    }
  });

  it('truncNormPpf: ends, a point interval, and bounds 1e11σ away (magic clip off)', () => {
    expect([truncNormPpf(0, -1, 2), truncNormPpf(1, -1, 2), truncNormPpf(0.5, 3, 3)]).toEqual([-1, 2, 3]);
    expect(truncNormPpf(0.5, -Infinity, Infinity)).toBe(0);
    expect(truncNormPpf(0.975, -6.8e9, 6.5e10)).toBeCloseTo(1.959963984540054, 14);
    expect(truncNormPpf(0.5, 0, Infinity)).toBeCloseTo(0.6744897501960817, 14); // half-normal median
    // A TPE kernel with σ = 1.4e-11 on [0, 1] (it drew NaN before).
    const rng = { random: () => 0.9 } as unknown as SeededRng;
    const x = sampleTruncNorm(rng, 0.09462604327568028, 1.3929676856427875e-11, 0, 1);
    expect(rel(x, 0.09462604327568028 + 1.3929676856427875e-11 * 1.2815515655446004)).toBeLessThan(1e-15);
  });

  it('normPpf inverts normCdf', () => {
    expect(normPpf(0.975)).toBeCloseTo(1.959963984540054, 12);
    // Φ(x) near 1 cannot carry x's digits, so check the upper half through the lower tail.
    for (let x = -8; x <= 0.5; x += 0.37) expect(normPpf(normCdf(x))).toBeCloseTo(x, 9);
    expect(normPpf(1 - normCdf(-2))).toBeCloseTo(2, 9);
  });

  it('logGaussMass: whole line, tails, and a narrow cell', () => {
    expect(logGaussMass(-Infinity, Infinity)).toBeCloseTo(0, 15);
    expect(Math.exp(logGaussMass(-1, 1))).toBeCloseTo(0.6826894921370859, 14);
    expect(logGaussMass(30, 31)).toBeCloseTo(Math.log(0.5 * erfc(30 / Math.SQRT2)), 9);
    const w = 1e-4;
    expect(Math.exp(logGaussMass(0.3, 0.3 + w)) / w).toBeCloseTo(
      Math.exp(-0.5 * 0.30005 ** 2) / Math.sqrt(2 * Math.PI),
      8,
    );
  });

  it('truncated normal density integrates to 1 and samples stay inside with the right mean', () => {
    const [mu, sigma, lo, hi] = [0.2, 0.5, 0, 3];
    let integral = 0;
    const n = 20000;
    for (let i = 0; i < n; i++)
      integral += Math.exp(truncNormLogPdf(lo + ((i + 0.5) * (hi - lo)) / n, mu, sigma, lo, hi)) * ((hi - lo) / n);
    expect(integral).toBeCloseTo(1, 6);

    const rng = new SeededRng(1);
    const m = 20000;
    const xs = Array.from({ length: m }, () => sampleTruncNorm(rng, 0, 1, 0, 10));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(10);
    const sum = xs.reduce((a, b) => a + b, 0);
    expect(sum / m).toBeCloseTo(Math.sqrt(2 / Math.PI), 1); // half-normal mean
  });

  it('Box–Muller gaussian has mean 0 and variance 1', () => {
    const rng = new SeededRng(7);
    const xs = Array.from({ length: 20000 }, () => gaussian(rng));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});
