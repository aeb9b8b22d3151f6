// Every trial of the study: sortable by clicking a column header, filtered by a text box
// (state, `name=value`, `#3`, free text), the best complete trial starred, and a checkbox per
// row to pick trials for the comparison below. All cells are text nodes. Rows come a page at a
// time (PAGE_ROWS): sorted and filtered here for a study the page holds whole, and by the study
// worker for a big one (`study.whole`), whose 10^5 trials never come to the page.
import { useEffect, useId, useMemo, useState } from 'react';
import { formatDuration } from '../../core/format';
import { errorMessage } from '../../core/errors';
import { useSweepStore } from '../../store/sweep';
import { trialDataView } from '../../store/study-view';
import { bestTrial, type StudyView, type TrialView } from '../../store/sweep-view';
import { formatNumber, formatParam } from './number-format';
import { filterTrials, nextSort, sortTrials, type SortKey, type SortSpec } from './trials-table-data';
import { trialColor, useChartColors } from './chart-kit';
import './sweep.css';

export interface TrialsTableProps {
  study: StudyView;
  /** Trial numbers picked for comparison. */
  picked: readonly number[];
  /** `trial`: the row's trial (of a big study, it may be outside the charts' sample). */
  onTogglePick: (number: number, trial?: TrialView) => void;
  onClearPicks?: () => void;
}

/** Rows shown at once: a table of 10^5 rows (a million cells) took the tab down. */
export const PAGE_ROWS = 100;

interface Rows {
  rows: TrialView[];
  matched: number;
  error?: string;
}

/** The page of rows to show: cut from the trials here, or asked of the study worker for a big study. */
function usePage(study: StudyView, query: string, sort: SortSpec, offset: number): Rows | null {
  const trialsPage = useSweepStore((s) => s.trialsPage);
  const big = study.whole !== undefined;
  const local = useMemo(
    () => (big ? [] : sortTrials(filterTrials(study.trials, query), sort)),
    [big, study.trials, query, sort],
  );
  const [remote, setRemote] = useState<(Rows & { key: string }) | null>(null);
  const key = JSON.stringify([study.id, study.whole?.trialCount, query, sort, offset]);
  useEffect(() => {
    if (!big) return;
    let live = true;
    trialsPage(study.id, { sort, filter: query, offset, limit: PAGE_ROWS }).then(
      (p) => live && setRemote({ key, rows: p.rows.map(trialDataView), matched: p.matched }),
      (e: unknown) => live && setRemote({ key, rows: [], matched: 0, error: errorMessage(e) }),
    );
    return () => {
      live = false;
    };
  }, [big, key, study.id, sort, query, offset, trialsPage]);
  if (!big) return { rows: local.slice(offset, offset + PAGE_ROWS), matched: local.length };
  return remote; // the last page until the next arrives (null before the first)
}

export function TrialsTable({ study, picked, onTogglePick, onClearPicks }: TrialsTableProps) {
  const [sort, setSortRaw] = useState<SortSpec>({ key: 'number', dir: 'asc' });
  const [query, setQueryRaw] = useState('');
  const [offset, setOffset] = useState(0);
  const [offsetOf, setOffsetOf] = useState(study.id);
  if (offsetOf !== study.id) {
    // Another study: back to its first page (set while rendering, React's pattern for derived state).
    setOffsetOf(study.id);
    setOffset(0);
  }
  // A new sort or filter starts at the first page.
  const setSort = (f: (s: SortSpec) => SortSpec) => {
    setSortRaw(f);
    setOffset(0);
  };
  const setQuery = (q: string) => {
    setQueryRaw(q);
    setOffset(0);
  };
  const filterId = useId();
  const best = useMemo(() => bestTrial(study), [study]);
  const page = usePage(study, query, sort, offset);
  const rows = page?.rows ?? [];
  const matched = page?.matched ?? 0;
  const total = study.whole?.trialCount ?? study.trials.length;
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
          <span className="sweep-caption" aria-live="polite" data-testid="trials-count">
            {page === null
              ? `${total.toLocaleString('en-US')} trials (reading…)`
              : matched === total
                ? `${total.toLocaleString('en-US')} trials`
                : `${matched.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} trials`}
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
            {rows.length === 0 && page !== null && (
              <tr>
                <td colSpan={columns.length + 1} className="trials__empty">
                  {page.error
                    ? `Could not read the trials: ${page.error}`
                    : total === 0
                      ? 'No trials yet.'
                      : 'No trial matches the filter.'}
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
                      onChange={() => onTogglePick(t.number, t)}
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
      {matched > PAGE_ROWS && (
        <nav className="trials__pages" aria-label="Trial pages" data-testid="trials-pages">
          <button
            type="button"
            className="button button--link"
            disabled={offset === 0}
            onClick={() => setOffset((o) => Math.max(0, o - PAGE_ROWS))}
          >
            Previous {PAGE_ROWS}
          </button>
          <span className="sweep-caption" data-testid="trials-page">
            rows {(offset + 1).toLocaleString('en-US')}–{Math.min(offset + PAGE_ROWS, matched).toLocaleString('en-US')}{' '}
            of {matched.toLocaleString('en-US')}
          </span>
          <button
            type="button"
            className="button button--link"
            disabled={offset + PAGE_ROWS >= matched}
            onClick={() => setOffset((o) => o + PAGE_ROWS)}
          >
            Next {PAGE_ROWS}
          </button>
        </nav>
      )}
    </section>
  );
}
