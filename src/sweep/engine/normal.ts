// Normal-distribution numerics for the Parzen estimators: a Box–Muller sampler, erfc / Φ accurate
// to 1e-14 relative over the whole line (and in log space far beyond where they underflow), the
// inverse CDF, and the truncated normal used by TPE (sampled by inverse CDF in log space, like
// Optuna's _truncnorm.ppf with its log_ndtr / ndtri_exp).
//
// Why log space: TPE compares log l(x) − log g(x); a kernel many sigmas away must give a very
// negative log density, not log(0) = −∞ from an underflowed erfc. And why each tail is computed
// on its own: Φ(x) near 1 is 1 − Φ(−x), and the small Φ(−x) is what carries the digits — an
// upper-tail value built from a lower-tail formula silently loses them (normCdf(19) was 0.962).
import type { SeededRng } from './rng';

const SQRT_PI = Math.sqrt(Math.PI);
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LN2 = Math.LN2;

// Below this erfc(t) = 1 − erf(t) by the series; from it on, by the continued fraction. Measured
// against the exact tables (normal-tables.test.ts): 1 − erf loses digits as erfc shrinks (2e-12
// relative at t = 2.5; the worst now is 9e-15 at t = 1.3), while the fraction needs ~90 terms
// at 1.5, 190 at 1 and 700 at 0.5.
const SERIES_BELOW = 1.5;

/** One standard normal draw by Box–Muller (two uniforms per draw, so draws stay countable). */
export function gaussian(rng: SeededRng): number {
  const u1 = 1 - rng.random(); // (0, 1]: log(0) impossible
  const u2 = rng.random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

// erf by the all-positive series erf(x) = 2/√π e^{-x²} Σ 2ⁿ x^{2n+1} / (1·3···(2n+1)):
// no cancellation, so ~1e-16 relative for 0 ≤ x < SERIES_BELOW (it needs n ≫ x² terms, so it is
// no use far out — the old code's x < 2.5 branch also took every negative x, and at x = −13 the
// 200 terms it allowed summed to a fraction of e^{x²}: normCdf(19) came out 0.962).
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

// The continued fraction f with erfc(x) = e^{-x²} / (√π f), x ≥ SERIES_BELOW (modified Lentz).
function erfcFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = f;
  let d = 0;
  for (let n = 1; n < 1000; n++) {
    const a = n / 2;
    d = x + a * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return f;
}

/**
 * x² as hi + lo exactly (Dekker's product by Veltkamp splitting). erfc(x) ∝ e^{-x²}: rounding x²
 * to one double (an error of up to 6e-14 at x = 26) becomes that relative error in erfc.
 */
function square(x: number): [number, number] {
  const hi = x * x;
  if (!(Math.abs(x) < 1e150)) return [hi, 0]; // the split would overflow; erfc is 0 here anyway
  const c = 134217729 * x; // 2^27 + 1
  const xh = c - (c - x);
  const xl = x - xh;
  return [hi, xh * xh - hi + 2 * xh * xl + xl * xl];
}

// erfc(t) and log erfc(t) for t ≥ 0, given t² = sq[0] + sq[1] (the caller knows it better than t:
// for Φ(x), t = |x|/√2 is rounded but t² = x²/2 is exact).
function erfcUpper(t: number, sq: [number, number]): number {
  if (t < SERIES_BELOW) return 1 - erfSeries(t);
  if (sq[0] > 746) return 0; // below the least subnormal (and e^{−lo} could overflow)
  return (Math.exp(-sq[0]) * Math.exp(-sq[1])) / (SQRT_PI * erfcFraction(t));
}

function logErfcUpper(t: number, sq: [number, number]): number {
  if (t < SERIES_BELOW) return Math.log1p(-erfSeries(t));
  if (t === Infinity) return -Infinity;
  return -sq[0] - (sq[1] + LOG_SQRT_PI + Math.log(erfcFraction(t)));
}

/** erfc(x) = 1 − erf(x), to ~1e-14 relative wherever it is a normal double. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  // erfc(−t) = 2 − erfc(t): the small erfc(t) is computed where it is accurate.
  return x < 0 ? 2 - erfcUpper(-x, square(x)) : erfcUpper(x, square(x));
}

/** log(erfc(x)), finite for every finite x (erfc(40) underflows; its log does not). */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === -Infinity) return LN2;
  return x < 0 ? LN2 + Math.log1p(-0.5 * erfcUpper(-x, square(x))) : logErfcUpper(x, square(x));
}

// Φ(x) = ½ erfc(−x/√2) with t = |x|/√2 and t² = x²/2 carried exactly.
function halfSquare(x: number): [number, number] {
  const [hi, lo] = square(x);
  return [0.5 * hi, 0.5 * lo];
}

/** Standard normal CDF Φ(x); each tail to ~1e-14 relative. */
export function normCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const q = 0.5 * erfcUpper(Math.abs(x) / Math.SQRT2, halfSquare(x)); // Φ(−|x|)
  return x <= 0 ? q : 1 - q;
}

/** log Φ(x): finite far into the left tail, and −Φ(−x) (not 0) far into the right one. */
export function logNormCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const t = Math.abs(x) / Math.SQRT2;
  if (x <= 0) return logErfcUpper(t, halfSquare(x)) - LN2;
  return Math.log1p(-0.5 * erfcUpper(t, halfSquare(x)));
}

