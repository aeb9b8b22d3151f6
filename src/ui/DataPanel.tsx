// The training data: the server's XSum sample, or a local file when the server has none.
import { useId } from 'react';
import { useDataStore } from '../store/data';
import { useRunStore } from '../store/run';

export function DataPanel() {
  const status = useDataStore((s) => s.status);
  const label = useDataStore((s) => s.label);
  const fileError = useDataStore((s) => s.fileError);
  const pickFile = useDataStore((s) => s.pickFile);
  const running = useRunStore((s) => s.status === 'running');
  const inputId = useId();

  // The picker stays after a pick so another file can replace it.
  const showPicker = status === 'missing' || status === 'file';

  return (
    <section className="panel" aria-label="Data">
      <h2>Data</h2>
      <p className={`data-source data-source--${status}`} data-testid="data-source">{label}</p>
      {showPicker && (
        <div className="field field--wide">
          <label htmlFor={inputId}>Training file (JSONL or CSV)</label>
          <input
            id={inputId}
            type="file"
            accept=".jsonl,.json,.csv,.tsv,application/json,text/csv"
            disabled={running}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void pickFile(file);
            }}
          />
        </div>
      )}
      {fileError && <p className="field__error" role="alert">{fileError}</p>}
    </section>
  );
}
