// erfc, log erfc, Φ, log Φ, the Gaussian mass of an interval and the truncated-normal sampler,
// checked across [−40, 40] against exact values to 1e-12 relative wherever the value is a normal
// double (and to within the subnormal spacing where it is not).
//
// The oracle is computed here, independently of normal.ts: each argument is taken as the exact
// dyadic rational its double is (m·2^e), and erf(x) = 2/√π Σ (−1)ⁿ x^{2n+1} / (n! (2n+1)) and
// Φ(x) = ½ + 1/√(2π) Σ (−1)ⁿ x^{2n+1} / (2ⁿ n! (2n+1)) — the plain Maclaurin series, which
// normal.ts never uses — are summed in BigInt fixed point with enough bits to absorb the
// alternating series' cancellation (its terms reach e^{x²} while erfc(x) is e^{−x²}: 2,400 bits
// at x = 40). π comes from Machin's formula, square roots from integer Newton. The oracle itself
// is pinned first to values printed by mpmath 1.3.0 (`mp.dps = 60`; `erfc`, `ncdf`, `log`, `log1p`).
import { describe, expect, it } from 'vitest';
import { erfc, logErfc, logGaussMass, logNormCdf, normCdf, sampleTruncNorm } from './normal';
import type { SeededRng } from './rng';

const MIN_NORMAL = 2 ** -1022;

// ---- the oracle: fixed-point values v·2^−s ----

interface Fixed {
  v: bigint;
  s: number;
}

/** A double as the exact dyadic rational m·2^e it is. */
function dyadic(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const m = expBits === 0 ? frac : frac | (1n << 52n);
  return { m: bits >> 63n === 1n ? -m : m, e: Math.max(expBits, 1) - 1075 };
}

function isqrt(n: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2)); // ≥ √n
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** arctan(1/k)·2^s. */
function arctanInv(k: bigint, s: number): bigint {
  let term = (1n << BigInt(s)) / k;
  let sum = term;
  for (let n = 1; term !== 0n; n++) {
    term /= k * k;
    sum += (n % 2 ? -term : term) / BigInt(2 * n + 1);
  }
  return sum;
}

const S_MAX = 3000;
const ONE = 1n << BigInt(S_MAX);
const PI = (16n * arctanInv(5n, S_MAX + 64) - 4n * arctanInv(239n, S_MAX + 64)) >> 64n;
const TWO_OVER_SQRT_PI = (2n * ONE * ONE) / isqrt(PI << BigInt(S_MAX));
const INV_SQRT_2PI = (ONE * ONE) / isqrt((2n * PI) << BigInt(S_MAX));

/** Σ (−1)ⁿ wⁿ / (n! (2n+1)) · 2^s for w = wm·2^we ≥ 0 (each step truncates: ~n ulps in all). */
function alternatingSum(wm: bigint, we: number, s: number): bigint {
  let t = 1n << BigInt(s);
  let sum = t;
  for (let n = 1; t !== 0n; n++) {
    t = (we >= 0 ? (t * wm) << BigInt(we) : (t * wm) >> BigInt(-we)) / BigInt(n);
    sum += (n % 2 ? -t : t) / BigInt(2 * n + 1);
  }
  return sum;
}

// Fixed-point bits for a sum with w = x² (erfc) or x²/2 (Φ): the result is ~e^{−w} and keeps
// ~100 bits; the terms reach e^{w}, but BigInt holds their integer parts whole and every rounding
// is one absolute ulp, so they cost nothing.
const bitsFor = (w: number) => Math.ceil(w * Math.LOG2E) + 100;

function scaled(c: bigint, s: number): bigint {
  return c >> BigInt(S_MAX - s);
}

function fixedOf(x: number, s: number): bigint {
  const { m, e } = dyadic(x);
  return e + s >= 0 ? m << BigInt(e + s) : m >> BigInt(-(e + s));
}

function exactErfc(x: number): Fixed {
  const s = bitsFor(x * x);
  const { m, e } = dyadic(x);
  const xSum = (fixedOf(x, s) * alternatingSum(m * m, 2 * e, s)) >> BigInt(s);
  return { v: (1n << BigInt(s)) - ((scaled(TWO_OVER_SQRT_PI, s) * xSum) >> BigInt(s)), s };
}

