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
  /**
   * Present when `trials` is a thinned sample of a big study (the charts draw the sample; the
   * trials table pages through all of them in the study worker): the figures of every trial.
   */
  whole?: WholeStudy;
}

/** A big study's figures over every trial, worked out in the study worker. */
export interface WholeStudy {
  trialCount: number;
  counts: Record<TrialViewState, number>;
  /** The best trial's number (it is always in the sample); null when none. */
  best: number | null;
  /** The best-so-far line as steps: the first trial, each improvement, the last trial. */
  bestSoFar: BestSoFarPoint[];
  meanTrialMs: number | null;
}

type DirectionOnly = { direction: StudyDirectionView };
type Trials = { trials: readonly TrialView[]; whole?: WholeStudy };

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
  if (study.whole) return study.trials.find((t) => t.number === study.whole?.best) ?? null;
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

/**
 * The running best, one point per trial in number order (non-complete trials carry it on); for a
 * big study, its exact step line (a point where it changes), drawn alike with "stepAfter".
 */
export function bestSoFar(study: Trials & DirectionOnly): BestSoFarPoint[] {
  if (study.whole) return study.whole.bestSoFar;
  let best: number | null = null;
  return [...study.trials].sort(byNumber).map((t) => {
    if (hasValue(t) && (best === null || better(t.value, best, study.direction))) best = t.value;
    return { number: t.number, best };
  });
}

/** The best so far at trial `number`, from a line of bestSoFar's (its last point at or before it). */
export function bestAt(line: readonly BestSoFarPoint[], number: number): number | null {
  let lo = 0;
  let hi = line.length - 1;
  let found: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (line[mid].number <= number) {
      found = line[mid].best;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Trials by state: of every trial, for a big study whose `trials` are a sample. */
export function studyCounts(study: Trials): Record<TrialViewState, number> {
  return study.whole ? { ...study.whole.counts } : stateCounts(study.trials);
}

export function stateCounts(trials: readonly TrialView[]): Record<TrialViewState, number> {
  const out: Record<TrialViewState, number> = { running: 0, complete: 0, pruned: 0, failed: 0 };
  for (const t of trials) out[t.state] += 1;
  return out;
}
