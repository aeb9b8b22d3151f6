// A Hub download's progress: the total (bytes, MB/s, ETA) as a bar, and each file's state.
import type { HubDownloadProgress } from '../../app/hub-engine';
import { formatBytes, formatDuration } from '../../core/format';

/** "3.2 MB/s, 12.0s left" while a download runs. */
export function rateText(bytesPerSecond: number, etaSeconds: number | null): string {
  const rate = bytesPerSecond > 0 ? `${(bytesPerSecond / 1e6).toFixed(bytesPerSecond < 1e6 ? 2 : 1)} MB/s` : '— MB/s';
  return `${rate}, ${etaSeconds === null ? '—' : formatDuration(etaSeconds * 1000)} left`;
}

const stateWords = { queued: 'waiting', cached: 'already cached', downloading: 'downloading', done: 'done' } as const;

export function HubDownloadProgressView({ progress: p, active }: { progress: HubDownloadProgress; active: boolean }) {
  const fraction = p.total > 0 ? Math.min(1, p.bytes / p.total) : 0;
  return (
    <div className="hub-download" data-testid="hub-model-progress">
      <div
        className="progress"
        role="progressbar"
        aria-label="Download progress"
        aria-valuemin={0}
        aria-valuemax={p.total}
        aria-valuenow={p.bytes}
      >
        <div className="progress__fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      <p className="muted" data-testid="hub-model-progress-total">
        {formatBytes(p.bytes)} of {formatBytes(p.total)} ({(fraction * 100).toFixed(1)}%)
        {active ? ` · ${rateText(p.bytesPerSecond, p.etaSeconds)} · ${p.file}` : ''}
      </p>
      <ul className="model-card__notes">
        {p.files.map((f) => (
          <li key={f.path} data-testid="hub-model-file" data-state={f.state}>
            {f.path}: {formatBytes(f.bytes)} of {formatBytes(f.size)}, {stateWords[f.state]}
          </li>
        ))}
      </ul>
    </div>
  );
}
