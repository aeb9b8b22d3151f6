// The Hub models this browser keeps (the model cache: OPFS, else Cache Storage): each with its
// size, made the base model with no request, or deleted. A partly downloaded one says so.
import { formatBytes } from '../../core/format';
import { useHubStore } from '../../store/hub';

export function CachedModels({ disabled }: { disabled: boolean }) {
  const cached = useHubStore((s) => s.cached);
  const { baseFromCache, deleteCached } = useHubStore.getState();
  return (
    <div className="cached-models" data-testid="cached-models">
      <h3>Cached models</h3>
      {cached.length === 0 ? (
        <p className="muted" data-testid="cached-models-none">
          None yet: a model downloaded from the Hub is kept here, and loads again with no network.
        </p>
      ) : (
        <ul className="model-card__notes">
          {cached.map((m) => {
            const name = `${m.repo} (${m.commit.slice(0, 12)})`;
            return (
              <li key={`${m.repo}@${m.commit}`} data-testid="cached-model" data-repo={m.repo}>
                <span>
                  {name}
                  {m.revisions.length > 0 ? ` [${m.revisions.join(', ')}]` : ''}:{' '}
                  {m.complete
                    ? formatBytes(m.totalBytes)
                    : `${formatBytes(m.cachedBytes)} of ${formatBytes(m.totalBytes)}, partly downloaded`}
                </span>{' '}
                <button
                  type="button"
                  className="button button--link"
                  disabled={disabled || !m.complete}
                  aria-label={`Use ${name} as the base model`}
                  onClick={() => void baseFromCache(m)}
                >
                  Use
                </button>
                <button
                  type="button"
                  className="button button--link"
                  disabled={disabled}
                  aria-label={`Delete ${name} from the cache`}
                  onClick={() => void deleteCached(m)}
                >
                  Delete
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
