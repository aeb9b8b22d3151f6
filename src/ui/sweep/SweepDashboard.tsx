// The compare-trials dashboard for one study: a summary line, the optimization history and
// per-epoch curves, parallel coordinates, importances and slice plots, the trials table and the
// comparison of the trials picked in it. Presentational: everything comes from `study` (the study
// progress bar also asks the sweep store whether the sweep is being driven, for its ETA).
import { useCallback, useMemo, useState } from 'react';
import { bestTrial, stateCounts, type StudyView } from '../../store/sweep-view';
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

export function SweepDashboard({ study }: { study: StudyView }) {
  const [pickedRaw, setPicked] = useState<number[]>([]);
  // Picks of trials no longer in the study (another study loaded) are dropped.
  const picked = useMemo(
    () => pickedRaw.filter((n) => study.trials.some((t) => t.number === n)),
    [pickedRaw, study.trials],
  );
  const togglePick = useCallback(
    (n: number) => setPicked((p) => (p.includes(n) ? p.filter((x) => x !== n) : [...p, n].sort((a, b) => a - b))),
    [],
  );
  const clearPicks = useCallback(() => setPicked([]), []);
  const counts = stateCounts(study.trials);
  const best = useMemo(() => bestTrial(study), [study]);

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
            <dd>{study.trials.length}</dd>
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
        <StudyProgress study={study} />
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
        <OptimizationHistory study={study} />
        <EpochCurves study={study} highlight={picked} />
      </div>
      <ParallelCoordinates study={study} highlight={picked} />
      <div className="sweep__pair sweep__pair--importance">
        <ImportanceBars importances={study.importances} />
        <SlicePlots study={study} />
      </div>
      <TrialsTable study={study} picked={picked} onTogglePick={togglePick} onClearPicks={clearPicks} />
      <TrialCompare study={study} picked={picked} />
    </div>
  );
}
