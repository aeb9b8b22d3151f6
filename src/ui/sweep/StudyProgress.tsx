// The whole study's progress in the Sweep tab: trials ended of those asked for, as a bar, and the
// time left (the mean ended trial × what is still to run, the final training included).
import { formatDuration } from '../../core/format';
import { useSweepStore } from '../../store/sweep';
import type { StudyView } from '../../store/sweep-view';
import { studyProgress } from './study-progress';

export function StudyProgress({ study }: { study: StudyView }) {
  const driving = useSweepStore((s) => s.status === 'running');
  const live = useSweepStore((s) => s.live);
  const running = driving && study.status === 'running';
  const whole = study.whole;
  const p = whole
    ? {
        // A big study's figures cover every trial (its `trials` are the charts' sample).
        done: whole.trialCount - whole.counts.running,
        total: Math.max(study.nTrials ?? 0, whole.trialCount),
        meanTrialMs: whole.meanTrialMs,
        etaMs: null,
      }
    : studyProgress(study.trials, study.nTrials ?? study.trials.length, running, running ? live : null);
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const eta = running ? (p.etaMs === null ? 'after the first trial ends' : formatDuration(p.etaMs)) : null;
  return (
    <div className="study-progress" data-testid="study-progress" data-done={p.done} data-total={p.total}>
      <div
        className="progress"
        role="progressbar"
        aria-label={`Study progress: ${study.name}`}
        aria-valuemin={0}
        aria-valuemax={p.total}
        aria-valuenow={p.done}
        aria-valuetext={`${p.done} of ${p.total} trials ended${eta ? `, about ${eta} left` : ''}`}
      >
        <div className="progress__fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      <p className="sweep-caption study-progress__text">
        <span data-testid="study-progress-count">
          {p.done} / {p.total} trials ended
        </span>
        {p.meanTrialMs !== null && <> · {formatDuration(p.meanTrialMs)} per trial on average</>}
        {eta && (
          <>
            {' · '}
            <span
              data-testid="study-progress-eta"
              title="mean ended trial × trials still to run, plus the final training"
            >
              ETA {eta}
            </span>
          </>
        )}
      </p>
    </div>
  );
}
