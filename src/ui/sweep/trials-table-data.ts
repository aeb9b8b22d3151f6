// The trials table's rows: sorting by a clicked column and the filter box's query language.
// Pure TS (no React): unit-tested in Node.
import type { StudyDirectionView, TrialView, TrialViewState } from '../../store/sweep-view';
import { formatParam } from './number-format';

export type SortKey = 'number' | 'state' | 'value' | 'epochs' | 'duration' | `param:${string}`;
export interface SortSpec {
  key: SortKey;
  dir: 'asc' | 'desc';
}

const STATE_ORDER: Record<TrialViewState, number> = { complete: 0, pruned: 1, running: 2, failed: 3 };

/** The cell value a column sorts by; null (and NaN) sort last in both directions. */
export function sortValue(t: TrialView, key: SortKey): number | string | null {
  let v: number | string | null | undefined;
  if (key === 'number') v = t.number;
  else if (key === 'state') v = STATE_ORDER[t.state];
  else if (key === 'value') v = t.value;
  else if (key === 'epochs') v = t.epochs.length;
  else if (key === 'duration') v = t.durationMs;
  else v = t.params[key.slice('param:'.length)];
  if (v === undefined || (typeof v === 'number' && Number.isNaN(v))) return null;
  return v;
}

function compareCells(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1; // numbers before strings in a mixed categorical column
  if (typeof b === 'number') return 1;
  return a.localeCompare(b, undefined, { numeric: true });
}

/** A sorted copy: by the column, missing values last, ties by trial number. */
export function sortTrials(trials: readonly TrialView[], sort: SortSpec): TrialView[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...trials].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    if (x === null || y === null) return x === y ? a.number - b.number : x === null ? 1 : -1;
    return sign * compareCells(x, y) || a.number - b.number;
  });
}

/** The sort after clicking a header: the same column flips, a new one starts best/first first. */
export function nextSort(current: SortSpec, key: SortKey, direction: StudyDirectionView): SortSpec {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  if (key === 'value') return { key, dir: direction === 'maximize' ? 'desc' : 'asc' };
  return { key, dir: 'asc' };
}

function tokenMatches(t: TrialView, token: string): boolean {
  if (/^#\d+$/.test(token)) return t.number === Number(token.slice(1));
  const eq = token.indexOf('=');
  if (eq > 0) {
    const name = token.slice(0, eq);
    const want = token.slice(eq + 1);
    return Object.entries(t.params).some(([k, v]) => {
      if (!k.toLowerCase().includes(name)) return false;
      if (want === '') return true;
      if (typeof v === 'number' && want.trim() !== '' && Number.isFinite(Number(want))) return v === Number(want);
      return String(v).toLowerCase().startsWith(want) || formatParam(v).toLowerCase().startsWith(want);
    });
  }
  if (t.state.includes(token)) return true;
  if (t.failReason?.toLowerCase().includes(token)) return true;
  return Object.entries(t.params).some(
    ([k, v]) =>
      k.toLowerCase().includes(token) ||
      String(v).toLowerCase().includes(token) ||
      formatParam(v).toLowerCase().includes(token),
  );
}

/**
 * Does the trial match the filter text? Whitespace-separated tokens, all must match, case-
 * insensitive. A token is `#3` (trial number), `name=value` (a parameter whose name contains
 * `name` and whose value is `value`, numerically, or starts with it), or free text found in the
 * state, the failure reason, or a parameter's name or value.
 */
export function trialMatches(t: TrialView, query: string): boolean {
  const tokens = query
    .toLowerCase()
    .split(/\s+/)
    .filter((s) => s !== '');
  return tokens.every((token) => tokenMatches(t, token));
}

export const filterTrials = (trials: readonly TrialView[], query: string): TrialView[] =>
  trials.filter((t) => trialMatches(t, query));
