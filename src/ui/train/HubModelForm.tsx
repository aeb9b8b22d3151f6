// A model from the Hugging Face Hub by id (the browser's from_pretrained): id, revision, an
// optional access token (memory only), a short curated list; Check reads config.json and the
// safetensors headers and shows the download size, dtypes, parameters and the memory a run needs
// (Full and LoRA) against the chosen backend; Download shows progress per file and in total, and
// can be cancelled; an interrupted download is offered again after a reload.
// Everything shown is plain text: repo names and server messages never become markup.
import { useEffect, useId, useState } from 'react';
import { backendOffer, type BackendOffer } from '../../app/backend-offer';
import { dtypeNames } from '../../app/hub-models';
import { hubFit } from '../../app/hub-fit';
import { formatBytes } from '../../core/format';
import { useHubStore } from '../../store/hub';
import { useRunStore } from '../../store/run';
import { HubDownloadProgressView } from './HubDownloadProgress';

/** Known-good Llamas with tokenizer.json and safetensors; sizes as the Hub lists them (the check reads the exact ones). */
export const CURATED_MODELS = [
  { repo: 'Xenova/llama2.c-stories15M', size: '≈ 61 MB (f32)', note: 'CPU-sized: llama2.c stories15M in HF format' },
  { repo: 'HuggingFaceTB/SmolLM2-135M', size: '≈ 269 MB (bf16)', note: 'Full or LoRA on WebGPU' },
  { repo: 'HuggingFaceTB/SmolLM2-360M', size: '≈ 724 MB (bf16)', note: 'LoRA on WebGPU' },
  { repo: 'TinyLlama/TinyLlama-1.1B-Chat-v1.0', size: '≈ 2.2 GB (bf16)', note: 'for LoRA on a large GPU' },
] as const;