// Acklam's rational approximation (|rel err| < 1.2e-9), then one Halley step on the accurate Φ.
const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Inverse standard normal CDF Φ⁻¹(p) for p in [0, 1]. */
export function normPpf(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else if (p <= 1 - 0.02425) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x =
      -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  // Halley refinement; skip where exp(x²/2) would overflow (|x| > ~37 is beyond p's precision anyway).
  if (Math.abs(x) < 37) {
    const e = normCdf(x) - p;
    const u = e * Math.exp(LOG_SQRT_2PI + 0.5 * x * x);
    x -= u / (1 + 0.5 * x * u);
  }
  return x;
}

// log(exp(a) − exp(b)) for a ≥ b, precise when the two are close (uses expm1).
function logDiffExp(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (a <= b) return -Infinity;
  return a + Math.log(-Math.expm1(b - a));
}

/** log(Φ(b) − Φ(a)) for a ≤ b: the log probability mass of [a, b] (Optuna's _log_gauss_mass). */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiffExp(logNormCdf(b), logNormCdf(a));
  if (a >= 0) return logDiffExp(logNormCdf(-a), logNormCdf(-b));
  // Straddles 0: both tails are at most 1/2, so 1 − Φ(a) − Φ(−b) has no cancellation problem.
  return Math.log1p(-normCdf(a) - normCdf(-b));
}

/** log density of N(mu, sigma²) truncated to [low, high], at x. */
export function truncNormLogPdf(x: number, mu: number, sigma: number, low: number, high: number): number {
  if (x < low || x > high) return -Infinity;
  const z = (x - mu) / sigma;
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - logGaussMass((low - mu) / sigma, (high - mu) / sigma);
}

// log(exp(a) + exp(b)).
function logAddExp(a: number, b: number): number {
  const m = Math.max(a, b);
  if (m === -Infinity) return -Infinity;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

// Φ(x)/φ(x) for x ≤ 0 — the reciprocal slope of log Φ. In the tail it is 1/(√2 f(−x/√2)) with
// f erfc's continued fraction, free of the e^{±x²/2} that would overflow or cancel far out.
function millsRatio(x: number): number {
  const t = -x / Math.SQRT2;
  if (t >= SERIES_BELOW) return 1 / (Math.SQRT2 * erfcFraction(t));
  return normCdf(x) * Math.exp(0.5 * x * x + LOG_SQRT_2PI);
}

/**
 * Φ⁻¹(exp(y)) for y ≤ 0: the standard normal quantile of a probability given by its log (scipy's
 * ndtri_exp), accurate where exp(y) underflows (y = −800 → x ≈ −39.9) and, through the upper tail
 * 1 − exp(y) = −expm1(y), where exp(y) rounds to 1.
 */
export function ndtriExp(y: number): number {
  if (Number.isNaN(y) || y > 0) return NaN;
  if (y === 0) return Infinity;
  if (y === -Infinity) return -Infinity;
  if (y > -LN2) return -ndtriExp(Math.log(-Math.expm1(y)));
  let x: number;
  if (y > -700) x = normPpf(Math.exp(y));
  else {
    // Mills ratio: log Φ(x) ≈ −x²/2 − log(−x) − log √(2π); two fixed-point steps from x² ≈ −2y.
    const r = -2 * y - 2 * LOG_SQRT_2PI;
    let x2 = r;
    for (let i = 0; i < 2; i++) x2 = r - Math.log(x2);
    x = -Math.sqrt(x2);
  }
  // Newton on log Φ(x) = y (log Φ is concave and increasing: it overshoots at most once).
  for (let i = 0; i < 8; i++) {
    const step = (logNormCdf(x) - y) * millsRatio(x);
    x -= step;
    if (!(Math.abs(step) > 1e-15 * Math.max(1, Math.abs(x)))) break;
  }
  return x;
}

/**
 * The quantile at u in [0, 1] of the standard normal truncated to [a, b] (Optuna's
 * _truncnorm.ppf): Φ(z) = Φ(a) + u·(Φ(b) − Φ(a)), solved in log space from whichever tail z
 * lies in — Φ(z) from the left when z ≤ 0, Φ(−z) = Φ(−b) + (1 − u)·mass from the right.
 */
export function truncNormPpf(u: number, a: number, b: number): number {
  if (!(b > a)) return a;
  if (!(u > 0)) return a;
  if (u >= 1) return b;
  const logMass = logGaussMass(a, b);
  const lower = logAddExp(logNormCdf(a), Math.log(u) + logMass); // log Φ(z)
  const z = lower <= -LN2 ? ndtriExp(lower) : -ndtriExp(logAddExp(logNormCdf(-b), Math.log1p(-u) + logMass));
  return Math.min(b, Math.max(a, z));
}

/** One draw of N(mu, sigma²) truncated to [low, high] by inverse CDF (one uniform per draw). */
export function sampleTruncNorm(rng: SeededRng, mu: number, sigma: number, low: number, high: number): number {
  if (!(high > low)) return low;
  const u = rng.random();
  const x = mu + sigma * truncNormPpf(u, (low - mu) / sigma, (high - mu) / sigma);
  return Math.min(high, Math.max(low, x));
}
