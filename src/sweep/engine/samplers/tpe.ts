// TPESampler, following Optuna's optuna/samplers/_tpe/sampler.py (v3.x/v4.x semantics):
//   - random sampling (its own seeded RandomSampler) until n_startup_trials trials are COMPLETE
//     or PRUNED;
//   - split the COMPLETE+PRUNED trials into "below" (good) and "above": n_below = gamma(n) with
//     n the number of finished trials; complete trials ranked by value first, then pruned ones
//     ranked by (−last step, value at that step) — a trial pruned later beats one pruned earlier;
//     NaN last values rank last among their step, trials with no reports rank last of all;
//   - constant_liar: RUNNING trials join "above" (treated as worst), so trials run at once
//     spread out instead of piling onto the same point;
//   - fit a Parzen estimator l(x) to below and g(x) to above (only trials that have every
//     parameter of the search space), draw n_ei_candidates from l, keep the candidate with the
//     best acquisition −logaddexp(log q, log(1−q) + log g − log l), q = |below| / (|below|+|above|)
//     (monotone in log l − log g; Optuna writes it this way for c-TPE);
//   - univariate by default (one estimator per parameter in sampleIndependent); multivariate
//     samples jointly over the intersection search space of finished trials.
import type { Distribution, ParamValue } from '../distributions';
import { randomSeed, SeededRng } from '../rng';
import { intersectionSearchSpace } from '../search-space';
import type { Study, StudyDirection } from '../study';
import type { Trial, TrialState } from '../trial';
import type { Sampler, TPESamplerSpec } from './base';
import { ParzenEstimator, type ParzenEstimatorParameters } from './parzen-estimator';
import { RandomSampler } from './random';

const EPS = 1e-12;

/** Optuna's default_gamma: min(ceil(0.1·n), 25) — written as 0.1·n, like Optuna, so float rounding matches numpy. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Optuna's default_weights: all ones below 25; from 25 on, linspace(1/n, 1, n − 25) then 25 ones. */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  return [...linspace(1 / n, 1, n - 25), ...new Array<number>(25).fill(1)];
}

function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => start + i * step);
  out[num - 1] = stop; // numpy pins the end point exactly
  return out;
}

export interface TPESamplerOptions {
  seed?: number;
  /** Default 10. */
  nStartupTrials?: number;
  /** Default 24. */
  nEiCandidates?: number;
  gamma?: (n: number) => number;
  weights?: (n: number) => number[];
  /** Default 1.0. */
  priorWeight?: number;
  /** Default true. */
  considerMagicClip?: boolean;
  /** Default false. */
  considerEndpoints?: boolean;
  /** Default false (independent, univariate TPE). */
  multivariate?: boolean;
  /** Default false. */
  constantLiar?: boolean;
}

export class TPESampler implements Sampler {
  readonly rng: SeededRng;
  readonly randomSampler: RandomSampler;
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly multivariate: boolean;
  readonly constantLiar: boolean;
  private readonly gamma: (n: number) => number;
  private readonly parzen: ParzenEstimatorParameters;
  private readonly customFunctions: boolean;

  constructor(
    options: TPESamplerOptions = {},
    rngState: { draws: number; randomDraws: number } = { draws: 0, randomDraws: 0 },
  ) {
    const seed = options.seed ?? randomSeed();
    // Two streams from one seed, as Optuna's TPESampler and its inner RandomSampler.
    this.rng = new SeededRng(seed, rngState.draws);
    this.randomSampler = new RandomSampler(seed, rngState.randomDraws);
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.nEiCandidates = options.nEiCandidates ?? 24;
    this.multivariate = options.multivariate ?? false;
    this.constantLiar = options.constantLiar ?? false;
    this.gamma = options.gamma ?? defaultGamma;
    this.customFunctions = options.gamma !== undefined || options.weights !== undefined;
    this.parzen = {
      priorWeight: options.priorWeight ?? 1.0,
      considerMagicClip: options.considerMagicClip ?? true,
      considerEndpoints: options.considerEndpoints ?? false,
      weights: options.weights ?? defaultWeights,
      multivariate: this.multivariate,
    };
    if (!(Number.isInteger(this.nStartupTrials) && this.nStartupTrials >= 0))
      throw new RangeError(`nStartupTrials must be a non-negative integer, got ${this.nStartupTrials}`);
    if (!(Number.isInteger(this.nEiCandidates) && this.nEiCandidates >= 1))
      throw new RangeError(`nEiCandidates must be a positive integer, got ${this.nEiCandidates}`);
    if (!(this.parzen.priorWeight >= 0))
      throw new RangeError(`priorWeight must be non-negative, got ${this.parzen.priorWeight}`);
  }

  inferRelativeSearchSpace(study: Study): Record<string, Distribution> {
    if (!this.multivariate) return {};
    const space = intersectionSearchSpace(study.getTrials(['complete', 'pruned']));
    for (const [name, d] of Object.entries(space)) if (d.single()) delete space[name];
    return space;
  }

