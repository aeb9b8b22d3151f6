// Hyperparameter importance by PED-ANOVA — Optuna's PedAnovaImportanceEvaluator
// (optuna/importance/_ped_anova/evaluator.py + scott_parzen_estimator.py), chosen over fANOVA
// because it needs no random forest: it is closed-form, deterministic and cheap enough to rerun
// in the browser after every trial, and it answers the question a sweep asks ("what mattered for
// getting into the top 10%?").
//
// For each parameter: discretise its domain into ≤ 50 grid cells (log scale for log params;
// fewer cells for stepped/int params), fit a 1-D Parzen estimator with Scott's-rule bandwidth to
// the top-quantile trials and another to all trials (or use a uniform density when
// evaluateOnLocal=false), and take the Pearson divergence Σ p_all·(p_top/p_all − 1)². Importances
// are these divergences normalised to sum to 1 (equal shares when all are 0, or when there are
// ≤ 2 usable trials). Only COMPLETE trials with a finite value and every parameter are used.
import type { Distribution, ParamValue } from './distributions';
import { logGaussMass } from './normal';
import { roundHalfEven } from './rng';
import { intersectionSearchSpace } from './search-space';
import type { Study } from './study';
import type { Trial } from './trial';

export interface PedAnovaOptions {
  /** Top fraction of trials to explain (default 0.1: "what got trials into the top 10%"). */
  baselineQuantile?: number;
  /** Compare with the trials' own spread (true, default) or with the whole search space. */
  evaluateOnLocal?: boolean;
  /** Parameters to rank; default: those every complete trial has with the same distribution. */
  params?: string[];
}

const N_STEPS = 50;
const PRIOR_WEIGHT = 1.0;
const MIN_N_TOP_TRIALS = 2;

/** Normalised importances (sum 1), keys ordered from most to least important. */
export function pedAnovaImportances(study: Study, options: PedAnovaOptions = {}): Record<string, number> {
  const quantile = options.baselineQuantile ?? 0.1;
  if (!(quantile >= 0 && quantile <= 1)) throw new RangeError(`baselineQuantile must be in [0, 1], got ${quantile}`);
  const evaluateOnLocal = options.evaluateOnLocal ?? true;
  const completed = study.getTrials(['complete']);
  if (completed.length === 0) throw new Error('cannot evaluate parameter importances without completed trials');

  const dists = distributionsFor(completed, options.params);
  const names = Object.keys(dists);
  const nonSingle = names.filter((n) => !dists[n].single());
  const single = names.filter((n) => dists[n].single());
  if (nonSingle.length === 0) return {};

  const wanted = options.params ?? names;
  const trials = completed.filter((t) => wanted.every((n) => n in t.params) && Number.isFinite(t.value));
  const importances: Record<string, number> = {};
  if (trials.length <= MIN_N_TOP_TRIALS) {
    for (const n of nonSingle) importances[n] = 1 / nonSingle.length;
  } else {
    const top = topTrials(trials, study.direction === 'minimize', quantile);
    let sum = 0;
    for (const n of nonSingle) {
      importances[n] = pearsonDivergence(n, dists[n], top, trials, evaluateOnLocal);
      sum += importances[n];
    }
    for (const n of nonSingle) importances[n] = sum > 0 ? importances[n] / sum : 1 / nonSingle.length;
  }
  for (const n of single) importances[n] = 0;
  const ordered: Record<string, number> = {};
  for (const n of Object.keys(importances).sort((a, b) => importances[b] - importances[a])) ordered[n] = importances[n];
  return ordered;
}

function distributionsFor(completed: Trial[], params: string[] | undefined): Record<string, Distribution> {
  if (params === undefined) return intersectionSearchSpace(completed);
  let dists: Record<string, Distribution> | null = null;
  for (const t of completed) {
    if (!params.every((n) => n in t.distributions)) continue;
    if (dists === null) {
      dists = {};
      for (const n of [...params].sort()) dists[n] = t.distributions[n];
    } else if (params.some((n) => !t.distributions[n].equals(dists![n]))) {
      throw new Error(
        `importances cannot be assessed with dynamic search spaces when parameters are specified (${params.join(', ')})`,
      );
    }
  }
  if (dists === null) throw new Error(`no completed trial has all of ${params.join(', ')}`);
  return dists;
}

/** _QuantileFilter: keep losses ≤ max(2nd best, the inverted-CDF quantile). */
function topTrials(trials: Trial[], lowerIsBetter: boolean, quantile: number): Trial[] {
  const sign = lowerIsBetter ? 1 : -1;
  const losses = trials.map((t) => sign * t.value!);
  const sorted = [...losses].sort((a, b) => a - b);
  let cutoffIndex = Math.ceil(quantile * losses.length) - 1;
  if (cutoffIndex < 0) cutoffIndex += losses.length; // numpy's index −1 is the last element
  const cutoff = Math.max(sorted[MIN_N_TOP_TRIALS - 1], sorted[cutoffIndex]);
  return trials.filter((_, i) => losses[i] <= cutoff);
}

