// The Runs view: every kept Train run (a reload keeps them; one a reload cut off says
// "interrupted" and shows its curves up to where it got), filtered by text or tag; a run's name,
// notes and tags edited in place; a run deleted only after a second, explicit click; and two or
// more picked runs (and trials of the study open on the Sweep tab) compared side by side.
import { useId, useMemo, useState } from 'react';
import { useRunsStore } from '../../store/runs';
import { RUN_ELSEWHERE_NOTE } from '../../app/tab-lease';
import { allTags, filterRuns, type RunRecord } from '../../store/run-record';
import { formatNumber } from '../sweep/number-format';
import { useSweepStore } from '../../store/sweep';
import { lastLoss, runItem, trialItem, trialItemId, type CompareItem } from './run-compare-data';
import { RunCompare } from './RunCompare';
import './runs.css';

function RunEditor({ run, onClose }: { run: RunRecord; onClose: () => void }) {
  const { saveDetails, savedId, remove, elsewhere } = useRunsStore();
  const inAnotherTab = elsewhere.includes(run.id);
  const [name, setName] = useState(run.name);
  const [notes, setNotesDraft] = useState(run.notes);
  const [tags, setTagsDraft] = useState(run.tags.join(', '));
  const [confirming, setConfirming] = useState(false);
  const id = useId();
  const live = run.status === 'running';
  return (
    <section className="panel runs__editor" aria-label={`Edit run ${run.name}`} data-testid="run-editor">
      <h2>Edit run</h2>
      <form
        className="runs__form"
        onSubmit={(e) => {
          e.preventDefault();
          void saveDetails(run.id, { name, notes, tags });
        }}
      >
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} data-testid="run-name-input" value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor={`${id}-tags`}>Tags (comma separated)</label>
        <input
          id={`${id}-tags`}
          data-testid="run-tags-input"
          value={tags}
          onChange={(e) => setTagsDraft(e.target.value)}
        />
        <label htmlFor={`${id}-notes`}>Notes</label>
        <textarea
          id={`${id}-notes`}
          data-testid="run-notes-input"
          rows={3}
          value={notes}
          onChange={(e) => setNotesDraft(e.target.value)}
        />
        <div className="runs__actions">
          <button type="submit" className="button button--primary" data-testid="run-save" disabled={inAnotherTab}>
            Save run details
          </button>
          {inAnotherTab && (
            <span className="sweep-caption" role="status" data-testid="run-elsewhere">
              {RUN_ELSEWHERE_NOTE}
            </span>
          )}
          {savedId === run.id && (
            <span className="sweep-caption" role="status" data-testid="run-saved">
              Saved
            </span>
          )}
          <button type="button" className="button" onClick={onClose}>
            Close editor
          </button>
          {!live &&
            (confirming ? (
              <>
                <button
                  type="button"
                  className="button"
                  data-testid="run-delete-confirm"
                  onClick={() => {
                    remove(run.id);
                    onClose();
                  }}
                >
                  Delete run {run.name} for good
                </button>
                <button type="button" className="button" onClick={() => setConfirming(false)}>
                  Keep run {run.name}
                </button>
              </>
            ) : (
              <button type="button" className="button" data-testid="run-delete" onClick={() => setConfirming(true)}>
                Delete run {run.name}…
              </button>
            ))}
        </div>
      </form>
    </section>
  );
}

const when = (iso: string) => new Date(iso).toLocaleString();

