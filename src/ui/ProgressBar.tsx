// Step / total, percent, ETA from the recent pace, throughput and epoch.
import { formatDuration } from '../core/format';
import { useRunStore } from '../store/run';
import { estimateEtaMs } from '../store/run-events';

export function ProgressBar() {
  const steps = useRunStore((s) => s.steps);
  const totalSteps = useRunStore((s) => s.totalSteps);
  const status = useRunStore((s) => s.status);
  const statusLine = useRunStore((s) => s.statusLine);
  const finalElapsedMs = useRunStore((s) => s.finalElapsedMs);

  const last = steps[steps.length - 1];
  const skipped = steps.reduce((n, p) => n + (p.skipped ? 1 : 0), 0);
  const step = last?.step ?? 0;
  const fraction = totalSteps > 0 ? Math.min(1, step / totalSteps) : 0;
  const percent = (fraction * 100).toFixed(1);
  const eta = status === 'running' ? estimateEtaMs(steps, totalSteps) : null;
  const elapsed = finalElapsedMs ?? last?.elapsedMs ?? null;

  return (
    <section className="panel" aria-label="Progress">
      <p className="status-line">{statusLine}</p>
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={totalSteps || 1}
        aria-valuenow={step}
        aria-label="Training progress"
      >
        <div className="progress__fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      <dl className="stats">
        <div>
          <dt>Step</dt>
          <dd>
            <span data-testid="step-count">{step}</span> / {totalSteps || '—'}
          </dd>
        </div>
        <div>
          <dt>Done</dt>
          <dd>{percent}%</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd>{formatDuration(eta)}</dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd>{formatDuration(elapsed)}</dd>
        </div>
        <div>
          <dt>Tokens/s</dt>
          <dd>{last ? Math.round(last.tokensPerSec).toLocaleString('en-US') : '—'}</dd>
        </div>
        <div>
          <dt>Epoch</dt>
          <dd>{last ? last.epoch : '—'}</dd>
        </div>
        <div>
          <dt>LR</dt>
          <dd>{last ? last.lr.toExponential(2) : '—'}</dd>
        </div>
        {skipped > 0 && (
          <div className="stats__warn" title="Updates skipped because the loss or gradients were not finite">
            <dt>Skipped</dt>
            <dd data-testid="skipped-count">{skipped}</dd>
          </div>
        )}
      </dl>
    </section>
  );
}