function pearsonDivergence(
  name: string,
  dist: Distribution,
  top: Trial[],
  all: Trial[],
  evaluateOnLocal: boolean,
): number {
  const pdfTop = scottPdf(
    gridCounts(
      dist,
      top.map((t) => t.params[name]),
    ),
    dist.kind === 'categorical',
  ).map((p) => p + 1e-12);
  const pdfLocal = evaluateOnLocal
    ? scottPdf(
        gridCounts(
          dist,
          all.map((t) => t.params[name]),
        ),
        dist.kind === 'categorical',
      ).map((p) => p + 1e-12)
    : pdfTop.map(() => 1 / pdfTop.length);
  let d = 0;
  for (let i = 0; i < pdfTop.length; i++) d += pdfLocal[i] * (pdfTop[i] / pdfLocal[i] - 1) ** 2;
  return d;
}

/** How many trials fall in each grid cell (numerical) or on each choice (categorical). */
export function gridCounts(dist: Distribution, values: ParamValue[]): number[] {
  if (dist.kind === 'categorical') {
    const counts = new Array<number>(dist.choices.length).fill(0);
    for (const v of values) counts[dist.toInternal(v)]++;
    return counts;
  }
  let nSteps = N_STEPS;
  if (dist.kind === 'int' && dist.log)
    nSteps = Math.min(Math.ceil(Math.log(dist.high - dist.low + 1) / Math.log(2)) + 1, nSteps);
  else if (dist.step !== null) nSteps = Math.min(roundHalfEven((dist.high - dist.low) / dist.step) + 1, nSteps);
  const scale = dist.log ? Math.log : (x: number) => x;
  const lo = scale(dist.low);
  const hi = scale(dist.high);
  const grids = Array.from({ length: nSteps }, (_, i) => (i === nSteps - 1 ? hi : lo + ((hi - lo) * i) / (nSteps - 1)));
  const half = (grids[1] - grids[0]) / 2;
  const counts = new Array<number>(nSteps).fill(0);
  for (const v of values) {
    const x = scale(v as number) - half;
    let i = 0; // np.searchsorted(side='left'): first grid ≥ x
    while (i < nSteps && grids[i] < x) i++;
    counts[Math.min(i, nSteps - 1)]++;
  }
  return counts;
}

/** pdf over the grid cells / choices of the Scott's-rule Parzen estimator fitted to `counts`. */
export function scottPdf(counts: number[], categorical: boolean): number[] {
  const n = counts.length;
  const mus = counts.map((_, i) => i).filter((i) => counts[i] > 0);
  const cnz = mus.map((i) => counts[i]);
  const mixture = [...cnz, PRIOR_WEIGHT];
  const wsum = mixture.reduce((a, b) => a + b, 0);
  const w = mixture.map((x) => x / wsum);
  const pdf = new Array<number>(n).fill(0);

  if (categorical) {
    const nKernels = mus.length + 1;
    for (let k = 0; k < nKernels; k++) {
      const row = new Array<number>(n).fill(PRIOR_WEIGHT / nKernels);
      if (k < mus.length) row[mus[k]] += 1;
      const rs = row.reduce((a, b) => a + b, 0);
      for (let c = 0; c < n; c++) pdf[c] += (w[k] * row[c]) / rs;
    }
    return pdf;
  }

  // Scott's rule on the grid indices, as _ScottParzenEstimator._calculate_numerical_distributions.
  const nTrials = cnz.reduce((a, b) => a + b, 0);
  const mean = mus.reduce((a, m, j) => a + (m * cnz[j]) / nTrials, 0);
  let sigma = Math.sqrt(mus.reduce((a, m, j) => a + (m - mean) ** 2 * cnz[j], 0) / Math.max(1, nTrials - 1));
  const cum: number[] = [];
  cnz.reduce((acc, c) => (cum.push(acc + c), acc + c), 0);
  const q25 = Math.floor(nTrials / 4);
  const q75 = Math.floor((nTrials * 3) / 4);
  const idx25 = cum.findIndex((c) => c >= q25); // searchsorted side='left'
  let idx75 = cum.findIndex((c) => c > q75); // searchsorted side='right'
  if (idx75 < 0) idx75 = cum.length;
  const iqr = mus[Math.min(mus.length - 1, idx75)] - mus[idx25];
  sigma = 1.059 * Math.min(iqr / 1.34, sigma) * nTrials ** -0.2;
  const sigmaObs = Math.max(sigma, 0.5 / 1.64);
  const kMu = [...mus, 0.5 * (n - 1)];
  const kSigma = [...mus.map(() => sigmaObs), n];
  for (let k = 0; k < kMu.length; k++) {
    const logNorm = logGaussMass((-0.5 - kMu[k]) / kSigma[k], (n - 0.5 - kMu[k]) / kSigma[k]);
    for (let i = 0; i < n; i++) {
      pdf[i] += w[k] * Math.exp(logGaussMass((i - 0.5 - kMu[k]) / kSigma[k], (i + 0.5 - kMu[k]) / kSigma[k]) - logNorm);
    }
  }
  return pdf;
}
