// The optimization history's data: each trial's value by state, the best so far, and the axes.
// Pure TS (no React): unit-tested in Node.
import {
  bestSoFar,
  byNumber,
  finite,
  type BestSoFarPoint,
  type StudyView,
  type TrialView,
  type TrialViewState,
} from '../../store/sweep-view';
import { integerTicks, niceScale } from './axes';

export interface HistoryPoint {
  number: number;
  value: number;
  state: TrialViewState;
}

export interface HistoryData {
  complete: HistoryPoint[];
  /** Pruned (value: the last reported one), running (latest epoch) and failed trials; trials
   *  with nothing to show sit on the chart's floor, just above domain[0]. */
  pruned: HistoryPoint[];
  running: HistoryPoint[];
  failed: HistoryPoint[];
  best: BestSoFarPoint[];
  domain: [number, number];
  ticks: number[];
  xTicks: number[];
}

export function historyData(study: StudyView): HistoryData {
  const trials = [...study.trials].sort(byNumber);
  const shown = (t: TrialView): number | null =>
    finite(t.value) ? t.value : finite(t.epochs.at(-1)?.objective) ? t.epochs.at(-1)!.objective : null;
  const ys = trials
    .filter((t) => t.state !== 'failed')
    .map(shown)
    .filter(finite);
  const lo = ys.length ? Math.min(...ys) : 0;
  const hi = ys.length ? Math.max(...ys) : 1;
  const pad = hi === lo ? Math.max(1, Math.abs(hi) * 0.1) : (hi - lo) * 0.1;
  const { domain, ticks } = niceScale(lo - pad, hi + pad);
  // Failed trials sit just above the bottom edge, below every real value.
  const floor = domain[0] + Math.min(lo - domain[0], (domain[1] - domain[0]) * 0.04);
  const pick = (state: TrialViewState, fallback: boolean) =>
    trials
      .filter((t) => t.state === state)
      .flatMap((t) => {
        const v = state === 'failed' ? null : shown(t);
        return v === null && !fallback ? [] : [{ number: t.number, value: v ?? floor, state }];
      });
  return {
    complete: pick('complete', false),
    pruned: pick('pruned', true),
    running: pick('running', false),
    failed: pick('failed', true),
    best: bestSoFar(study),
    domain,
    ticks,
    xTicks: integerTicks(trials.reduce((m, t) => Math.max(m, t.number), 0)),
  };
}
