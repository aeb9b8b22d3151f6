// Push to the Hub (the seed's push_to_hub): the trained model's LoRA adapter or merged model, with a
// generated model card, to a model repo of the user's. The access token lives in this component's
// state only — never a store, storage, a log or a URL — and is gone when the page closes.
import { useId, useState } from 'react';
import { filesToPush, type PushWhat } from '../../app/hub-push';
import { useHubPushStore } from '../../store/hub-push';
import { useModelStore } from '../../store/model';

export function PushToHub() {
  const trained = useModelStore((s) => s.trained);
  const { status, progress, result, error } = useHubPushStore();
  const { push, cancel } = useHubPushStore.getState();
  const [repo, setRepo] = useState('');
  const [token, setToken] = useState('');
  const [isPrivate, setPrivate] = useState(true);
  const hasAdapter = trained !== null && filesToPush(trained.files, 'adapter') !== null;
  const [picked, setWhat] = useState<PushWhat>('adapter');
  const what: PushWhat = hasAdapter ? picked : 'merged';
  const repoId = useId();
  const tokenId = useId();
  if (!trained) return null;
  const pushing = status === 'pushing';

  return (
    <div className="push-to-hub" data-testid="push-to-hub">
      <fieldset disabled={pushing}>
        <legend>Push to the Hugging Face Hub</legend>
        <div className="field field--wide">
          <label htmlFor={repoId}>Repo (name, or namespace/name)</label>
          <input
            id={repoId}
            value={repo}
            placeholder="smollm2-xsum-lora"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setRepo(e.target.value)}
            data-testid="push-repo"
          />
        </div>
        <div className="field field--wide">
          <label htmlFor={tokenId}>Access token with write access (kept for this page only)</label>
          <input
            id={tokenId}
            type="password"
            value={token}
            placeholder="hf_…"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setToken(e.target.value)}
            data-testid="push-token"
          />
        </div>
        <div className="row" role="radiogroup" aria-label="What to push">
          <label className="checkbox">
            <input
              type="radio"
              name="push-what"
              checked={what === 'adapter'}
              disabled={!hasAdapter}
              onChange={() => setWhat('adapter')}
              data-testid="push-what-adapter"
            />
            LoRA adapter (PEFT){hasAdapter ? '' : ': none, the model was fine-tuned in full'}
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name="push-what"
              checked={what === 'merged'}
              onChange={() => setWhat('merged')}
              data-testid="push-what-merged"
            />
            {hasAdapter ? 'merged model (transformers)' : 'model (transformers)'}
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={isPrivate}
              onChange={(e) => setPrivate(e.target.checked)}
              data-testid="push-private"
            />
            private repo
          </label>
        </div>
        <button
          type="button"
          disabled={repo.trim() === '' || token.trim() === ''}
          onClick={() => void push({ repo, token, private: isPrivate, what })}
          data-testid="push-button"
        >
          Push
        </button>
      </fieldset>
      {pushing && (
        // Outside the fieldset, which disables everything in it while pushing.
        <button type="button" onClick={cancel} data-testid="push-cancel">
          Cancel
        </button>
      )}
      {pushing && progress && (
        <p className="muted" data-testid="push-progress">
          Pushing: {progress}…
        </p>
      )}
      {status === 'done' && result && (
        <p data-testid="push-done">
          Pushed {result.files.join(', ')} to{' '}
          <a href={result.url} target="_blank" rel="noopener noreferrer">
            {result.repoId}
          </a>
          {result.created ? ' (new repo)' : ' (new commit)'}.
        </p>
      )}
      {status === 'error' && error && (
        <p className="field__error" role="alert" data-testid="push-error">
          {error}
        </p>
      )}
    </div>
  );
}
