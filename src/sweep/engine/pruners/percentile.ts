// Optuna's PercentilePruner (optuna/pruners/_percentile.py), rule for rule:
//   - no pruning until n_startup_trials trials are COMPLETE (pruned/failed ones do not count);
//   - no pruning before step n_warmup_steps, and only at the first report in each interval;
//   - a trial whose intermediate values are all NaN is pruned;
//   - otherwise compare the trial's BEST intermediate value over all its steps so far
//     (nanmax when maximizing, nanmin when minimizing) with the percentile, over COMPLETE trials
//     only, of their values AT THE CURRENT STEP (np.nanpercentile, linear interpolation; for
//     maximize the percentile is mirrored to 100 − p);
//   - fewer than n_min_trials values at that step (NaNs included in the count), or all of them
//     NaN, means no decision (not pruned).
import type { Study, StudyDirection } from '../study';
import type { Trial } from '../trial';
import { lastStep, type PercentilePrunerSpec, type Pruner } from './base';

export interface PercentilePrunerOptions {
  nStartupTrials?: number;
  nWarmupSteps?: number;
  intervalSteps?: number;
  nMinTrials?: number;
}

export class PercentilePruner implements Pruner {
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  constructor(
    readonly percentile: number,
    options: PercentilePrunerOptions = {},
  ) {
    this.nStartupTrials = options.nStartupTrials ?? 5;
    this.nWarmupSteps = options.nWarmupSteps ?? 0;
    this.intervalSteps = options.intervalSteps ?? 1;
    this.nMinTrials = options.nMinTrials ?? 1;
    if (!(percentile >= 0 && percentile <= 100))
      throw new RangeError(`percentile must be between 0 and 100 inclusive, got ${percentile}`);
    if (!(this.nStartupTrials >= 0))
      throw new RangeError(`nStartupTrials cannot be negative, got ${this.nStartupTrials}`);
    if (!(this.nWarmupSteps >= 0)) throw new RangeError(`nWarmupSteps cannot be negative, got ${this.nWarmupSteps}`);
    if (!(this.intervalSteps >= 1)) throw new RangeError(`intervalSteps must be at least 1, got ${this.intervalSteps}`);
    if (!(this.nMinTrials >= 1)) throw new RangeError(`nMinTrials must be at least 1, got ${this.nMinTrials}`);
  }

  prune(study: Study, trial: Trial): boolean {
    const completed = study.getTrials(['complete']);
    const nTrials = completed.length;
    if (nTrials === 0) return false;
    if (nTrials < this.nStartupTrials) return false;

    const step = lastStep(trial.intermediateValues);
    if (step === null) return false;
    if (step < this.nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, [...trial.intermediateValues.keys()], this.nWarmupSteps, this.intervalSteps))
      return false;

    const best = bestIntermediateValue(trial.intermediateValues, study.direction);
    if (Number.isNaN(best)) return true;

    const p = percentileAtStep(completed, study.direction, step, this.percentile, this.nMinTrials);
    if (Number.isNaN(p)) return false;
    return study.direction === 'maximize' ? best < p : best > p;
  }

  toJSON(): PercentilePrunerSpec {
    return {
      kind: 'percentile',
      percentile: this.percentile,
      nStartupTrials: this.nStartupTrials,
      nWarmupSteps: this.nWarmupSteps,
      intervalSteps: this.intervalSteps,
      nMinTrials: this.nMinTrials,
    };
  }
}

/** _is_first_in_interval_step: no earlier report since the latest pruning checkpoint. */
export function isFirstInIntervalStep(
  step: number,
  steps: readonly number[],
  nWarmupSteps: number,
  intervalSteps: number,
): boolean {
  const nearestLowerPruningStep = Math.floor((step - nWarmupSteps) / intervalSteps) * intervalSteps + nWarmupSteps;
  let secondLast = -1;
  for (const s of steps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLowerPruningStep;
}

/** _get_best_intermediate_result_over_steps: nanmax / nanmin (NaN only when all are NaN). */
export function bestIntermediateValue(values: ReadonlyMap<number, number>, direction: StudyDirection): number {
  let best = NaN;
  for (const v of values.values()) {
    if (Number.isNaN(v)) continue;
    if (Number.isNaN(best) || (direction === 'maximize' ? v > best : v < best)) best = v;
  }
  return best;
}

/** _get_percentile_intermediate_result_over_trials. */
export function percentileAtStep(
  completed: readonly Trial[],
  direction: StudyDirection,
  step: number,
  percentile: number,
  nMinTrials: number,
): number {
  const values: number[] = [];
  for (const t of completed) {
    const v = t.intermediateValues.get(step);
    if (v !== undefined) values.push(v);
  }
  if (values.length < nMinTrials) return NaN;
  return nanPercentile(values, direction === 'maximize' ? 100 - percentile : percentile);
}

/** np.nanpercentile with the default 'linear' method, including numpy's two-sided lerp. */
export function nanPercentile(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return NaN;
  const virtual = (q / 100) * (n - 1);
  const lo = Math.floor(virtual);
  const hi = Math.min(lo + 1, n - 1);
  const t = virtual - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  // numpy's _lerp: a + diff·t, but b − diff·(1 − t) when t ≥ 0.5 (keeps monotonicity).
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
