// A Hugging Face Hub dataset, by name, config and split, through the datasets-server API:
//   GET {endpoint}/rows?dataset&config&split&offset&length   (length <= 100) → one page of rows
//   GET {endpoint}/splits?dataset                             → the configs and splits
//   GET {endpoint}/parquet?dataset                            → the split's converted Parquet files
// fetch is injected (tests serve the API from a local server; the page passes the browser's), and
// every answer is checked before use: a wrong shape or an HTTP error throws a HubError naming the
// dataset, config, split and offset, with the server's own "error" text when it sent one.
import { listSome } from '../core/bounded-text';
import { asyncBufferFromUrl } from 'hyparquet';
import { hubPageKey, type HubPageCache } from './hub-cache';
import { readParquetRecords } from './parquet';
import type { RecordRow, RecordTable } from './readers';
import { errorMessage } from '../core/errors';

export const DEFAULT_HUB_ENDPOINT = 'https://datasets-server.huggingface.co';
export const DEFAULT_HUB_DATASET = 'EdinburghNLP/xsum';
export const DEFAULT_HUB_CONFIG = 'default';
/** The rows API refuses a longer page (HTTP 422). */
export const MAX_PAGE_SIZE = 100;

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** 'network': no answer at all (offline, blocked, wrong host); 'http': an error status; 'format': an answer of the wrong shape. */
export type HubErrorKind = 'network' | 'http' | 'format';

export class HubError extends Error {
  readonly kind: HubErrorKind;
  readonly status: number | undefined;
  constructor(kind: HubErrorKind, message: string, status?: number) {
    super(message);
    this.name = 'HubError';
    this.kind = kind;
    this.status = status;
  }
}

export interface HubSplitRef {
  dataset: string;
  config: string;
  split: string;
}

export interface HubFeature {
  featureIdx: number;
  name: string;
  type: unknown; // the datasets feature spec, e.g. {dtype: 'string', _type: 'Value'}
}

export interface HubRow {
  rowIdx: number;
  row: Record<string, unknown>;
  truncatedCells: string[];
}

/** One checked rows-API answer (what the cache stores). */
export interface HubPage {
  features: HubFeature[];
  rows: HubRow[];
  numRowsTotal: number;
  partial: boolean;
}

export interface HubProgress {
  loaded: number; // rows so far
  total: number; // rows this load will give: min(maxRows, num_rows_total)
  requests: number; // network requests so far
  cachedPages: number; // pages served from the cache so far
}

interface Endpoint {
  endpoint?: string; // DEFAULT_HUB_ENDPOINT when absent
  fetch?: Fetch; // globalThis.fetch when absent
  signal?: AbortSignal;
}

export interface HubRowsOptions extends HubSplitRef, Endpoint {
  maxRows?: number; // all rows when absent
  pageSize?: number; // 1..MAX_PAGE_SIZE, default MAX_PAGE_SIZE
  onProgress?: (p: HubProgress) => void;
  cache?: HubPageCache;
}

