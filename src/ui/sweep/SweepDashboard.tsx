// The compare-trials dashboard for one study: a summary line, the optimization history and
// per-epoch curves, parallel coordinates, importances and slice plots, the trials table and the
// comparison of the trials picked in it. Presentational: everything comes from `study` (the study
// progress bar also asks the sweep store whether the sweep is being driven, for its ETA).
import { startTransition, useCallback, useEffect, useMemo, useState } from 'react';
import { bestTrial, studyCounts, type StudyView, type TrialView } from '../../store/sweep-view';
import { formatNumber, formatParam } from './number-format';
import { EpochCurves } from './EpochCurves';
import { ImportanceBars } from './ImportanceBars';
import { OptimizationHistory } from './OptimizationHistory';
import { ParallelCoordinates } from './ParallelCoordinates';
import { SlicePlots } from './SlicePlots';
import { StudyProgress } from './StudyProgress';
import { TrialCompare } from './TrialCompare';
import { TrialsTable } from './TrialsTable';
import './sweep.css';

const KNOWN_STATUS = new Set(['running', 'finished', 'stopped', 'error']);

/** Panels below the summary, in the order they are drawn. */
const PANELS = 6;

/**
 * How many panels to draw: all at once for a study the page holds whole, one more per task for a
 * big study's first showing, so that no single task lays out every chart (together they held the
 * main thread for seconds; one at a time each is a short task, and the page paints between).
 */
function useStagedPanels(id: string, staged: boolean): number {
  const [stage, setStage] = useState({ id, shown: staged ? 0 : PANELS });
  const current = stage.id === id ? stage : { id, shown: staged ? 0 : PANELS };
  if (current !== stage) setStage(current);
  useEffect(() => {
    if (current.shown >= PANELS) return;
    // A transition: React renders the next panel in slices of a few ms, yielding to the page
    // between them; only its commit (the DOM, the chart's measuring) is one task.
    const t = setTimeout(() => startTransition(() => setStage({ id, shown: current.shown + 1 })), 0);
    return () => clearTimeout(t);
  }, [id, current.shown]);
  return current.shown;
}

export function SweepDashboard({ study: shownStudy }: { study: StudyView }) {
  const [pickedRaw, setPicked] = useState<number[]>([]);
  // A big study's trials picked in the table that are not in the charts' sample (the table pages
  // through all of them): kept here so the comparison can show them.
  const [extra, setExtra] = useState<{ study: string; trials: TrialView[] }>({ study: '', trials: [] });
  const study = useMemo(() => {
    const more = extra.study === shownStudy.id ? extra.trials : [];
    const missing = more.filter((t) => !shownStudy.trials.some((s) => s.number === t.number));
    return missing.length === 0 ? shownStudy : { ...shownStudy, trials: [...shownStudy.trials, ...missing] };
  }, [shownStudy, extra]);
  // Picks of trials no longer in the study (another study loaded) are dropped.
  const picked = useMemo(() => {
    const have = new Set(study.trials.map((t) => t.number));
    return pickedRaw.filter((n) => have.has(n));
  }, [pickedRaw, study.trials]);
  const togglePick = useCallback(
    (n: number, trial?: TrialView) => {
      if (trial && shownStudy.whole)
        setExtra((e) => ({
          study: shownStudy.id,
          trials: [...(e.study === shownStudy.id ? e.trials : []).filter((t) => t.number !== n), trial],
        }));
      setPicked((p) => (p.includes(n) ? p.filter((x) => x !== n) : [...p, n].sort((a, b) => a - b)));
    },
    [shownStudy.id, shownStudy.whole],
  );
  const clearPicks = useCallback(() => setPicked([]), []);
  const counts = studyCounts(shownStudy);
  const best = useMemo(() => bestTrial(study), [study]);
  const total = shownStudy.whole?.trialCount ?? shownStudy.trials.length;
  const shown = useStagedPanels(shownStudy.id, shownStudy.whole !== undefined);

  return (
    <div className="sweep" data-testid="sweep-dashboard" data-study-id={study.id}>
      <section className="panel sweep-summary" aria-label="Study">
        <div className="sweep-summary__head">
          <h2 className="sweep-summary__name">{study.name}</h2>
          <span
            className={`status-pill${KNOWN_STATUS.has(study.status) ? ` status-pill--${study.status}` : ''}`}
            data-testid="sweep-status"
          >
            {study.status}
          </span>
        </div>
        <dl className="stats sweep-summary__stats">
          <div>
            <dt>Objective</dt>
            <dd>
              {study.objective} ({study.direction === 'maximize' ? 'max' : 'min'})
            </dd>
          </div>
          <div>
            <dt>Trials</dt>
            <dd data-testid="sweep-trial-count">{total.toLocaleString('en-US')}</dd>
          </div>
          <div>
            <dt>Complete</dt>
            <dd>{counts.complete}</dd>
          </div>
          <div>
            <dt>Pruned</dt>
            <dd>{counts.pruned}</dd>
          </div>
          <div className={counts.failed > 0 ? 'stats__warn' : undefined}>
            <dt>Failed</dt>
            <dd>{counts.failed}</dd>
          </div>
          {counts.running > 0 && (
            <div>
              <dt>Running</dt>
              <dd>{counts.running}</dd>
            </div>
          )}
          <div>
            <dt>Best</dt>
            <dd data-testid="sweep-best-value">{best ? `${formatNumber(best.value!, 4)} (#${best.number})` : '—'}</dd>
          </div>
        </dl>
        <StudyProgress study={shownStudy} />
        {shownStudy.whole && (
          <p className="sweep-caption" data-testid="sweep-sampled">
            The charts draw {shownStudy.trials.length.toLocaleString('en-US')} of its {total.toLocaleString('en-US')}{' '}
            trials: per state, the highest and lowest values along the study, its first, last and best trial; the
            best-so-far line, the counts and the table cover every trial.
          </p>
        )}
        {best && (
          <p className="sweep-summary__params">
            Best parameters:{' '}
            {study.paramSpec
              .filter((p) => best.params[p.name] !== undefined)
              .map((p) => (
                <code key={p.name} className="sweep-summary__param">
                  {p.name} = {formatParam(best.params[p.name])}
                </code>
              ))}
          </p>
        )}
      </section>

      <div className="sweep__pair">
        {shown > 0 && <OptimizationHistory study={shownStudy} />}
        {shown > 1 && <EpochCurves study={study} highlight={picked} />}
      </div>
      {shown > 2 && <ParallelCoordinates study={shownStudy} highlight={picked} />}
      <div className="sweep__pair sweep__pair--importance">
        {shown > 3 && <ImportanceBars importances={study.importances} />}
        {shown > 3 && <SlicePlots study={shownStudy} />}
      </div>
      {shown > 4 && (
        <TrialsTable study={shownStudy} picked={picked} onTogglePick={togglePick} onClearPicks={clearPicks} />
      )}
      {shown > 5 && <TrialCompare study={study} picked={picked} />}
    </div>
  );
}
