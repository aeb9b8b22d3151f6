// Optuna's _ParzenEstimator (optuna/samplers/_tpe/parzen_estimator.py + probability_distributions.py):
// a mixture whose components are one kernel per observation plus a prior kernel, each a product
// over parameters of
//   - numerical: a normal truncated to the domain, in log space for log parameters; stepped
//     parameters (ints, floats with step) use the probability mass of the grid cell
//     [x − step/2, x + step/2] and the domain widened by step/2 on each side;
//   - categorical: a smoothed one-hot over the choices (prior_weight spread over all choices).
// Bandwidths: univariate — distance to the farther neighbour among the sorted observations and the
// prior's centre (consider_endpoints=false replaces the end kernels' widths with their inner
// neighbour distance); multivariate — Scott-like 0.2·n^(−1/(d+4))·range. consider_magic_clip keeps
// every sigma ≥ range / min(100, 1 + n_kernels). The prior kernel sits at the centre with
// sigma = range. Mixture weights: weights(n) for observations (in trial order) then prior_weight.
import type { Distribution } from '../distributions';
import { logGaussMass, sampleTruncNorm } from '../normal';
import type { SeededRng } from '../rng';
import { snapToStep } from './random';

const EPS = 1e-12;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export interface ParzenEstimatorParameters {
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  weights: (n: number) => number[];
  multivariate: boolean;
}

interface CategoricalKernels {
  kind: 'categorical';
  /** [kernel][choice], rows sum to 1. */
  weights: number[][];
}

interface NumericalKernels {
  kind: 'numerical';
  mu: number[];
  sigma: number[];
  low: number;
  high: number;
  /** 0 for continuous floats. */
  step: number;
  log: boolean;
  /** Domain in the space the kernels live in (widened by step/2, then log'd if log). */
  adaptedLow: number;
  adaptedHigh: number;
  /** log mass of each kernel over the adapted domain: the truncation normaliser, computed once. */
  logNorm: number[];
}

type Kernels = CategoricalKernels | NumericalKernels;

export class ParzenEstimator {
  /** Normalised mixture weights: observations first, prior last. */
  readonly weights: number[];
  private readonly names: string[];
  private readonly kernels: Kernels[];

  /**
   * @param observations internal representations per parameter, all arrays the same length
   * @param predeterminedWeights per-observation weights instead of params.weights(n)
   */
  constructor(
    observations: Record<string, number[]>,
    searchSpace: Record<string, Distribution>,
    params: ParzenEstimatorParameters,
    predeterminedWeights?: number[],
  ) {
    if (params.priorWeight < 0) throw new RangeError(`priorWeight must be non-negative, got ${params.priorWeight}`);
    this.names = Object.keys(searchSpace);
    const n = this.names.length === 0 ? 0 : (observations[this.names[0]] ?? []).length;
    const w = predeterminedWeights ?? callWeights(params.weights, n);
    const weights = n === 0 ? [1] : [...w, params.priorWeight];
    const total = weights.reduce((a, b) => a + b, 0);
    this.weights = weights.map((x) => x / total);
    this.kernels = this.names.map((name) => {
      const d = searchSpace[name];
      const obs = observations[name] ?? [];
      return d.kind === 'categorical'
        ? categoricalKernels(obs, d.choices.length, params)
        : numericalKernels(obs, d, params, this.names.length);
    });
  }

  /** `size` draws, as internal representations per parameter. */
  sample(rng: SeededRng, size: number): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const name of this.names) out[name] = [];
    for (let s = 0; s < size; s++) {
      const k = rng.weightedIndex(this.weights);
      this.kernels.forEach((kern, i) => {
        out[this.names[i]].push(
          kern.kind === 'categorical' ? sampleCategorical(rng, kern.weights[k]) : sampleNumerical(rng, kern, k),
        );
      });
    }
    return out;
  }

  /** log density (log mass for stepped/categorical parameters) of each sample. */
  logPdf(samples: Record<string, number[]>): number[] {
    const size = this.names.length === 0 ? 0 : samples[this.names[0]].length;
    const out: number[] = [];
    const perKernel = new Array<number>(this.weights.length);
    for (let s = 0; s < size; s++) {
      for (let k = 0; k < this.weights.length; k++) {
        let lp = Math.log(this.weights[k]);
        this.kernels.forEach((kern, i) => {
          const x = samples[this.names[i]][s];
          lp += kern.kind === 'categorical' ? Math.log(kern.weights[k][x]) : numericalLogPdf(kern, k, x);
        });
        perKernel[k] = lp;
      }
      out.push(logSumExp(perKernel));
    }
    return out;
  }
}

function callWeights(fn: (n: number) => number[], n: number): number[] {
  const w = fn(n).slice(0, n);
  if (w.some((x) => x < 0)) throw new RangeError(`the weights function returned negative values for n=${n}`);
  if (w.some((x) => !Number.isFinite(x)))
    throw new RangeError(`the weights function returned non-finite values for n=${n}`);
  if (w.length > 0 && w.reduce((a, b) => a + b, 0) <= 0)
    throw new RangeError(`the weights function returned all zeros for n=${n}`);
  if (w.length !== n) throw new RangeError(`the weights function returned ${w.length} values for n=${n}`);
  return w;
}

