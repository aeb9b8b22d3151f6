// The pruner contract (Optuna's BasePruner): given the study and a running trial that has just
// reported, decide whether to stop it.
import type { Study } from '../study';
import type { Trial } from '../trial';

export interface Pruner {
  prune(study: Study, trial: Trial): boolean;
  toJSON(): PrunerSpec;
}

export interface NopPrunerSpec {
  kind: 'nop';
}

export interface PercentilePrunerSpec {
  kind: 'percentile' | 'median';
  percentile: number;
  nStartupTrials: number;
  nWarmupSteps: number;
  intervalSteps: number;
  nMinTrials: number;
}

export interface SuccessiveHalvingPrunerSpec {
  kind: 'successive-halving';
  minResource: 'auto' | number;
  /** The min_resource 'auto' settled on (Optuna caches it on the pruner), or null if not yet. */
  estimatedMinResource: number | null;
  reductionFactor: number;
  minEarlyStoppingRate: number;
  bootstrapCount: number;
}

export type PrunerSpec = NopPrunerSpec | PercentilePrunerSpec | SuccessiveHalvingPrunerSpec;

/** The largest reported step of a trial, or null (FrozenTrial.last_step). */
export function lastStep(intermediateValues: ReadonlyMap<number, number>): number | null {
  let last: number | null = null;
  for (const step of intermediateValues.keys()) if (last === null || step > last) last = step;
  return last;
}
