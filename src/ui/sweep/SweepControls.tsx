// Start, pause and stop the sweep; the live trial's progress; studies kept in IndexedDB with
// resume, export (JSON, CSV), import and delete.
import { useRef } from 'react';
import { useSweepStore } from '../../store/sweep';
import { download } from '../download';
import { errorMessage } from '../../core/errors';
import { formatBestValue } from './number-format';

export function SweepControls() {
  const s = useSweepStore();
  const file = useRef<HTMLInputElement>(null);
  const running = s.status === 'running';
  return (
    <section className="panel" aria-label="Sweep controls">
      <div className="controls">
        <button
          type="button"
          className="button button--primary"
          data-testid="sweep-start"
          disabled={running || s.configIssues().length > 0}
          onClick={() => void s.start()}
        >
          Start sweep
        </button>
        <button
          type="button"
          className="button"
          data-testid="sweep-pause"
          disabled={!running}
          onClick={() => s.pause()}
        >
          Pause sweep
        </button>
        <button type="button" className="button" data-testid="sweep-stop" disabled={!running} onClick={() => s.stop()}>
          Stop sweep
        </button>
        <span className="status-pill sweep-status-pill" data-testid="sweep-runner-status">
          {s.status}
        </span>
      </div>
      {s.live && running && (
        <p className="muted" data-testid="sweep-live">
          trial {s.live.trial < 0 ? 'final (best parameters)' : `#${s.live.trial}`} · step {s.live.step} /{' '}
          {s.live.totalSteps}
        </p>
      )}
      {s.message && (
        <p className="field__error" data-testid="sweep-error">
          {s.message}
        </p>
      )}
      <h3>Studies</h3>
      <table className="studies" data-testid="studies-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Trials</th>
            <th>Best</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {s.studies.map((st) => (
            <tr
              key={st.id}
              data-testid="study-row"
              data-status={st.status}
              className={s.view?.id === st.id ? 'is-selected' : ''}
            >
              <td>
                <button
                  type="button"
                  className="button button--link"
                  aria-label={`Show study ${st.name}`}
                  aria-pressed={s.view?.id === st.id}
                  onClick={() => void s.select(st.id)}
                >
                  {st.name}
                </button>
              </td>
              <td>{s.elsewhere.includes(st.id) ? `${st.status} (in another tab)` : st.status}</td>
              <td>{st.trialCount}</td>
              <td>{formatBestValue(st.bestValue)}</td>
              <td className="studies__actions">
                {(st.status === 'paused' || st.status === 'running') && !running && (
                  <button
                    type="button"
                    className="button button--link"
                    aria-label={`Resume study ${st.name}`}
                    data-testid="study-resume"
                    disabled={s.elsewhere.includes(st.id)}
                    title={s.elsewhere.includes(st.id) ? 'Another tab is running this study' : undefined}
                    onClick={() => void s.resume(st.id)}
                  >
                    resume
                  </button>
                )}
                <button
                  type="button"
                  className="button button--link"
                  aria-label={`Export study ${st.name} as JSON`}
                  onClick={() => void s.exportJSON(st.id).then((f) => download(f.name, f.text, 'application/json'))}
                >
                  JSON
                </button>
                <button
                  type="button"
                  className="button button--link"
                  data-testid="study-export-bundle"
                  aria-label={`Scale-out bundle for study ${st.name}`}
                  title="train.py + optuna_search.py + accelerate and DeepSpeed configs with the best trial's parameters, for a multi-GPU cluster"
                  onClick={() =>
                    void s
                      .exportBundle(st.id)
                      .then((f) => download(f.name, f.bytes))
                      .catch((e: unknown) =>
                        useSweepStore.setState({
                          message: `Could not export the scale-out bundle: ${errorMessage(e)}`,
                        }),
                      )
                  }
                >
                  Scale-out bundle
                </button>
                <button
                  type="button"
                  className="button button--link"
                  aria-label={`Export study ${st.name} as CSV`}
                  onClick={() => void s.exportCSV(st.id).then((f) => download(f.name, f.text, 'text/csv'))}
                >
                  CSV
                </button>
                <button
                  type="button"
                  className="button button--link"
                  disabled={running || s.elsewhere.includes(st.id)}
                  aria-label={`Delete study ${st.name}`}
                  onClick={() => window.confirm(`Delete study "${st.name}" and its trials?`) && void s.remove(st.id)}
                >
                  delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {/* The file input stays in the Tab order (only visually hidden): Space or Enter opens the picker. */}
      <label className="button button--link file-button">
        Import a study (JSON)
        <input
          ref={file}
          type="file"
          accept=".json,application/json"
          data-testid="study-import"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void f.text().then((t) => s.importJSON(t));
            if (file.current) file.current.value = '';
          }}
        />
      </label>
    </section>
  );
}