function categoricalKernels(obs: number[], nChoices: number, params: ParzenEstimatorParameters): CategoricalKernels {
  if (obs.length === 0) return { kind: 'categorical', weights: [new Array<number>(nChoices).fill(1 / nChoices)] };
  const nKernels = obs.length + 1; // +1 for the prior
  const rows: number[][] = [];
  for (let k = 0; k < nKernels; k++) {
    const row = new Array<number>(nChoices).fill(params.priorWeight / nKernels);
    if (k < obs.length) row[obs[k]] += 1;
    const sum = row.reduce((a, b) => a + b, 0);
    rows.push(row.map((x) => x / (sum === 0 ? 1 : sum)));
  }
  return { kind: 'categorical', weights: rows };
}

function numericalKernels(
  rawObs: number[],
  d: Exclude<Distribution, { kind: 'categorical' }>,
  params: ParzenEstimatorParameters,
  nParams: number,
): NumericalKernels {
  const step = d.step ?? 0;
  let low = d.low - step / 2;
  let high = d.high + step / 2;
  let obs = rawObs;
  if (d.log) {
    obs = rawObs.map(Math.log);
    low = Math.log(low);
    high = Math.log(high);
  }
  const sigmas = computeSigmas(obs, low, high, params, nParams);
  const mu = [...obs, 0.5 * (low + high)];
  const sigma = [...sigmas, high - low];
  const logNorm = mu.map((m, k) => logGaussMass((low - m) / sigma[k], (high - m) / sigma[k]));
  return {
    kind: 'numerical',
    mu,
    sigma,
    low: d.low,
    high: d.high,
    step,
    log: d.log,
    adaptedLow: low,
    adaptedHigh: high,
    logNorm,
  };
}

function computeSigmas(
  mus: number[],
  low: number,
  high: number,
  params: ParzenEstimatorParameters,
  nParams: number,
): number[] {
  let sigmas: number[];
  if (params.multivariate) {
    const s = 0.2 * Math.max(mus.length, 1) ** (-1 / (nParams + 4)) * (high - low);
    sigmas = mus.map(() => s);
  } else {
    const withPrior = [...mus, 0.5 * (low + high)];
    const order = withPrior.map((_, i) => i).sort((a, b) => withPrior[a] - withPrior[b]);
    const ends = [low, ...order.map((i) => withPrior[i]), high];
    const sorted = order.map((_, i) => Math.max(ends[i + 1] - ends[i], ends[i + 2] - ends[i + 1]));
    if (!params.considerEndpoints && ends.length >= 4) {
      sorted[0] = ends[2] - ends[1];
      sorted[sorted.length - 1] = ends[ends.length - 2] - ends[ends.length - 3];
    }
    const unsorted = new Array<number>(withPrior.length);
    order.forEach((orig, i) => (unsorted[orig] = sorted[i]));
    sigmas = unsorted.slice(0, mus.length);
  }
  const maxSigma = high - low;
  // n_kernels counts the prior, as in Optuna.
  const minSigma = params.considerMagicClip ? (high - low) / Math.min(100, 1 + mus.length + 1) : EPS;
  return sigmas.map((s) => Math.min(maxSigma, Math.max(minSigma, s)));
}

function sampleCategorical(rng: SeededRng, row: number[]): number {
  const u = rng.random();
  let acc = 0;
  let idx = 0;
  // Optuna: index = number of cumulative probabilities below u (last one forced to 1).
  for (let c = 0; c < row.length - 1; c++) {
    acc += row[c];
    if (acc < u) idx = c + 1;
  }
  return idx;
}

function sampleNumerical(rng: SeededRng, k: NumericalKernels, i: number): number {
  let x = sampleTruncNorm(rng, k.mu[i], k.sigma[i], k.adaptedLow, k.adaptedHigh);
  if (k.log) x = Math.exp(x);
  return k.step === 0 ? Math.min(k.high, Math.max(k.low, x)) : snapToStep(x, k.low, k.high, k.step);
}

function numericalLogPdf(k: NumericalKernels, i: number, x: number): number {
  const mu = k.mu[i];
  const sigma = k.sigma[i];
  if (k.step === 0) {
    // Clamp: log(exp(y)) may land an ulp outside the domain the sample was drawn from.
    const y = Math.min(k.adaptedHigh, Math.max(k.adaptedLow, k.log ? Math.log(x) : x));
    // truncNormLogPdf with the kernel's normaliser precomputed.
    const z = (y - mu) / sigma;
    return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - k.logNorm[i];
  }
  const left = k.log ? Math.log(x - k.step / 2) : x - k.step / 2;
  const right = k.log ? Math.log(x + k.step / 2) : x + k.step / 2;
  return logGaussMass((left - mu) / sigma, (right - mu) / sigma) - k.logNorm[i];
}

export function logSumExp(xs: readonly number[]): number {
  let max = -Infinity;
  for (const x of xs) if (x > max) max = x;
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - max);
  return max + Math.log(s);
}