export interface HubRowsResult {
  features: HubFeature[];
  columns: string[];
  rows: HubRow[];
  numRowsTotal: number; // the split's size on the Hub
  partial: boolean; // the server says the split was only partly converted
  requests: number;
  cachedPages: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function baseUrl(endpoint: string | undefined): string {
  return (endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

function describeRef(r: Partial<HubSplitRef>): string {
  const parts = [`Hub dataset ${JSON.stringify(r.dataset)}`];
  if (r.config !== undefined) parts.push(`config ${JSON.stringify(r.config)}`);
  if (r.split !== undefined) parts.push(`split ${JSON.stringify(r.split)}`);
  return parts.join(', ');
}

function checkRef(r: Partial<HubSplitRef>, needs: (keyof HubSplitRef)[]): void {
  for (const k of needs) {
    const v = r[k];
    if (typeof v !== 'string' || v.trim() === '')
      throw new HubError('format', `${describeRef(r)}: the ${k} name is empty`);
  }
}

/** GET a JSON answer; HubError for no answer, an error status (with the server's "error" text), or non-JSON. */
async function getJson(url: string, where: string, ep: Endpoint): Promise<unknown> {
  const f = ep.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await f(url, { signal: ep.signal, headers: { accept: 'application/json' } });
  } catch (err) {
    if (ep.signal?.aborted) throw err; // the caller cancelled: not a network fault
    throw new HubError(
      'network',
      `${where}: could not reach ${new URL(url).origin} (${errorMessage(err)}); check the network or the endpoint`,
    );
  }
  const body = await res.text();
  if (!res.ok) {
    let detail = body.trim().slice(0, 300);
    try {
      const j: unknown = JSON.parse(body);
      if (isObj(j) && typeof j.error === 'string') detail = j.error;
    } catch {
      // not JSON: keep the clipped text
    }
    throw new HubError(
      'http',
      `${where}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${detail ? `: ${detail}` : ''}`,
      res.status,
    );
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new HubError('format', `${where}: the answer is not JSON (starts with ${JSON.stringify(body.slice(0, 40))})`);
  }
}

/** Checks one rows-API answer; rows must be the requested offsets, in order. */
function checkPage(v: unknown, offset: number, where: string): HubPage {
  const bad = (what: string) => new HubError('format', `${where}: unexpected answer from the rows API: ${what}`);
  if (!isObj(v)) throw bad('not a JSON object');
  if (!Array.isArray(v.features)) throw bad('no "features" array');
  if (!Array.isArray(v.rows)) throw bad('no "rows" array');
  if (!isInt(v.num_rows_total)) throw bad('"num_rows_total" is not a whole number');
  const features = v.features.map((f, i): HubFeature => {
    if (!isObj(f) || typeof f.name !== 'string') throw bad(`features[${i}] has no "name"`);
    return { featureIdx: isInt(f.feature_idx) ? f.feature_idx : i, name: f.name, type: f.type ?? null };
  });
  const rows = v.rows.map((r, i): HubRow => {
    if (!isObj(r) || !isObj(r.row)) throw bad(`rows[${i}] has no "row" object`);
    if (r.row_idx !== offset + i)
      throw bad(`rows[${i}] has row_idx ${JSON.stringify(r.row_idx)}, expected ${offset + i}`);
    const cut = r.truncated_cells ?? [];
    if (!Array.isArray(cut) || !cut.every((c) => typeof c === 'string'))
      throw bad(`rows[${i}].truncated_cells is not a list of column names`);
    return { rowIdx: offset + i, row: r.row, truncatedCells: cut };
  });
  return { features, rows, numRowsTotal: v.num_rows_total, partial: v.partial === true };
}

async function cacheGet(cache: HubPageCache | undefined, key: string): Promise<HubPage | undefined> {
  try {
    return await cache?.get(key);
  } catch {
    return undefined; // a broken cache (quota, private mode) must not stop a load
  }
}

/** Pages through a split's rows from offset 0 until maxRows or the split's end. */
export async function loadHubRows(opts: HubRowsOptions): Promise<HubRowsResult> {
  checkRef(opts, ['dataset', 'config', 'split']);
  const pageSize = opts.pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new HubError(
      'format',
      `${describeRef(opts)}: pageSize must be an integer in [1, ${MAX_PAGE_SIZE}], got ${pageSize}`,
    );
  }
  const maxRows = opts.maxRows ?? Infinity;
  if (maxRows !== Infinity && (!Number.isInteger(maxRows) || maxRows < 1)) {
    throw new HubError('format', `${describeRef(opts)}: maxRows must be a positive integer, got ${maxRows}`);
  }
  const endpoint = baseUrl(opts.endpoint);
  const rows: HubRow[] = [];
  let features: HubFeature[] = [];
  let total: number | undefined;
  let partial = false;
  let requests = 0;
  let cachedPages = 0;
  for (;;) {
    const offset = rows.length;
    const length = Math.min(pageSize, maxRows - offset, (total ?? Infinity) - offset);
    if (length <= 0) break;
    const key = hubPageKey({ endpoint, dataset: opts.dataset, config: opts.config, split: opts.split, offset, length });
    let page = await cacheGet(opts.cache, key);
    if (page) cachedPages++;
    else {
      const where = `${describeRef(opts)}, rows at offset ${offset}`;
      const query = new URLSearchParams({
        dataset: opts.dataset,
        config: opts.config,
        split: opts.split,
        offset: String(offset),
        length: String(length),
      });
      requests++;
      page = checkPage(await getJson(`${endpoint}/rows?${query}`, where, opts), offset, where);
      if (page.rows.length > length)
        throw new HubError('format', `${where}: asked for ${length} rows, got ${page.rows.length}`);
      try {
        await opts.cache?.put(key, page);
      } catch {
        // not cached this time; the load itself succeeded
      }
    }
    if (offset === 0) features = page.features;
    total = page.numRowsTotal;
    partial ||= page.partial;
    rows.push(...page.rows);
    opts.onProgress?.({ loaded: rows.length, total: Math.min(maxRows, total), requests, cachedPages });
    // An empty page before the end would loop forever; the split is shorter than it says.
    if (page.rows.length === 0) break;
  }
  if (total === undefined) throw new HubError('format', `${describeRef(opts)}: no page was loaded`);
  return { features, columns: features.map((f) => f.name), rows, numRowsTotal: total, partial, requests, cachedPages };
}

/** Hub rows as a RecordTable for pairsFromTable: `line` is row_idx + 1, truncated cells are marked. */
export function hubRowsTable(result: Pick<HubRowsResult, 'columns' | 'rows'>): RecordTable {
  const rows: RecordRow[] = result.rows.map((r) => ({
    line: r.rowIdx + 1,
    record: r.row,
    truncated: r.truncatedCells,
  }));
  return { columns: result.columns, rows, columnsAt: undefined, unit: 'row' };
}

/** Every (config, split) of a dataset. */
export async function listHubSplits(opts: { dataset: string } & Endpoint): Promise<HubSplitRef[]> {
  checkRef(opts, ['dataset']);
  const where = `${describeRef(opts)}, list of splits`;
  const v = await getJson(
    `${baseUrl(opts.endpoint)}/splits?${new URLSearchParams({ dataset: opts.dataset })}`,
    where,
    opts,
  );
  if (!isObj(v) || !Array.isArray(v.splits))
    throw new HubError('format', `${where}: unexpected answer: no "splits" array`);
  return v.splits.map((s, i) => {
    if (!isObj(s) || typeof s.config !== 'string' || typeof s.split !== 'string') {
      throw new HubError('format', `${where}: splits[${i}] lacks a "config" or "split" name`);
    }
    return { dataset: typeof s.dataset === 'string' ? s.dataset : opts.dataset, config: s.config, split: s.split };
  });
}

export interface HubParquetFile extends HubSplitRef {
  url: string;
  filename: string;
  size: number; // bytes
}

/** The Parquet files the Hub converted a dataset into, in the listing's (shard) order. */
export async function listHubParquet(opts: { dataset: string } & Endpoint): Promise<HubParquetFile[]> {
  checkRef(opts, ['dataset']);
  const where = `${describeRef(opts)}, list of Parquet files`;
  const v = await getJson(
    `${baseUrl(opts.endpoint)}/parquet?${new URLSearchParams({ dataset: opts.dataset })}`,
    where,
    opts,
  );
  if (!isObj(v) || !Array.isArray(v.parquet_files))
    throw new HubError('format', `${where}: unexpected answer: no "parquet_files" array`);
  return v.parquet_files.map((f, i) => {
    if (
      !isObj(f) ||
      typeof f.config !== 'string' ||
      typeof f.split !== 'string' ||
      typeof f.url !== 'string' ||
      !isInt(f.size)
    ) {
      throw new HubError('format', `${where}: parquet_files[${i}] lacks a config, split, url or size`);
    }
    const filename = typeof f.filename === 'string' ? f.filename : (f.url.split('/').pop() ?? f.url);
    return { dataset: opts.dataset, config: f.config, split: f.split, url: f.url, filename, size: f.size };
  });
}

export interface HubParquetOptions extends HubSplitRef, Endpoint {
  maxRows?: number;
  onProgress?: (p: { loaded: number; files: number; filesDone: number }) => void;
}

export interface HubParquetResult extends RecordTable {
  files: HubParquetFile[]; // the files read from (a prefix of the split's)
}

/**
 * A split's rows from its Parquet files, up to maxRows. Files are read through HTTP range
 * requests (hyparquet's AsyncBuffer), so only the row groups holding the wanted rows are fetched;
 * a server that ignores Range sends the whole file, which still works.
 */
export async function loadHubParquet(opts: HubParquetOptions): Promise<HubParquetResult> {
  checkRef(opts, ['dataset', 'config', 'split']);
  const maxRows = opts.maxRows ?? Infinity;
  const all = await listHubParquet(opts);
  const files = all.filter((f) => f.config === opts.config && f.split === opts.split);
  if (files.length === 0) {
    const have = listSome(new Set(all.map((f) => `${f.config}/${f.split}`)));
    throw new HubError(
      'format',
      `${describeRef(opts)}: no Parquet files for this config and split; the Hub has: ${have}`,
    );
  }
  const rows: RecordRow[] = [];
  let columns: string[] = [];
  const used: HubParquetFile[] = [];
  let before = 0; // rows in the files already read, so `line` counts across the whole split
  for (const file of files) {
    if (rows.length >= maxRows) break;
    const where = `${describeRef(opts)}, Parquet file ${file.filename}`;
    const fetchFn = opts.fetch ?? globalThis.fetch;
    const guarded: Fetch = async (url, init) => {
      try {
        const res = await fetchFn(url, { ...init, signal: opts.signal });
        if (!res.ok)
          throw new HubError(
            'http',
            `${where}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
            res.status,
          );
        return res;
      } catch (err) {
        if (err instanceof HubError || opts.signal?.aborted) throw err;
        throw new HubError('network', `${where}: could not reach ${new URL(url).origin} (${errorMessage(err)})`);
      }
    };
    const buffer = await asyncBufferFromUrl({
      url: file.url,
      byteLength: file.size,
      fetch: guarded as typeof globalThis.fetch,
    });
    let table;
    try {
      table = await readParquetRecords(buffer, file.filename, { maxRows: maxRows - rows.length });
    } catch (err) {
      // A HubError raised inside the fetch reaches us wrapped by the Parquet reader; surface it as it was.
      const cause = findHubError(err);
      if (cause) throw cause;
      throw err;
    }
    if (used.length === 0) columns = table.columns;
    rows.push(...table.rows.map((r) => ({ line: before + r.line, record: r.record })));
    before += table.numRows;
    used.push(file);
    opts.onProgress?.({ loaded: rows.length, files: files.length, filesDone: used.length });
  }
  return { columns, rows, columnsAt: undefined, unit: 'row', files: used };
}

function findHubError(err: unknown): HubError | undefined {
  for (
    let e: unknown = err, depth = 0;
    e instanceof Error && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    if (e instanceof HubError) return e;
  }
  return undefined;
}
