// The training data: choose a source (server sample, Hugging Face Hub, local file), map its columns,
// preview the first rows and see token lengths against the current max lengths. Everything from
// the data is rendered as text; errors show here, in place.
import { useId } from 'react';
import { useDataStore, type SourceChoice } from '../../store/data';
import { useRunStore } from '../../store/run';
import { ColumnMappingFields } from './ColumnMappingFields';
import { HubSourceForm } from './HubSourceForm';
import { PreviewTable } from './PreviewTable';
import { TokenLengthChart } from './TokenLengthChart';
import './data.css';

const CHOICES: { value: SourceChoice; label: string }[] = [
  { value: 'server', label: 'Server sample' },
  { value: 'hub', label: 'Hugging Face Hub' },
  { value: 'file', label: 'Local file' },
];

/** What is loading right now, re-rendered on its own as the progress text changes. */
function DataProgress() {
  const progress = useDataStore((s) => s.progress);
  if (!progress) return null;
  return (
    <p className="field__hint" role="status" data-testid="data-progress">
      {progress}
    </p>
  );
}

export function DataPanel() {
  const status = useDataStore((s) => s.status);
  const label = useDataStore((s) => s.label);
  const choice = useDataStore((s) => s.choice);
  const serverAvailable = useDataStore((s) => s.serverAvailable);
  const error = useDataStore((s) => s.error);
  const notice = useDataStore((s) => s.notice);
  // Only whether something loads: the progress text changes ten times a second while a big file
  // is read, and re-rendering the panel (its token-length chart included) each time cost the page.
  const loading = useDataStore((s) => s.progress !== null);
  const mapping = useDataStore((s) => s.mapping);
  const loaded = useDataStore((s) => s.loaded);
  const trainPairs = useDataStore((s) => s.trainPairs);
  const choose = useDataStore((s) => s.choose);
  const pickFile = useDataStore((s) => s.pickFile);
  const setMapping = useDataStore((s) => s.setMapping);
  const running = useRunStore((s) => s.status === 'running');
  const id = useId();
  const busy = running || loading;

  return (
    <section className="panel" aria-label="Data">
      <h2>Data</h2>
      <p className={`data-source data-source--${status}`} data-testid="data-source">
        {label}
      </p>

      <fieldset className="data-choice" disabled={running}>
        <legend className="visually-hidden">Data source</legend>
        {CHOICES.map((c) => (
          <label key={c.value} className="data-choice__option">
            <input
              type="radio"
              name={`${id}-choice`}
              value={c.value}
              data-testid={`source-${c.value}`}
              checked={choice === c.value}
              disabled={c.value === 'server' && serverAvailable === false}
              onChange={() => choose(c.value)}
            />
            {c.label}
            {c.value === 'server' && serverAvailable === false && (
              <span className="field__hint"> (not on this server)</span>
            )}
          </label>
        ))}
      </fieldset>

      {choice === 'hub' && <HubSourceForm disabled={busy} />}
      {choice === 'file' && (
        <div className="field field--wide">
          <label htmlFor={`${id}-file`}>Training file (JSONL, JSON, CSV, TSV or Parquet)</label>
          <input
            id={`${id}-file`}
            type="file"
            data-testid="data-file"
            accept=".jsonl,.ndjson,.json,.csv,.tsv,.parquet,application/json,text/csv"
            disabled={busy}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void pickFile(file);
            }}
          />
        </div>
      )}

      <ColumnMappingFields
        mapping={mapping}
        columns={loaded?.train.columns ?? []}
        disabled={busy}
        onChange={setMapping}
      />

      <DataProgress />
      {error && (
        <p className="field__error data-error" role="alert" data-testid="data-error">
          {error}
        </p>
      )}
      {notice && (
        <p className="field__hint" data-testid="data-notice">
          {notice}
        </p>
      )}

      {loaded && <PreviewTable table={loaded.train} mapping={mapping} />}
      <TokenLengthChart pairs={trainPairs} />
    </section>
  );
}
