// The model: a fresh preset, one from the Hugging Face Hub by id (HubModelForm, CachedModels), or
// an imported one (Hugging Face files, a llama2.c pair, or a zip),
// the model the last run trained with its export, and "try it" — greedy text from a prompt.
// Everything shown is plain text: model and tokenizer files never become markup.
import { useEffect, useId, useState } from 'react';
import { HubModelForm } from './HubModelForm';
import { CachedModels } from './CachedModels';
import { tryOptionsOf, useModelStore } from '../../store/model';
import type { ModelSlot, StoredModel } from '../../app/model-storage';
import { useRunStore } from '../../store/run';
import { download } from '../download';
import { PushToHub } from './PushToHub';
import { failure } from '../../core/errors';

function ModelCard({ m, testId }: { m: StoredModel; testId: string }) {
  return (
    <div className="model-card" data-testid={testId}>
      <p className="model-card__label">{m.label}</p>
      <ul className="model-card__notes">
        {m.notes.map((n, i) => (
          <li key={i}>{n}</li>
        ))}
      </ul>
      <p className="muted">saved {new Date(m.savedAt).toLocaleString()}</p>
    </div>
  );
}

export function ModelPanel() {
  const { base, trained, busy, error, tried } = useModelStore();
  const { load, importFiles, importAdapter, clearBase, continueFromTrained, exportZip, tryModel } =
    useModelStore.getState();
  const running = useRunStore((s) => s.status === 'running');
  const settings = useRunStore((s) => s.settings);
  const [prompt, setPrompt] = useState(
    'The BBC has learned that the council will close three libraries next year to save money.',
  );
  const [summarize, setSummarize] = useState(true);
  const fileId = useId();
  const adapterId = useId();
  const promptId = useId();

  useEffect(() => {
    void load();
  }, [load]);

  const [picked, setPicked] = useState<ModelSlot>('trained');
  // The slot asked for when it holds a model, else whichever does.
  const trySlot: ModelSlot | null = (picked === 'trained' ? trained : base)
    ? picked
    : trained
      ? 'trained'
      : base
        ? 'base'
        : null;
  const exportSlot = (slot: ModelSlot, what: 'model' | 'adapter' = 'model') => {
    try {
      const z = exportZip(slot, what);
      if (z) download(z.name, z.bytes);
    } catch (e) {
      useModelStore.setState({ error: failure(`Could not export the ${slot} model`, e) });
    }
  };

  return (
    <section className="panel" aria-label="Model">
      <h2>Model</h2>
      {base ? (
        <>
          <ModelCard m={base} testId="base-model" />
          <div className="row">
            <button type="button" disabled={running} onClick={() => void clearBase()} data-testid="model-use-preset">
              Use a fresh preset instead
            </button>
            <button type="button" onClick={() => exportSlot('base')} data-testid="model-export-base">
              Export (HF .zip)
            </button>
          </div>
        </>
      ) : (
        <p className="muted" data-testid="base-model-none">
          A fresh model of the chosen preset, with a tokenizer trained on the data.
        </p>
      )}
      <div className="field field--wide">
        <label htmlFor={fileId}>
          Import a model: Hugging Face files (config.json, model.safetensors, tokenizer.json…), a llama2.c .bin pair, or
          a .zip
        </label>
        <input
          id={fileId}
          type="file"
          multiple
          accept=".json,.safetensors,.bin,.zip"
          disabled={running || busy !== null}
          data-testid="model-import"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            if (files.length > 0) void importFiles(files);
            e.target.value = '';
          }}
        />
      </div>
      {base && (
        <div className="field field--wide">
          <label htmlFor={adapterId}>
            Import a PEFT LoRA adapter for this base (adapter_config.json + adapter_model.safetensors, or a .zip)
          </label>
          <input
            id={adapterId}
            type="file"
            multiple
            accept=".json,.safetensors,.zip"
            disabled={running || busy !== null}
            data-testid="adapter-import"
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              if (files.length > 0) void importAdapter(files);
              e.target.value = '';
            }}
          />
        </div>
      )}
      <HubModelForm disabled={running} />
      <CachedModels disabled={running} />
      {trained && (
        <>
          <h3>Trained model</h3>
          <ModelCard m={trained} testId="trained-model" />
          <div className="row">
            {trained.adapter && (
              <button type="button" onClick={() => exportSlot('trained', 'adapter')} data-testid="model-export-adapter">
                Export the LoRA adapter (PEFT .zip)
              </button>
            )}
            <button type="button" onClick={() => exportSlot('trained')} data-testid="model-export-trained">
              {trained.adapter ? 'Export merged model (HF .zip)' : 'Export (HF .zip)'}
            </button>
            <button
              type="button"
              disabled={running}
              onClick={() => void continueFromTrained()}
              data-testid="model-continue"
            >
              Fine-tune further from it
            </button>
          </div>
          <PushToHub />
        </>
      )}
      {trySlot && (
        <>
          <h3>Try it (greedy)</h3>
          {base && trained && (
            <select
              value={trySlot}
              onChange={(e) => setPicked(e.target.value as ModelSlot)}
              data-testid="try-slot"
              aria-label="Model to try"
            >
              <option value="trained">trained model</option>
              <option value="base">base model</option>
            </select>
          )}
          <label htmlFor={promptId} className="muted">
            Text
          </label>
          <textarea
            id={promptId}
            rows={3}
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            data-testid="try-prompt"
          />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={summarize}
              onChange={(e) => setSummarize(e.target.checked)}
              data-testid="try-summarize"
            />
            summarize it (document + "TL;DR:" prompt, as in training)
          </label>
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => void tryModel(trySlot, prompt, tryOptionsOf(settings, summarize))}
            data-testid="try-generate"
          >
            Generate
          </button>
          {tried && (
            <p className="try-output" data-testid="try-output" data-slot={tried.slot}>
              {tried.text === '' ? '(empty: the model ended at once)' : tried.text}
            </p>
          )}
        </>
      )}
      {busy && (
        <p className="muted" data-testid="model-busy">
          {busy}…
        </p>
      )}
      {error && (
        <p className="field__error" role="alert" data-testid="model-error">
          {error}
        </p>
      )}
    </section>
  );
}
