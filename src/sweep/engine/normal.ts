// Normal-distribution numerics for the Parzen estimators: a Box–Muller sampler, an erfc that
// stays accurate (in log space) far into the tails, the inverse CDF, and the truncated normal
// used by TPE (sampled by inverse CDF, like Optuna's _truncnorm.rvs).
//
// Why log space: TPE compares log l(x) − log g(x); a kernel many sigmas away must give a very
// negative log density, not log(0) = −∞ from an underflowed erfc.
import type { SeededRng } from './rng';

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LN2 = Math.LN2;

/** One standard normal draw by Box–Muller (two uniforms per draw, so draws stay countable). */
export function gaussian(rng: SeededRng): number {
  const u1 = 1 - rng.random(); // (0, 1]: log(0) impossible
  const u2 = rng.random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

// erf by the all-positive series erf(x) = 2/√π e^{-x²} Σ 2ⁿ x^{2n+1} / (1·3···(2n+1)):
// no cancellation, so ~1e-16 relative for |x| < 2.5.
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

// log of the continued fraction f with erfc(x) = e^{-x²} / (√π f), for x ≥ 2.5 (modified Lentz).
function logErfcFraction(x: number): number {
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
  return Math.log(f);
}

/** log(erfc(x)), finite for every finite x (erfc(40) underflows; its log does not). */
export function logErfc(x: number): number {
  if (x === Infinity) return -Infinity;
  if (x === -Infinity) return LN2;
  if (x < 2.5) return Math.log(1 - erfSeries(x));
  return -x * x - LOG_SQRT_PI - logErfcFraction(x);
}

export function erfc(x: number): number {
  return Math.exp(logErfc(x));
}

/** Standard normal CDF Φ(x). */
export function normCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** log Φ(x), accurate in the far left tail. */
export function logNormCdf(x: number): number {
  return logErfc(-x / Math.SQRT2) - LN2;
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

/**
 * One draw of N(mu, sigma²) truncated to [low, high] by inverse CDF (one uniform per draw).
 * The draw is taken from whichever tail keeps precision: Φ near 1 loses digits, Φ(−x) does not.
 */
export function sampleTruncNorm(rng: SeededRng, mu: number, sigma: number, low: number, high: number): number {
  if (!(high > low)) return low;
  const a = (low - mu) / sigma;
  const b = (high - mu) / sigma;
  const u = rng.random();
  let z: number;
  if (a >= 0) {
    // Entirely in the upper half: work with upper-tail masses Q(x) = Φ(−x).
    const qa = normCdf(-a);
    const qb = normCdf(-b);
    z = -normPpf(qa - u * (qa - qb));
  } else {
    const pa = normCdf(a);
    const pb = normCdf(b);
    const p = pa + u * (pb - pa);
    if (p <= 0.5) z = normPpf(p);
    else {
      const qa = normCdf(-a);
      const qb = normCdf(-b);
      z = -normPpf(qb + (1 - u) * (qa - qb));
    }
  }
  const x = mu + sigma * Math.min(b, Math.max(a, z));
  return Math.min(high, Math.max(low, x));
}
