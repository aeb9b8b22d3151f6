// Every trial of the study: sortable by clicking a column header, filtered by a text box
// (state, `name=value`, `#3`, free text), the best complete trial starred, and a checkbox per
// row to pick trials for the comparison below. All cells are text nodes.
import { useId, useMemo, useState } from 'react';
import { formatDuration } from '../../core/format';
import { bestTrial, type StudyView } from '../../store/sweep-view';
import { formatNumber, formatParam } from './number-format';
import { filterTrials, nextSort, sortTrials, type SortKey, type SortSpec } from './trials-table-data';
import { trialColor, useChartColors } from './chart-kit';
import './sweep.css';

export interface TrialsTableProps {
  study: StudyView;
  /** Trial numbers picked for comparison. */
  picked: readonly number[];
  onTogglePick: (number: number) => void;
  onClearPicks?: () => void;
}

export function TrialsTable({ study, picked, onTogglePick, onClearPicks }: TrialsTableProps) {
  const [sort, setSort] = useState<SortSpec>({ key: 'number', dir: 'asc' });
  const [query, setQuery] = useState('');
  const filterId = useId();
  const best = useMemo(() => bestTrial(study), [study]);
  const rows = useMemo(() => sortTrials(filterTrials(study.trials, query), sort), [study.trials, query, sort]);
  const pickedSet = new Set(picked);
  const c = useChartColors();

  const columns: { key: SortKey; label: string; title?: string; numeric?: boolean }[] = [
    { key: 'number', label: '#', numeric: true },
    { key: 'state', label: 'State' },
    { key: 'value', label: study.objective, title: `Objective (${study.direction})`, numeric: true },
    ...study.paramSpec.map((p) => ({
      key: `param:${p.name}` as SortKey,
      label: p.name,
      title: p.log ? `${p.name} (log scale)` : p.name,
      numeric: p.type !== 'categorical',
    })),
    { key: 'epochs', label: 'Epochs', numeric: true },
    { key: 'duration', label: 'Time', numeric: true },
  ];

  return (
    <section className="panel sweep-panel" aria-label="Trials" data-testid="trials-table">
      <div className="panel__head">
        <h2>Trials</h2>
        <div className="trials__tools">
          <label className="visually-hidden" htmlFor={filterId}>
            Filter trials
          </label>
          <input
            id={filterId}
            className="trials__filter"
            type="search"
            data-testid="trials-filter"
            value={query}
            placeholder="filter: pruned, batch_size=16, #3"
            onChange={(e) => setQuery(e.target.value)}
          />
          <span className="sweep-caption" aria-live="polite">
            {rows.length === study.trials.length
              ? `${rows.length} trials`
              : `${rows.length} of ${study.trials.length} trials`}
            {picked.length > 0 && ` · ${picked.length} picked`}
          </span>
          {picked.length > 0 && onClearPicks && (
            <button type="button" className="button button--link" onClick={onClearPicks}>
              clear picks
            </button>
          )}
        </div>
      </div>
      <div className="trials__scroll">
        <table className="trials">
          <thead>
            <tr>
              <th scope="col" className="trials__pick">
                <span className="visually-hidden">Compare</span>
              </th>
              {columns.map((c) => {
                const active = sort.key === c.key;
                return (
                  <th
                    key={c.key}
                    scope="col"
                    className={c.numeric ? 'trials__num' : undefined}
                    title={c.title}
                    aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                  >
                    <button
                      type="button"
                      className="trials__sort"
                      data-sort-key={c.key}
                      onClick={() => setSort((s) => nextSort(s, c.key, study.direction))}
                    >
                      {c.label}
                      <span className="trials__arrow" aria-hidden="true">
                        {active ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={columns.length + 1} className="trials__empty">
                  {study.trials.length === 0 ? 'No trials yet.' : 'No trial matches the filter.'}
                </td>
              </tr>
            )}
            {rows.map((t) => {
              const isBest = best !== null && t.number === best.number;
              const isPicked = pickedSet.has(t.number);
              return (
                <tr
                  key={t.number}
                  data-testid="trial-row"
                  data-number={t.number}
                  data-state={t.state}
                  className={`trials__row trials__row--${t.state}${isBest ? ' trials__row--best' : ''}${isPicked ? ' trials__row--picked' : ''}`}
                >
                  <td className="trials__pick">
                    <input
                      type="checkbox"
                      data-testid="trial-pick"
                      checked={isPicked}
                      aria-label={`Compare trial #${t.number}`}
                      onChange={() => onTogglePick(t.number)}
                    />
                  </td>
                  <td className="trials__num">
                    {isPicked && (
                      <span
                        className="sweep-swatch"
                        style={{ background: trialColor(t.number, c) }}
                        aria-hidden="true"
                      />
                    )}
                    {t.number}
                    {isBest && (
                      <span
                        className="trials__star"
                        data-testid="best-trial"
                        data-number={t.number}
                        title="Best trial"
                        aria-label="best trial"
                      >
                        ★
                      </span>
                    )}
                  </td>
                  <td>
                    <span className={`trial-state trial-state--${t.state}`}>{t.state}</span>
                    {t.state === 'failed' && t.failReason && (
                      <span className="trials__reason" title={t.failReason}>
                        {t.failReason}
                      </span>
                    )}
                  </td>
                  <td className="trials__num trials__value">{t.value === null ? '—' : formatNumber(t.value, 4)}</td>
                  {study.paramSpec.map((p) => {
                    const v = t.params[p.name];
                    return (
                      <td
                        key={p.name}
                        className={p.type !== 'categorical' ? 'trials__num' : undefined}
                        title={v === undefined ? undefined : String(v)}
                      >
                        {v === undefined ? '—' : formatParam(v)}
                      </td>
                    );
                  })}
                  <td className="trials__num">{t.epochs.length}</td>
                  <td className="trials__num">{formatDuration(t.durationMs)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