/** Φ(x), at least at scale 2^minS (so that values of several x can be subtracted). */
function exactPhi(x: number, minS = 0): Fixed {
  const s = Math.max(minS, bitsFor(0.5 * x * x));
  if (s > S_MAX) throw new RangeError(`the oracle's constants stop at ${S_MAX} bits; x = ${x} needs ${s}`);
  const { m, e } = dyadic(x);
  const xSum = (fixedOf(x, s) * alternatingSum(m * m, 2 * e - 1, s)) >> BigInt(s);
  return { v: (1n << BigInt(s - 1)) + ((scaled(INV_SQRT_2PI, s) * xSum) >> BigInt(s)), s };
}

const bitLength = (v: bigint) => (v === 0n ? 0 : v.toString(2).length);

/** The double nearest a fixed-point value (to a fraction of an ulp; subnormals to their spacing). */
function toDouble({ v, s }: Fixed): number {
  if (v < 0n) return -toDouble({ v: -v, s });
  const shift = Math.max(0, bitLength(v) - 64);
  let out = Number(v >> BigInt(shift));
  let exp = shift - s;
  for (; exp < -1000; exp += 1000) out *= 2 ** -1000;
  return out * 2 ** exp;
}

/** log of a positive fixed-point value: log1p of the exact difference near 1, else mantissa·2^k. */
function toLog({ v, s }: Fixed): number {
  const diff = v - (1n << BigInt(s));
  if (bitLength(diff < 0n ? -diff : diff) < s) return Math.log1p(toDouble({ v: diff, s }));
  const len = bitLength(v);
  const shift = Math.max(0, len - 64);
  return Math.log(Number(v >> BigInt(shift)) * 2 ** (shift - len)) + (len - s) * Math.LN2;
}

// ---- checks ----

/** |got − want| within 1e-12 of want, or of the least normal where want is subnormal or underflows. */
function expectClose(got: number, want: number, what: string) {
  const tol = 1e-12 * Math.max(Math.abs(want), MIN_NORMAL);
  if (!(Math.abs(got - want) <= tol)) expect.fail(`${what}: got ${got}, want ${want}`);
}

// −40, −39.9, …, 40 (each the double nearest k/10; the oracle takes that double exactly).
const GRID = Array.from({ length: 801 }, (_, k) => (k - 400) / 10);

