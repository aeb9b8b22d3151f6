// The run's error, as plain text (it may quote worker or dataset text, so never as HTML).
import { useRunStore } from '../store/run';

export function ErrorBanner() {
  const error = useRunStore((s) => s.error);
  if (!error) return null;
  return (
    <div className="error-banner" role="alert">
      <strong>Training failed</strong>
      <p data-testid="error-message">{error}</p>
    </div>
  );
}