  sampleRelative(study: Study, trial: Trial, searchSpace: Record<string, Distribution>): Record<string, ParamValue> {
    if (Object.keys(searchSpace).length === 0) return {};
    if (study.getTrials(['complete', 'pruned']).length < this.nStartupTrials) return {};
    return this.sample(study, trial, searchSpace);
  }

  sampleIndependent(study: Study, trial: Trial, name: string, distribution: Distribution): ParamValue {
    if (study.getTrials(['complete', 'pruned']).length < this.nStartupTrials) {
      return this.randomSampler.sampleIndependent(study, trial, name, distribution);
    }
    return this.sample(study, trial, { [name]: distribution })[name];
  }

  toJSON(): TPESamplerSpec {
    return {
      kind: 'tpe',
      seed: this.rng.seed,
      draws: this.rng.draws,
      randomDraws: this.randomSampler.rng.draws,
      nStartupTrials: this.nStartupTrials,
      nEiCandidates: this.nEiCandidates,
      priorWeight: this.parzen.priorWeight,
      considerMagicClip: this.parzen.considerMagicClip,
      considerEndpoints: this.parzen.considerEndpoints,
      multivariate: this.multivariate,
      constantLiar: this.constantLiar,
      customFunctions: this.customFunctions,
    };
  }

  private sample(study: Study, _trial: Trial, searchSpace: Record<string, Distribution>): Record<string, ParamValue> {
    const states: TrialState[] = this.constantLiar ? ['complete', 'pruned', 'running'] : ['complete', 'pruned'];
    const trials = study.getTrials(states);
    const n = trials.filter((t) => t.state !== 'running').length;
    const [below, above] = splitTrials(study.direction, trials, this.gamma(n));

    const mpeBelow = new ParzenEstimator(observationsOf(below, searchSpace), searchSpace, this.parzen);
    const mpeAbove = new ParzenEstimator(observationsOf(above, searchSpace), searchSpace, this.parzen);
    const samples = mpeBelow.sample(this.rng, this.nEiCandidates);
    const logL = mpeBelow.logPdf(samples);
    const logG = mpeAbove.logPdf(samples);

    const q = below.length / Math.max(1, below.length + above.length);
    const logFirst = Math.log(q + EPS);
    const logSecondBase = Math.log(1 - q + EPS);
    let best = 0;
    let bestAcq = -Infinity;
    for (let i = 0; i < logL.length; i++) {
      const acq = -logAddExp(logFirst, logSecondBase + logG[i] - logL[i]);
      if (acq > bestAcq) {
        bestAcq = acq;
        best = i;
      }
    }
    const out: Record<string, ParamValue> = {};
    for (const [name, d] of Object.entries(searchSpace)) out[name] = d.toExternal(samples[name][best]);
    return out;
  }
}

/** Optuna's _split_trials for one objective (no constraints). */
export function splitTrials(direction: StudyDirection, trials: readonly Trial[], nBelow: number): [Trial[], Trial[]] {
  const complete = trials.filter((t) => t.state === 'complete');
  const pruned = trials.filter((t) => t.state === 'pruned');
  const running = trials.filter((t) => t.state === 'running');

  const sign = direction === 'minimize' ? 1 : -1;
  // Stable sorts, so ties keep trial order like Python's sorted().
  const byValue = [...complete].sort((a, b) => cmp(sign * a.value!, sign * b.value!));
  const nComplete = Math.min(Math.max(nBelow, 0), byValue.length);
  const below = byValue.slice(0, nComplete);
  const above = byValue.slice(nComplete);

  const byPrunedScore = [...pruned].sort((a, b) => {
    const [sa, va] = prunedScore(a, sign);
    const [sb, vb] = prunedScore(b, sign);
    return sa !== sb ? cmp(sa, sb) : cmp(va, vb);
  });
  const nPruned = Math.min(Math.max(nBelow - nComplete, 0), byPrunedScore.length);
  below.push(...byPrunedScore.slice(0, nPruned));
  above.push(...byPrunedScore.slice(nPruned), ...running);

  const byNumber = (a: Trial, b: Trial) => a.number - b.number;
  return [below.sort(byNumber), above.sort(byNumber)];
}

/** Optuna's _get_pruned_trial_score: (−last step, signed last value); none reported → (1, 0). */
function prunedScore(t: Trial, sign: number): [number, number] {
  let step: number | null = null;
  for (const s of t.intermediateValues.keys()) if (step === null || s > step) step = s;
  if (step === null) return [1, 0];
  const v = t.intermediateValues.get(step)!;
  return [-step, Number.isNaN(v) ? Infinity : sign * v];
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Internal representations of the trials that have every parameter of the space (trial order). */
function observationsOf(trials: readonly Trial[], searchSpace: Record<string, Distribution>): Record<string, number[]> {
  const names = Object.keys(searchSpace);
  const out: Record<string, number[]> = {};
  for (const name of names) out[name] = [];
  for (const t of trials) {
    if (!names.every((name) => name in t.params)) continue;
    for (const name of names) out[name].push(t.distributions[name].toInternal(t.params[name]));
  }
  return out;
}

function logAddExp(a: number, b: number): number {
  const m = Math.max(a, b);
  if (m === -Infinity) return -Infinity;
  if (m === Infinity) return Infinity;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}
