// The optimization history's data: each trial's value by state, the best so far, and the axes.
// Pure TS (no React): unit-tested in Node.
//
// ±inf values (Optuna accepts them for complete trials) cannot sit on a linear scale: the axes
// follow the finite values, a +inf point is drawn on the top edge and a −inf one on the bottom
// edge (offScale), the best-so-far line likewise, and `note` says which trials those are. Never
// at 0, never silently dropped. NaN (a failed trial's) is no value and does not plot.
import {
  bestSoFar,
  byNumber,
  type BestSoFarPoint,
  type StudyView,
  type TrialView,
  type TrialViewState,
} from '../../store/sweep-view';
import { integerTicks, niceScale } from './axes';
import { offScaleNote, type OffScale } from './number-format';

export interface HistoryPoint {
  number: number;
  /** Where the point is drawn: the value, or the chart's edge for ±inf (offScale says which). */
  value: number;
  state: TrialViewState;
  /** Set for a ±inf value, drawn on that edge of the chart. */
  offScale?: OffScale;
}

export interface HistoryData {
  complete: HistoryPoint[];
  /** Pruned (value: the last reported one), running (latest epoch) and failed trials; trials
   *  with nothing to show sit on the chart's floor, just above domain[0]. */
  pruned: HistoryPoint[];
  running: HistoryPoint[];
  failed: HistoryPoint[];
  /** The running best (`best`, exact, for tooltips) and where its line is drawn (`y`: ±inf on the edge). */
  best: (BestSoFarPoint & { y: number | null })[];
  domain: [number, number];
  ticks: number[];
  xTicks: number[];
  /** Which trials are infinite and drawn on an edge; null when none is. */
  note: string | null;
}

const isValue = (x: unknown): x is number => typeof x === 'number' && !Number.isNaN(x);

export function historyData(study: StudyView): HistoryData {
  const trials = [...study.trials].sort(byNumber);
  const shown = (t: TrialView): number | null =>
    isValue(t.value) ? t.value : isValue(t.epochs.at(-1)?.objective) ? t.epochs.at(-1)!.objective : null;
  const ys = trials
    .filter((t) => t.state !== 'failed')
    .map(shown)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = ys.length ? Math.min(...ys) : 0;
  const hi = ys.length ? Math.max(...ys) : 1;
  const pad = hi === lo ? Math.max(1, Math.abs(hi) * 0.1) : (hi - lo) * 0.1;
  const { domain, ticks } = niceScale(lo - pad, hi + pad);
  // Failed trials sit just above the bottom edge, below every real value.
  const floor = domain[0] + Math.min(lo - domain[0], (domain[1] - domain[0]) * 0.04);
  const edge = (v: number) => (v > 0 ? domain[1] : domain[0]);
  const infinite: { number: number; value: number }[] = [];
  const pick = (state: TrialViewState, fallback: boolean) =>
    trials
      .filter((t) => t.state === state)
      .flatMap((t): HistoryPoint[] => {
        const v = state === 'failed' ? null : shown(t);
        if (v === null) return fallback ? [{ number: t.number, value: floor, state }] : [];
        if (Number.isFinite(v)) return [{ number: t.number, value: v, state }];
        infinite.push({ number: t.number, value: v });
        return [{ number: t.number, value: edge(v), state, offScale: v > 0 ? 'top' : 'bottom' }];
      });
  const complete = pick('complete', false);
  const pruned = pick('pruned', true);
  const running = pick('running', false);
  const failed = pick('failed', true);
  return {
    complete,
    pruned,
    running,
    failed,
    best: bestSoFar(study).map((b) => ({
      ...b,
      y: b.best === null || Number.isFinite(b.best) ? b.best : edge(b.best),
    })),
    domain,
    ticks,
    xTicks: integerTicks(trials.reduce((m, t) => Math.max(m, t.number), 0)),
    note: offScaleNote(
      infinite.sort((a, b) => a.number - b.number),
      true,
    ),
  };
}
