// The compare-trials dashboard's input (plain data the runner or IndexedDB hands over) and the
// read-outs every panel shares: which trials count as results and which one is best. Each chart's
// own data preparation sits beside it in ui/sweep/. No React, zustand or DOM: unit-tested in Node.
import type { Sample } from '../core/events';
import { betterResult, type StudyDirection } from '../sweep/engine/study';
import type { TrialState } from '../sweep/engine/trial';
import type { EpochRecord } from '../sweep/studio/runner';

// The engine's own unions: a view holds the same states and directions as the study it shows.
export type TrialViewState = TrialState;
export type StudyDirectionView = StudyDirection;

export interface TrialView {
  number: number;
  state: TrialViewState;
  value: number | null;
  params: Record<string, number | string>;
  epochs: EpochRecord[];
  losses: { step: number; loss: number }[];
  samples: Sample[];
  durationMs: number | null;
  failReason?: string;
  /** Breaks ties between equal values, lower first (the engine's TIE_BREAK_ATTR: the evaluation loss). */
  tieBreak?: number | null;
}

export interface ParamSpecView {
  name: string;
  type: 'float' | 'int' | 'categorical';
  log?: boolean;
  low?: number;
  high?: number;
  choices?: (string | number)[];
}

export interface StudyView {
  id: string;
  name: string;
  direction: StudyDirectionView;
  objective: string;
  status: string;
  trials: TrialView[];
  importances: Record<string, number> | null;
  paramSpec: ParamSpecView[];
  /** Trials the study was asked for (its config's nTrials), for the study-level progress. */
  nTrials?: number;
}

type DirectionOnly = { direction: StudyDirectionView };
type Trials = { trials: readonly TrialView[] };

/** Values in the view may be null or NaN (a diverged trial); only finite numbers plot or rank. */
export const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const better = (a: number, b: number, direction: StudyDirectionView) => (direction === 'maximize' ? a > b : a < b);
/** Trial number order: the order the sampler asked for them, whatever order they arrived in. */
export const byNumber = (a: TrialView, b: TrialView) => a.number - b.number;

/** A complete trial with a finite value: the kind a chart can place on its scale. */
export const hasResult = (t: TrialView): t is TrialView & { value: number } =>
  t.state === 'complete' && finite(t.value);

/**
 * A complete trial with a value, ±inf included (Optuna: a complete trial's value is any float but
 * NaN, and +inf is the best there is when maximizing): what ranks, as in Study.bestTrial and the
 * studies list.
 */
export const hasValue = (t: TrialView): t is TrialView & { value: number } =>
  t.state === 'complete' && typeof t.value === 'number' && !Number.isNaN(t.value);

// ---------- best trial ----------

/** Best complete trial for the direction, as the engine's Study.bestTrial: equal values go to the lower tie-break, then the lowest number (Optuna). Null when none. */
export function bestTrial(study: Trials & DirectionOnly): TrialView | null {
  let best: (TrialView & { value: number }) | null = null;
  const ranked = (t: TrialView & { value: number }) => ({ value: t.value, tieBreak: t.tieBreak ?? null });
  for (const t of [...study.trials].sort(byNumber)) {
    if (hasValue(t) && (best === null || betterResult(ranked(t), ranked(best), study.direction))) best = t;
  }
  return best;
}

export interface BestSoFarPoint {
  number: number;
  /** Best complete value among trials 0..number; null before the first complete one. */
  best: number | null;
}

/** The running best, one point per trial in number order (non-complete trials carry it on). */
export function bestSoFar(study: Trials & DirectionOnly): BestSoFarPoint[] {
  let best: number | null = null;
  return [...study.trials].sort(byNumber).map((t) => {
    if (hasValue(t) && (best === null || better(t.value, best, study.direction))) best = t.value;
    return { number: t.number, best };
  });
}

export function stateCounts(trials: readonly TrialView[]): Record<TrialViewState, number> {
  const out: Record<TrialViewState, number> = { running: 0, complete: 0, pruned: 0, failed: 0 };
  for (const t of trials) out[t.state] += 1;
  return out;
}
