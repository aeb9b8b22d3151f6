// What the page needs to show a study of any size, worked out where the whole study is (the study
// worker): the figures of all its trials (counts, best trial, the exact best-so-far line, mean
// trial time, importances) and a sample of at most a few thousand trials for the charts, thinned
// per state with thinPoints so extremes, first and last survive. A study no bigger than the limits
// is sent whole (`sampled` false) and the dashboard works as it always has. Pure: Node-tested.
import { pedAnovaImportances } from '../../sweep/engine/importance';
import { betterResult, Study, tieBreakOf } from '../../sweep/engine/study';
import type { TrialData } from '../../sweep/engine/study-data';
import type { TrialState } from '../../sweep/engine/trial';
import { studyData, type StudyMeta } from '../../sweep/persist/study-record';
import { bestSoFarSteps, thinPoints, type StepPoint } from './thin-points';

/**
 * Trials per state at most in the sample the charts draw. Recharts draws each point as its own
 * React element and SVG node: 1,700 trials (5,000 points over the history and slice plots) took
 * 1.9 s to draw on the page, 500 still 300–850 ms a chart on this machine, 250 up to 242 ms and 125
 * 103–113 ms (load average ~6): Recharts 3 re-renders a chart synchronously on each update of its
 * own store, so the points per chart set the longest task (issue 18's bar is 200 ms).
 */
export const SAMPLE_LIMITS: Record<TrialState, number> = { complete: 80, pruned: 25, running: 10, failed: 10 };

export interface StudyDigest {
  meta: StudyMeta;
  trialCount: number;
  counts: Record<TrialState, number>;
  /** Number of the best complete trial with a value (±inf count, NaN does not: Optuna's rule, as the dashboard's); null when none. */
  best: number | null;
  /** The best-so-far line over every trial (see bestSoFarSteps). */
  bestSoFar: StepPoint[];
  /** Mean wall time of the ended trials that have one. */
  meanTrialMs: number | null;
  importances: Record<string, number> | null;
  /** The trials the page gets: every one, or (sampled) a thinned sample that includes the best. */
  sample: TrialData[];
  sampled: boolean;
}

const num = (v: TrialData['value']): number => (v === null ? NaN : Number(v));

/** The value a trial is drawn at: its value, else its last intermediate value (pruned, running). */
function drawnAt(t: TrialData): number {
  if (t.state === 'failed') return NaN;
  const v = num(t.value);
  if (!Number.isNaN(v)) return v; // ±inf is a value (Optuna's meaning); only NaN is none
  const last = t.intermediateValues.at(-1);
  return last === undefined ? NaN : Number(last[1]);
}

function durationMs(t: TrialData): number | null {
  if (t.state === 'running' || t.datetimeStart === null || t.datetimeComplete === null) return null;
  const d = Date.parse(t.datetimeComplete) - Date.parse(t.datetimeStart);
  return Number.isFinite(d) && d >= 0 ? d : null;
}

/** `trials` in number order (as the store reads them). */
export function studyDigest(meta: StudyMeta, trials: readonly TrialData[], limits = SAMPLE_LIMITS): StudyDigest {
  const counts: Record<TrialState, number> = { running: 0, complete: 0, pruned: 0, failed: 0 };
  let best: TrialData | null = null;
  const ranked = (t: TrialData) => ({ value: num(t.value), tieBreak: tieBreakOf(t.userAttrs) });
  let durations = 0;
  let timed = 0;
  for (const t of trials) {
    counts[t.state]++;
    if (t.state === 'complete' && !Number.isNaN(num(t.value)))
      if (best === null || betterResult(ranked(t), ranked(best), meta.direction)) best = t;
    const d = durationMs(t);
    if (d !== null) {
      durations += d;
      timed++;
    }
  }
  const numbers = trials.map((t) => t.number);
  const values = trials.map((t) => (t.state === 'complete' ? num(t.value) : NaN));
  const limit = Object.values(limits).reduce((a, b) => a + b, 0);
  const sampled = trials.length > limit;
  return {
    meta,
    trialCount: trials.length,
    counts,
    best: best?.number ?? null,
    bestSoFar: bestSoFarSteps(numbers, values, meta.direction),
    meanTrialMs: timed > 0 ? durations / timed : null,
    importances: counts.complete >= 3 ? importances(meta, trials) : null,
    sample: sampled ? sample(trials, limits, best) : [...trials],
    sampled,
  };
}

/** Per state: thinned by the value drawn, keeping the first and last trial of the study and the best. */
function sample(trials: readonly TrialData[], limits: Record<TrialState, number>, best: TrialData | null): TrialData[] {
  const picked = new Set<TrialData>([trials[0], trials[trials.length - 1]]);
  if (best !== null) picked.add(best);
  for (const state of Object.keys(limits) as TrialState[]) {
    const series = trials.filter((t) => t.state === state);
    for (const i of thinPoints(series.map(drawnAt), limits[state])) picked.add(series[i]);
  }
  return trials.filter((t) => picked.has(t));
}

function importances(meta: StudyMeta, trials: readonly TrialData[]): Record<string, number> | null {
  try {
    return pedAnovaImportances(Study.fromJSON(studyData(meta, [...trials])));
  } catch {
    return null; // as the dashboard has always done: the chart says there is nothing to show
  }
}