function PlanSummary() {
  const plan = useHubStore((s) => s.plan);
  const settings = useRunStore((s) => s.settings);
  const [offer, setOffer] = useState<BackendOffer | null>(null);
  useEffect(() => {
    let live = true;
    void backendOffer(settings.backend).then((o) => live && setOffer(o));
    return () => {
      live = false;
    };
  }, [settings.backend]);
  if (!plan) return null;
  const c = plan.config;
  const fits = hubFit(c, settings, offer);
  return (
    <div className="model-card" data-testid="hub-model-plan-summary">
      <p className="model-card__label">
        {plan.repo} at {plan.commit.slice(0, 12)}
        {plan.gated ? ' (gated)' : ''}
      </p>
      <ul className="model-card__notes">
        <li data-testid="hub-model-size">
          Download: {formatBytes(plan.downloadBytes)} in {plan.files.length} files
          {plan.sharded ? ' (sharded)' : ''}
        </li>
        <li data-testid="hub-model-params">
          {plan.parameterCount.toLocaleString('en-US')} parameters, stored as {dtypeNames(plan).join(', ')}
        </li>
        <li>
          {c.numHiddenLayers} layers, hidden {c.hiddenSize}, {c.numAttentionHeads} heads / {c.numKeyValueHeads} KV,
          SwiGLU {c.intermediateSize}, vocabulary {c.vocabSize}, {c.maxPositionEmbeddings} positions
          {c.tieWordEmbeddings ? ', tied embeddings' : ''}
        </li>
      </ul>
      <p className="muted">
        Memory for one replica at batch {settings.batchSize} × {settings.maxSourceLength}+{settings.maxTargetLength}{' '}
        tokens, float32:
      </p>
      {settings.maxSourceLength + settings.maxTargetLength > c.maxPositionEmbeddings && (
        <p className="field__error" data-testid="hub-model-positions">
          This model handles {c.maxPositionEmbeddings} positions, and max source + max target length is{' '}
          {settings.maxSourceLength + settings.maxTargetLength}: lower them before training.
        </p>
      )}
      <ul className="model-card__notes">
        {fits.map((f) => (
          <li key={f.method} data-testid={`hub-model-fit-${f.method}`} data-verdict={f.verdict}>
            {f.text}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function HubModelForm({ disabled }: { disabled: boolean }) {
  const s = useHubStore();
  const { setForm, init, planModel, download, cancel, continuePending, discardPending } = useHubStore.getState();
  const id = useId();
  useEffect(() => {
    void init();
  }, [init]);
  const busy = s.phase === 'planning' || s.phase === 'downloading';

  const text = (key: 'repo' | 'revision' | 'endpoint', label: string, placeholder?: string) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        data-testid={`hub-model-${key}`}
        value={s.form[key]}
        disabled={disabled || busy}
        spellCheck={false}
        placeholder={placeholder}
        onChange={(e) => setForm({ [key]: e.target.value })}
      />
    </div>
  );

  return (
    <div className="hub-model" data-testid="hub-model">
      <h3>From the Hugging Face Hub</h3>
      {s.pending && s.phase !== 'downloading' && (
        <div className="notice" data-testid="hub-model-pending">
          <p>
            A download of {s.pending.repo} (commit {s.pending.commit.slice(0, 12)}) did not finish. Continue it: files
            already complete are not fetched again.
          </p>
          <div className="row">
            <button
              type="button"
              className="button button--primary"
              disabled={disabled || busy}
              onClick={() => void continuePending()}
              data-testid="hub-model-continue"
            >
              Continue download
            </button>
            <button type="button" className="button" onClick={discardPending} data-testid="hub-model-discard">
              Forget it
            </button>
          </div>
        </div>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void planModel();
        }}
      >
        <div className="data-hub__grid">
          {text('repo', 'Model id', 'owner/name')}
          {text('revision', 'Revision', 'main, a tag or a commit')}
          <div className="field">
            <label htmlFor={`${id}-token`}>Access token (gated repos; this session only)</label>
            <input
              id={`${id}-token`}
              data-testid="hub-model-token"
              type="password"
              autoComplete="off"
              value={s.form.token}
              disabled={disabled || busy}
              placeholder="hf_…"
              onChange={(e) => setForm({ token: e.target.value })}
            />
          </div>
        </div>
        <details>
          <summary>Hub endpoint (a mirror)</summary>
          {text('endpoint', 'Endpoint', 'https://huggingface.co')}
          <p className="field__hint">
            The page may only reach the hosts its Content-Security-Policy names: set VITE_HF_MODEL_ENDPOINT when serving
            it to add a mirror.
          </p>
        </details>
        <div className="row">
          <button
            type="submit"
            className="button"
            disabled={disabled || busy || s.form.repo.trim() === ''}
            data-testid="hub-model-check"
          >
            Check model
          </button>
          <span className="field__hint">Reads config.json and the safetensors headers only: no weights move.</span>
        </div>
      </form>
      <div className="row" aria-label="Suggested models">
        {CURATED_MODELS.map((m) => (
          <button
            key={m.repo}
            type="button"
            className="button button--link"
            title={m.note}
            disabled={disabled || busy}
            onClick={() => setForm({ repo: m.repo, revision: 'main' })}
          >
            {m.repo} · {m.size} · {m.note}
          </button>
        ))}
      </div>
      {s.phase === 'planning' && (
        <p className="muted" data-testid="hub-model-busy">
          Reading the repo…
        </p>
      )}
      <PlanSummary />
      {s.plan && (
        <div className="row">
          {s.phase === 'downloading' ? (
            <button type="button" className="button" onClick={cancel} data-testid="hub-model-cancel">
              Cancel download
            </button>
          ) : (
            <button
              type="button"
              className="button button--primary"
              disabled={disabled || busy}
              onClick={() => void download()}
              data-testid="hub-model-download"
            >
              Download ({formatBytes(s.plan.downloadBytes)}) and use as the base model
            </button>
          )}
        </div>
      )}
      {s.progress && <HubDownloadProgressView progress={s.progress} active={s.phase === 'downloading'} />}
      {s.persisted === false && (
        <p className="field__hint">
          The browser did not grant persistent storage: it may evict cached models when space runs low.
        </p>
      )}
      {s.notice && (
        <p className="muted" data-testid="hub-model-notice">
          {s.notice}
        </p>
      )}
      {s.error && (
        <p className="field__error" role="alert" data-testid="hub-model-error">
          {s.error}
        </p>
      )}
    </div>
  );
}
