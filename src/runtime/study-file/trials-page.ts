// One page of a big study's trials table, sorted and filtered where the trials are (the study
// worker): the page gets 100 rows, never 10^5. Sorting and the filter's language follow the trials
// table's own (ui/sweep/trials-table-data.ts, which the page uses for a study it holds whole);
// the one difference is that a parameter value is matched as written, not as the table formats it.
// Pure: Node-tested.
import type { TrialData } from '../../sweep/engine/study-data';

export type TrialsSortKey = 'number' | 'state' | 'value' | 'epochs' | 'duration' | `param:${string}`;

export interface TrialsQuery {
  sort: { key: TrialsSortKey; dir: 'asc' | 'desc' };
  filter: string;
  offset: number;
  limit: number;
}

export interface TrialsPage {
  /** Trials that match the filter (all of them with none). */
  matched: number;
  offset: number;
  rows: TrialData[];
}

/** Rows a page holds at most, whatever a request asks. */
export const MAX_PAGE_ROWS = 500;

const STATE_ORDER: Record<TrialData['state'], number> = { complete: 0, pruned: 1, running: 2, failed: 3 };

function sortValue(t: TrialData, key: TrialsSortKey): number | string | null {
  let v: unknown;
  if (key === 'number') v = t.number;
  else if (key === 'state') v = STATE_ORDER[t.state];
  else if (key === 'value') v = t.value === null ? null : Number(t.value);
  else if (key === 'epochs') v = Array.isArray(t.userAttrs.epochs) ? t.userAttrs.epochs.length : 0;
  else if (key === 'duration') {
    const d =
      t.state === 'running' || t.datetimeStart === null || t.datetimeComplete === null
        ? NaN
        : Date.parse(t.datetimeComplete) - Date.parse(t.datetimeStart);
    v = d;
  } else v = t.params[key.slice('param:'.length)];
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  return typeof v === 'string' ? v : null;
}

function compareCells(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a.localeCompare(b, undefined, { numeric: true });
}

function tokenMatches(t: TrialData, token: string): boolean {
  if (/^#\d+$/.test(token)) return t.number === Number(token.slice(1));
  const params = Object.entries(t.params);
  const eq = token.indexOf('=');
  if (eq > 0) {
    const name = token.slice(0, eq);
    const want = token.slice(eq + 1);
    return params.some(([k, v]) => {
      if (!k.toLowerCase().includes(name)) return false;
      if (want === '') return true;
      if (typeof v === 'number' && want.trim() !== '' && Number.isFinite(Number(want))) return v === Number(want);
      return String(v).toLowerCase().startsWith(want);
    });
  }
  if (t.state.includes(token)) return true;
  if (t.failReason?.toLowerCase().includes(token)) return true;
  return params.some(([k, v]) => k.toLowerCase().includes(token) || String(v).toLowerCase().includes(token));
}

/** Sorted, filtered orders of one study's trials, kept for the next page of the same query. */
export class TrialsPager {
  private cached: { key: string; order: number[] } | null = null;

  constructor(private readonly trials: readonly TrialData[]) {}

  page(q: TrialsQuery): TrialsPage {
    const key = JSON.stringify([q.sort, q.filter]);
    if (this.cached?.key !== key) this.cached = { key, order: this.order(q) };
    const order = this.cached.order;
    const offset = Math.max(0, Math.min(Math.floor(q.offset) || 0, Math.max(0, order.length - 1)));
    const limit = Math.max(0, Math.min(Math.floor(q.limit) || 0, MAX_PAGE_ROWS));
    return {
      matched: order.length,
      offset,
      rows: order.slice(offset, offset + limit).map((i) => this.trials[i]),
    };
  }

  private order(q: TrialsQuery): number[] {
    const tokens = q.filter
      .toLowerCase()
      .split(/\s+/)
      .filter((s) => s !== '');
    const keep: number[] = [];
    this.trials.forEach((t, i) => {
      if (tokens.every((token) => tokenMatches(t, token))) keep.push(i);
    });
    // Sort keys worked out once per trial, not once per comparison.
    const keys = keep.map((i) => sortValue(this.trials[i], q.sort.key));
    const at = keep.map((_, j) => j);
    const sign = q.sort.dir === 'asc' ? 1 : -1;
    at.sort((a, b) => {
      const x = keys[a];
      const y = keys[b];
      const tie = this.trials[keep[a]].number - this.trials[keep[b]].number;
      if (x === null || y === null) return x === y ? tie : x === null ? 1 : -1;
      return sign * compareCells(x, y) || tie;
    });
    return at.map((j) => keep[j]);
  }
}