describe('normal numerics against exact tables on [−40, 40]', () => {
  it('the oracle agrees with mpmath', () => {
    const pinned: Array<[string, string, number]> = [
      // [what, mpmath's value (22 digits), the oracle's]
      ['erfc(0.5)', '0.4795001221869534623173', toDouble(exactErfc(0.5))],
      ['erfc(2.5)', '0.0004069520174449589395642', toDouble(exactErfc(2.5))],
      ['erfc(-3)', '1.999977909503001414559', toDouble(exactErfc(-3))],
      ['erfc(26)', '5.663192408856142846476e-296', toDouble(exactErfc(26))],
      ['Φ(-20)', '2.753624118606233695076e-89', toDouble(exactPhi(-20))],
      ['Φ(-37)', '5.725571222524576822683e-300', toDouble(exactPhi(-37))],
      ['Φ(8)', '0.9999999999999993779039', toDouble(exactPhi(8))],
      ['log erfc(40)', '-1604.26155665327355566', toLog(exactErfc(40))],
      ['log Φ(-40)', '-804.6084420137537881666', toLog(exactPhi(-40))],
      ['log Φ(19)', '-8.527223952630976510506e-81', toLog(exactPhi(19))],
    ];
    for (const [what, digits, oracle] of pinned) {
      const want = Number(digits);
      expect(Math.abs(oracle - want) / Math.abs(want), what).toBeLessThan(3e-16);
    }
  });

  it('erfc and logErfc', () => {
    for (const x of GRID) {
      const exact = exactErfc(x);
      expectClose(erfc(x), toDouble(exact), `erfc(${x})`);
      expectClose(logErfc(x), toLog(exact), `logErfc(${x})`);
    }
  });

  it('normCdf and logNormCdf (the upper tail too: Φ(19) = 1 − 8.5e-81, log Φ(19) = −8.5e-81)', () => {
    for (const x of GRID) {
      const exact = exactPhi(x);
      expectClose(normCdf(x), toDouble(exact), `normCdf(${x})`);
      expectClose(logNormCdf(x), toLog(exact), `logNormCdf(${x})`);
    }
  });

  it('logGaussMass over intervals from wide to narrow, in both tails and across 0', () => {
    const ends = Array.from({ length: 17 }, (_, k) => -40 + 5 * k);
    const pairs: Array<[number, number]> = [];
    for (const a of ends) for (const b of ends) if (a < b) pairs.push([a, b]);
    pairs.push([-38.5, -38.4], [-19.5, -19], [18.9, 19], [39.5, 39.75], [-0.1, 0.1], [2.5, 2.6]);
    for (const [a, b] of pairs) {
      const s = Math.max(bitsFor(0.5 * a * a), bitsFor(0.5 * b * b));
      const mass = { v: exactPhi(b, s).v - exactPhi(a, s).v, s };
      expectClose(logGaussMass(a, b), toLog(mass), `logGaussMass(${a}, ${b})`);
    }
  });

  it('sampleTruncNorm draws the truncated quantile at u to 1e-12 relative', () => {
    // For the draw z at uniform u, the exact truncated CDF F(z) = (Φ(z) − Φ(a)) / (Φ(b) − Φ(a))
    // must cross u within z ± 1e-12·max(1, |z|): checked exactly, by cross-multiplying in BigInt.
    const ends = Array.from({ length: 11 }, (_, k) => -40 + 8 * k);
    const pairs: Array<[number, number]> = [];
    for (const a of ends) for (const b of ends) if (a < b) pairs.push([a, b]);
    // TPE's kernels: mu inside [low, high], 18σ and more from a bound; and narrow far-tail cells.
    pairs.push([-1, 19], [-0.5, 25], [-20, 0.3], [-2, 40], [-40, 1e-3], [30, 30.5], [-39.9, -39.8], [12, 12.01]);
    const us = [2 ** -32, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 2 ** -32];
    for (const [a, b] of pairs) {
      for (const u of us) {
        const rng = { random: () => u } as unknown as SeededRng;
        const z = sampleTruncNorm(rng, 0, 1, a, b);
        const what = `truncated to [${a}, ${b}] at u = ${u}: z = ${z}`;
        expect(z >= a && z <= b, what).toBe(true);
        const delta = 1e-12 * Math.max(1, Math.abs(z));
        const [zLo, zHi] = [Math.max(a, z - delta), Math.min(b, z + delta)];
        const s = Math.max(...[a, b, zLo, zHi].map((x) => bitsFor(0.5 * x * x)));
        const phiA = exactPhi(a, s).v;
        const { m, e } = dyadic(u); // u = m·2^e, e < 0
        const target = m * (exactPhi(b, s).v - phiA); // u·mass·2^−e
        const below = (exactPhi(zLo, s).v - phiA) << BigInt(-e);
        const above = (exactPhi(zHi, s).v - phiA) << BigInt(-e);
        if (!(below <= target && target <= above)) expect.fail(what);
      }
    }
  });

  it('sampleTruncNorm scales and shifts: mu + sigma·z, inside [low, high]', () => {
    // A TPE kernel at mu = 0.1 with sigma = 0.005 on [0, 1]: a = −20, b = 180. Φ(−20) = 2.8e-89,
    // so this is N(0.1, 0.005²) to double precision: the median draw is mu, the 99th percentile
    // mu + 2.3263478740408408σ (Φ⁻¹(0.99)). A wrong Φ(b) (normCdf(25) was 0.5) moves both.
    const at = (u: number) => sampleTruncNorm({ random: () => u } as unknown as SeededRng, 0.1, 0.005, 0, 1);
    expectClose(at(0.5), 0.1, 'median');
    expectClose(at(0.99), 0.1 + 0.005 * 2.3263478740408408, '99th percentile');
  });
});
