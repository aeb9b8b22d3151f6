// Optuna's SuccessiveHalvingPruner (asynchronous successive halving, ASHA), following
// optuna/pruners/_successive_halving.py:
//   - rung r is completed at step min_resource · η^(min_early_stopping_rate + r);
//   - a trial reaching a rung records its CURRENT (last-step) value as system attr
//     "completed_rung_r" — also when it is then pruned, so later trials compete against it;
//   - it is promoted only if it is in the top 1/η of everyone who recorded that rung (any state,
//     itself included); with fewer than η competitors only the best so far is promoted;
//   - len(competitors incl. itself) ≤ bootstrap_count prunes;
//   - NaN at a rung prunes; min_resource 'auto' = max(1, ⌊max last step of COMPLETE trials / 100⌋),
//     decided once and then kept (no decision, no pruning, until a trial has completed).
import type { Study, StudyDirection } from '../study';
import type { Trial } from '../trial';
import { lastStep, type Pruner, type SuccessiveHalvingPrunerSpec } from './base';

export interface SuccessiveHalvingOptions {
  minResource?: 'auto' | number;
  reductionFactor?: number;
  minEarlyStoppingRate?: number;
  bootstrapCount?: number;
}

const rungKey = (rung: number): string => `completed_rung_${rung}`;

export class SuccessiveHalvingPruner implements Pruner {
  readonly minResourceOption: 'auto' | number;
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
  private minResource: number | null;

  constructor(options: SuccessiveHalvingOptions = {}, estimatedMinResource: number | null = null) {
    const minResource = options.minResource ?? 'auto';
    this.reductionFactor = options.reductionFactor ?? 4;
    this.minEarlyStoppingRate = options.minEarlyStoppingRate ?? 0;
    this.bootstrapCount = options.bootstrapCount ?? 0;
    if (minResource !== 'auto' && !(Number.isInteger(minResource) && minResource >= 1)) {
      throw new RangeError(`minResource must be 'auto' or an integer >= 1, got ${String(minResource)}`);
    }
    if (!(Number.isInteger(this.reductionFactor) && this.reductionFactor >= 2))
      throw new RangeError(`reductionFactor must be an integer >= 2, got ${this.reductionFactor}`);
    if (!(Number.isInteger(this.minEarlyStoppingRate) && this.minEarlyStoppingRate >= 0))
      throw new RangeError(`minEarlyStoppingRate must be an integer >= 0, got ${this.minEarlyStoppingRate}`);
    if (!(Number.isInteger(this.bootstrapCount) && this.bootstrapCount >= 0))
      throw new RangeError(`bootstrapCount must be an integer >= 0, got ${this.bootstrapCount}`);
    if (this.bootstrapCount > 0 && minResource === 'auto')
      throw new RangeError("bootstrapCount > 0 and minResource 'auto' are mutually incompatible");
    this.minResourceOption = minResource;
    this.minResource = minResource === 'auto' ? estimatedMinResource : minResource;
  }

  prune(study: Study, trial: Trial): boolean {
    const step = lastStep(trial.intermediateValues);
    if (step === null) return false;
    let rung = currentRung(trial);
    const value = trial.intermediateValues.get(step)!;

    for (;;) {
      if (this.minResource === null) {
        this.minResource = estimateMinResource(study.getTrials(['complete']));
        if (this.minResource === null) return false;
      }
      const rungPromotionStep = this.minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
      if (step < rungPromotionStep) return false;
      if (Number.isNaN(value)) return true;

      const key = rungKey(rung);
      // Competitors are the OTHER trials that recorded this rung, plus this value once.
      const competing: number[] = [];
      for (const t of study.trials) {
        if (t === trial) continue;
        const v = t.systemAttrs[key];
        if (typeof v === 'number') competing.push(v);
      }
      trial.systemAttrs[key] = value;
      competing.push(value);

      if (competing.length <= this.bootstrapCount) return true;
      if (!isPromotable(value, competing, this.reductionFactor, study.direction)) return true;
      rung += 1;
    }
  }

  toJSON(): SuccessiveHalvingPrunerSpec {
    return {
      kind: 'successive-halving',
      minResource: this.minResourceOption,
      estimatedMinResource: this.minResourceOption === 'auto' ? this.minResource : null,
      reductionFactor: this.reductionFactor,
      minEarlyStoppingRate: this.minEarlyStoppingRate,
      bootstrapCount: this.bootstrapCount,
    };
  }
}

function currentRung(trial: Trial): number {
  let rung = 0;
  while (rungKey(rung) in trial.systemAttrs) rung++;
  return rung;
}

function estimateMinResource(completed: readonly Trial[]): number | null {
  let last: number | null = null;
  for (const t of completed) {
    const s = lastStep(t.intermediateValues);
    if (s !== null && (last === null || s > last)) last = s;
  }
  return last === null ? null : Math.max(Math.floor(last / 100), 1);
}

/** _is_trial_promotable_to_next_rung. */
function isPromotable(value: number, competing: number[], reductionFactor: number, direction: StudyDirection): boolean {
  let promotableIdx = Math.floor(competing.length / reductionFactor) - 1;
  // Optuna cannot suspend trials, so among the first η−1 it promotes only the best so far.
  if (promotableIdx === -1) promotableIdx = 0;
  competing.sort((a, b) => a - b);
  return direction === 'maximize'
    ? value >= competing[competing.length - 1 - promotableIdx]
    : value <= competing[promotableIdx];
}
