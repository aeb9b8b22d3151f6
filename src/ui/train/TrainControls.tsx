// Start / Stop training, and the run's status word (named apart from the top "Train" tab). The buttons only call store actions.
import { useDataStore } from '../../store/data';
import { useRunStore } from '../../store/run';

export function TrainControls() {
  const status = useRunStore((s) => s.status);
  const stopping = useRunStore((s) => s.stopping);
  const hasFieldErrors = useRunStore((s) => Object.keys(s.fieldErrors).length > 0);
  const start = useRunStore((s) => s.start);
  const stop = useRunStore((s) => s.stop);
  const hasData = useDataStore((s) => s.source !== null);

  const running = status === 'running';
  const why = !hasData
    ? 'Choose training data first'
    : hasFieldErrors
      ? 'Fix the highlighted settings first'
      : undefined;

  return (
    <div className="controls">
      <button
        type="button"
        className="button button--primary"
        data-testid="train-button"
        onClick={start}
        disabled={running || !hasData || hasFieldErrors}
        title={why}
      >
        {status === 'idle' ? 'Start training' : 'Train again'}
      </button>
      <button type="button" className="button" data-testid="stop-button" onClick={stop} disabled={!running || stopping}>
        {stopping ? 'Stopping…' : 'Stop training'}
      </button>
      <span className={`status-pill status-pill--${status}`} data-testid="run-status" aria-live="polite">
        {status}
      </span>
    </div>
  );
}