export function RunsView() {
  const { runs, loaded, filter, picked, notice, elsewhere, setFilter, togglePick, dismissNotice } = useRunsStore();
  const [editing, setEditing] = useState<string | null>(null);
  const shown = useMemo(() => filterRuns(runs, filter), [runs, filter]);
  const tags = useMemo(() => allTags(runs), [runs]);
  const study = useSweepStore((s) => s.view);
  // Picked runs and trials, in the order picked; a trial of a study no longer shown drops out.
  const compared = useMemo(
    () =>
      picked
        .map((id): CompareItem | undefined => {
          const run = runs.find((r) => r.id === id);
          if (run) return runItem(run);
          const trial = study?.trials.find((t) => trialItemId(study.id, t.number) === id);
          return study && trial ? trialItem(study, trial) : undefined;
        })
        .filter((r): r is CompareItem => r !== undefined),
    [picked, runs, study],
  );
  const edited = runs.find((r) => r.id === editing);
  const filterId = useId();

  return (
    <div className="runs" data-testid="runs-view">
      {notice && (
        <div className="notice" role="status" data-testid="runs-notice">
          <p>{notice}</p>
          <button type="button" className="button button--link" onClick={dismissNotice}>
            Dismiss the storage notice
          </button>
        </div>
      )}
      <section className="panel" aria-label="Kept runs">
        <div className="panel__head">
          <h2>Runs</h2>
          <label htmlFor={filterId} className="runs__filter">
            Filter runs{' '}
            <input
              id={filterId}
              type="search"
              data-testid="runs-filter"
              placeholder="text, or tag:name"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
          </label>
        </div>
        {tags.length > 0 && (
          <div className="runs__tags" role="group" aria-label="Filter by tag">
            {tags.map((t) => (
              <button
                key={t}
                type="button"
                className="button button--link runs__tag"
                onClick={() => setFilter(`tag:${t}`)}
              >
                Show runs tagged {t}
              </button>
            ))}
          </div>
        )}
        {!loaded && runs.length === 0 ? (
          <p className="muted">Loading the kept runs…</p>
        ) : runs.length === 0 ? (
          <p className="muted">No runs yet: every run you start on the Train tab is kept here.</p>
        ) : shown.length === 0 ? (
          <p className="muted">No run matches “{filter}”.</p>
        ) : (
          <div className="trials__scroll">
            <table className="runs__table">
              <thead>
                <tr>
                  <th scope="col">Compare</th>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Steps</th>
                  <th scope="col">Last loss</th>
                  <th scope="col">Backend</th>
                  <th scope="col">Model</th>
                  <th scope="col">Started</th>
                  <th scope="col">
                    <span className="visually-hidden">Edit</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => {
                  const loss = lastLoss(r);
                  return (
                    <tr key={r.id} data-testid="run-row" data-id={r.id} data-status={r.status}>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Compare run ${r.name}`}
                          data-testid="run-pick"
                          checked={picked.includes(r.id)}
                          onChange={() => togglePick(r.id)}
                        />
                      </td>
                      <td>
                        <span data-testid="run-name">{r.name}</span>
                        {r.tags.map((t) => (
                          <span key={t} className="runs__chip">
                            {t}
                          </span>
                        ))}
                        {r.notes && <div className="runs__notes">{r.notes}</div>}
                      </td>
                      <td data-testid="run-status-cell" className={`runs__status runs__status--${r.status}`}>
                        {elsewhere.includes(r.id) ? `${r.status} (in another tab)` : r.status}
                      </td>
                      <td className="trials__num" data-testid="run-steps">
                        {r.results.steps.length}
                      </td>
                      <td className="trials__num">{loss === null ? '—' : formatNumber(loss, 4)}</td>
                      <td>{r.results.backend?.backend ?? '—'}</td>
                      <td>{r.modelSource}</td>
                      <td>{when(r.createdAt)}</td>
                      <td>
                        <button
                          type="button"
                          className="button button--link"
                          data-testid="run-edit"
                          onClick={() => setEditing(r.id)}
                        >
                          Edit run {r.name}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {study && study.trials.length > 0 && (
        <section className="panel" aria-label={`Trials of study ${study.name}`} data-testid="runs-trials">
          <h2>Sweep trials: {study.name}</h2>
          <p className="muted">The study open on the Sweep tab; its trials compare with runs alike.</p>
          <div className="runs__trial-picks">
            {[...study.trials]
              .sort((x, y) => x.number - y.number)
              .map((t) => {
                const id = trialItemId(study.id, t.number);
                return (
                  <label key={id} className="runs__trial-pick">
                    <input
                      type="checkbox"
                      data-testid="trial-pick"
                      checked={picked.includes(id)}
                      onChange={() => togglePick(id)}
                    />{' '}
                    Compare trial #{t.number} of {study.name} <span className="muted">({t.state})</span>
                  </label>
                );
              })}
          </div>
        </section>
      )}
      {edited && <RunEditor key={edited.id} run={edited} onClose={() => setEditing(null)} />}
      {compared.length >= 2 ? (
        <RunCompare runs={compared} />
      ) : (
        (runs.length > 0 || (study?.trials.length ?? 0) > 0) && (
          <p className="muted">
            {compared.length === 1
              ? 'Pick one more run or trial to compare.'
              : 'Pick two or more runs or trials to compare them.'}
          </p>
        )
      )}
    </div>
  );
}
