// A Hugging Face Hub dataset by name, config and splits, read through datasets-server (rows API,
// cached in IndexedDB) or the Hub's Parquet files. The form does not use the browser's own
// validation (noValidate): the store checks the values and says what is wrong in the panel, where
// a blocked submit would do nothing visible (a step of 100 once made the default of 1000 invalid).
import { useId } from 'react';
import { HUB_ENDPOINT, useDataStore, type HubForm } from '../../store/data';

export function HubSourceForm({ disabled }: { disabled: boolean }) {
  const hub = useDataStore((s) => s.hub);
  const setHub = useDataStore((s) => s.setHub);
  const loadHub = useDataStore((s) => s.loadHub);
  const clearHubCache = useDataStore((s) => s.clearHubCache);
  const id = useId();

  const text = (key: 'dataset' | 'config' | 'trainSplit' | 'validationSplit', label: string, hint?: string) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        data-testid={`hub-${key}`}
        value={hub[key]}
        disabled={disabled}
        spellCheck={false}
        placeholder={hint}
        onChange={(e) => setHub({ [key]: e.target.value } as Partial<HubForm>)}
      />
    </div>
  );
  return (
    <form
      className="data-hub"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void loadHub();
      }}
    >
      <div className="data-hub__grid">
        {text('dataset', 'Dataset', 'owner/name')}
        {text('config', 'Config')}
        {text('trainSplit', 'Train split')}
        {text('validationSplit', 'Validation split', 'none: hold out 10%')}
        <div className="field">
          <label htmlFor={`${id}-max`}>Max rows per split</label>
          <input
            id={`${id}-max`}
            data-testid="hub-maxRows"
            type="number"
            min={1}
            step={1}
            value={hub.maxRows}
            disabled={disabled}
            onChange={(e) => setHub({ maxRows: e.target.valueAsNumber })}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-via`}>Read through</label>
          <select
            id={`${id}-via`}
            value={hub.via}
            disabled={disabled}
            onChange={(e) => setHub({ via: e.target.value as HubForm['via'] })}
          >
            <option value="rows">rows API (cached)</option>
            <option value="parquet">Parquet files</option>
          </select>
        </div>
      </div>
      <div className="data-hub__actions">
        <button type="submit" className="button" data-testid="hub-load" disabled={disabled}>
          Load from the Hub
        </button>
        <button type="button" className="button button--link" disabled={disabled} onClick={() => void clearHubCache()}>
          Clear cached pages
        </button>
        <span className="field__hint">via {HUB_ENDPOINT}</span>
      </div>
    </form>
  );
}
