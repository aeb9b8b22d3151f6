// Where the training text comes from: the XSum sample the dev/preview server serves, a Hugging Face
// Hub dataset (paged through datasets-server, cached in IndexedDB), or a local file. The page reads
// and maps the rows itself, so errors show in the panel before any training starts, and hands the
// worker JSON Lines with "document"/"summary" keys; only the untouched server sample goes as URLs.
import { create } from 'zustand';
import {
  DEFAULT_HUB_CONFIG,
  DEFAULT_HUB_DATASET,
  DEFAULT_HUB_ENDPOINT,
  HubError,
  hubRowsTable,
  loadHubParquet,
  loadHubRows,
  type HubRowsResult,
} from '../data/hub';
import { openHubCache, type IdbHubCache } from '../data/hub-cache';
import { pairsFromTable, readRecords, type RecordTable, type SkippedRow } from '../data/readers';
import { readDataFileInWorker } from '../app/data-file';
import { DEFAULT_MAPPING, type ColumnMapping } from '../data/types';
import type { Pair } from '../core/example';
import { formatBytes } from '../core/format';
import type { DataSource } from '../core/run-types';
import { errorMessage, failure } from '../core/errors';

export const DEFAULT_TRAIN_URL = '/data/xsum/train.jsonl';
export const DEFAULT_VALIDATION_URL = '/data/xsum/validation.jsonl';
export const DEFAULT_DATA_LABEL =
  'XSum sample (871 train / 100 validation, served by the dev server from ../shared/data/xsum)';
export const MISSING_DATA_MESSAGE =
  'No training data yet: pick a local JSONL/JSON/CSV/TSV/Parquet file, or load a Hugging Face Hub dataset';

/** datasets-server base; VITE_HF_ENDPOINT points the studio at a mirror or a test server. */
export const HUB_ENDPOINT: string = (import.meta.env?.VITE_HF_ENDPOINT as string | undefined) || DEFAULT_HUB_ENDPOINT;

/**
 * What the active source is ('checking' until the first source is known, also while the default
 * Hub data loads on a page without the server sample; 'missing': nothing to train on).
 */
export type DataStatus = 'checking' | 'default' | 'hub' | 'file' | 'missing';
/** Which source form the chooser shows. */
export type SourceChoice = 'server' | 'hub' | 'file';

export interface HubForm {
  dataset: string;
  config: string;
  trainSplit: string;
  validationSplit: string; // '' for none: the worker then holds out 10% of train
  maxRows: number; // per split
  via: 'rows' | 'parquet'; // datasets-server rows API (cached) or the converted Parquet files
}

export const DEFAULT_HUB_FORM: HubForm = {
  dataset: DEFAULT_HUB_DATASET,
  config: DEFAULT_HUB_CONFIG,
  trainSplit: 'train',
  validationSplit: 'validation',
  maxRows: 1000,
  via: 'rows',
};

/** Rows as read, before column mapping, so a new mapping needs no reload. */
export interface LoadedTables {
  origin: SourceChoice;
  name: string; // for labels and the worker's file name
  train: RecordTable;
  validation: RecordTable | null;
  detail: string; // e.g. "1000 of 204045 rows" or "12.3 MB"
}

export interface DataStore {
  status: DataStatus;
  choice: SourceChoice;
  /** Whether the dev/preview server has the XSum sample (null until probed). */
  serverAvailable: boolean | null;
  /** What the worker will read; null until there is something to read. */
  source: DataSource | null;
  /** One line describing the source (or what is missing), shown as text only. */
  label: string;
  /** The last load or mapping problem, shown in place; the previous source stays usable. */
  error: string | null;
  /** Non-fatal facts about the data: skipped rows, a server-truncated cell. */
  notice: string | null;
  /** What is loading right now ("rows 300 / 1000"), or null. */
  progress: string | null;
  hub: HubForm;
  mapping: ColumnMapping;
  loaded: LoadedTables | null;
  trainPairs: Pair[] | null;
  validationPairs: Pair[] | null;

  checkDefault(): Promise<void>;
  choose(choice: SourceChoice): void;
  setHub(patch: Partial<HubForm>): void;
  loadServerSample(): Promise<void>;
  loadHub(): Promise<void>;
  pickFile(file: File): Promise<void>;
  setMapping(mapping: ColumnMapping): void;
  clearHubCache(): Promise<void>;
}

/**
 * HEAD first so the page does not download the whole file just to learn it exists. A response
 * that is HTML is treated as missing: an SPA fallback answers 200 with index.html for any path.
 */
async function defaultDataAvailable(): Promise<boolean> {
  try {
    const res = await fetch(DEFAULT_TRAIN_URL, { method: 'HEAD' });
    const type = res.headers.get('content-type') ?? '';
    return res.ok && !type.startsWith('text/html');
  } catch {
    return false; // offline or blocked: same as missing, the other sources still work
  }
}

let checkInFlight: Promise<void> | null = null;
/** Ends the data-file worker of a pick still being read (a newer pick replaces it). */
let cancelFileRead: (() => void) | null = null;
/** Each load takes a ticket; a result whose ticket is stale (a newer load or pick began) is dropped. */
let ticket = 0;
let cachePromise: Promise<IdbHubCache | undefined> | null = null;
function hubCache(): Promise<IdbHubCache | undefined> {
  // No IndexedDB (private mode, old browser): load without a cache rather than fail.
  cachePromise ??= openHubCache().catch(() => undefined);
  return cachePromise;
}

function skippedNote(name: string, skipped: SkippedRow[], unit: string): string | null {
  if (skipped.length === 0) return null;
  const s = skipped[0];
  return `${name}: ${skipped.length} row${skipped.length === 1 ? '' : 's'} skipped (first: ${unit} ${s.line}: ${s.reason})`;
}

type Derived = Pick<DataStore, 'source' | 'trainPairs' | 'validationPairs' | 'notice' | 'label' | 'status'>;

/** Maps the loaded tables into pairs and the worker's source; throws with the reader's message. */
function derive(loaded: LoadedTables, mapping: ColumnMapping): Derived {
  const train = pairsFromTable(loaded.train, mapping, `${loaded.name} (train)`);
  const validation = loaded.validation
    ? pairsFromTable(loaded.validation, mapping, `${loaded.name} (validation)`)
    : null;
  const notes = [
    skippedNote('train', train.skipped, loaded.train.unit),
    validation && loaded.validation ? skippedNote('validation', validation.skipped, loaded.validation.unit) : null,
  ].filter(Boolean);
  const untouched =
    loaded.origin === 'server' && mapping.input === DEFAULT_MAPPING.input && mapping.target === DEFAULT_MAPPING.target;
  const source: DataSource = untouched
    ? { kind: 'url', trainUrl: DEFAULT_TRAIN_URL, validationUrl: DEFAULT_VALIDATION_URL }
    : { kind: 'pairs', name: loaded.name, train: train.pairs, validation: validation?.pairs };
  const counts = validation
    ? `${train.pairs.length} train / ${validation.pairs.length} validation pairs`
    : `${train.pairs.length} pairs (10% held out for validation)`;
  const label =
    loaded.origin === 'server'
      ? DEFAULT_DATA_LABEL
      : loaded.origin === 'hub'
        ? `Hugging Face Hub: ${loaded.name} — ${counts} (${loaded.detail})`
        : `Local file: ${loaded.name} (${loaded.detail}) — ${counts}`;
  return {
    source,
    trainPairs: train.pairs,
    validationPairs: validation?.pairs ?? null,
    notice: notes.length ? notes.join('; ') : null,
    label,
    status: loaded.origin === 'server' ? 'default' : loaded.origin,
  };
}

function truncatedNote(results: HubRowsResult[]): string | null {
  const cut = results.reduce((a, r) => a + r.rows.filter((x) => x.truncatedCells.length > 0).length, 0);
  return cut > 0
    ? `${cut} rows had cells truncated by the Hub's rows API; load via Parquet files to get them whole`
    : null;
}

export const useDataStore = create<DataStore>()((set, get) => {
  /** Installs freshly loaded tables if the load is still current; mapping errors show in place. */
  const install = (my: number, loaded: LoadedTables, extraNote: string | null = null): boolean => {
    if (my !== ticket) return false;
    try {
      const d = derive(loaded, get().mapping);
      set({
        ...d,
        loaded,
        error: null,
        progress: null,
        notice: [d.notice, extraNote].filter(Boolean).join('; ') || null,
      });
      return true;
    } catch (err) {
      set({ loaded, error: errorMessage(err), progress: null });
      return false;
    }
  };

  return {
    status: 'checking',
    choice: 'server',
    serverAvailable: null,
    source: null,
    label: 'Looking for the default data on the server…',
    error: null,
    notice: null,
    progress: null,
    hub: DEFAULT_HUB_FORM,
    mapping: DEFAULT_MAPPING,
    loaded: null,
    trainPairs: null,
    validationPairs: null,

    checkDefault() {
      // React StrictMode mounts effects twice in development; one probe is enough.
      if (checkInFlight) return checkInFlight;
      checkInFlight = (async () => {
        const ok = await defaultDataAvailable();
        set({ serverAvailable: ok });
        // A source chosen while the probe was in flight is the user's explicit choice: keep it.
        if (get().status !== 'checking' || get().loaded) return;
        if (ok) {
          // Trainable at once (a fresh page trains with no clicks); rows for the preview follow.
          set({
            status: 'default',
            choice: 'server',
            source: { kind: 'url', trainUrl: DEFAULT_TRAIN_URL, validationUrl: DEFAULT_VALIDATION_URL },
            label: DEFAULT_DATA_LABEL,
          });
          void get().loadServerSample();
        } else {
          // No mirror: XSum from the Hub, which needs a network.
          set({ choice: 'hub', label: `No server sample; loading ${DEFAULT_HUB_DATASET} from the Hugging Face Hub…` });
          await get().loadHub();
        }
      })();
      return checkInFlight;
    },

    choose(choice) {
      set({ choice, error: null });
      if (choice === 'server' && get().serverAvailable && get().loaded?.origin !== 'server')
        void get().loadServerSample();
    },

    setHub(patch) {
      set({ hub: { ...get().hub, ...patch } });
    },

    async loadServerSample() {
      const my = ++ticket;
      set({ progress: 'Reading the server sample…' });
      try {
        const text = async (url: string) => {
          const res = await fetch(url);
          if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status} ${res.statusText}`);
          return res.text();
        };
        const [train, validation] = await Promise.all([text(DEFAULT_TRAIN_URL), text(DEFAULT_VALIDATION_URL)]);
        install(my, {
          origin: 'server',
          name: 'xsum-sample',
          train: readRecords(train, 'jsonl', 'train.jsonl'),
          validation: readRecords(validation, 'jsonl', 'validation.jsonl'),
          detail: 'server sample',
        });
      } catch (err) {
        if (my === ticket) set({ error: failure(`Server sample`, err), progress: null });
      }
    },

    async loadHub() {
      const my = ++ticket;
      const form = get().hub;
      const name = `${form.dataset} (${form.config})`;
      set({ error: null, progress: `Connecting to the Hub for ${form.dataset}…` });
      try {
        if (!Number.isInteger(form.maxRows) || form.maxRows < 1)
          throw new Error(`max rows must be a positive whole number, got ${form.maxRows}`);
        const splits = [form.trainSplit, form.validationSplit.trim()].filter((s, i) => i === 0 || s !== '');
        const tables: RecordTable[] = [];
        const results: HubRowsResult[] = [];
        let detail = '';
        for (const split of splits) {
          const show = (loaded: number, total: number | string) => {
            if (my === ticket) set({ progress: `${form.dataset} ${split}: ${loaded} / ${total} rows` });
          };
          if (form.via === 'parquet') {
            const t = await loadHubParquet({
              ...form,
              split,
              endpoint: HUB_ENDPOINT,
              maxRows: form.maxRows,
              onProgress: (p) => show(p.loaded, form.maxRows),
            });
            tables.push(t);
            detail = `${form.maxRows} rows max per split, Parquet`;
          } else {
            const cache = await hubCache();
            const r = await loadHubRows({
              ...form,
              split,
              endpoint: HUB_ENDPOINT,
              maxRows: form.maxRows,
              cache,
              onProgress: (p) => show(p.loaded, p.total),
            });
            results.push(r);
            tables.push(hubRowsTable(r));
            if (split === form.trainSplit)
              detail = `${r.rows.length} of ${r.numRowsTotal} ${split} rows${r.requests === 0 ? ', from the cache' : ''}`;
          }
        }
        const ok = install(
          my,
          { origin: 'hub', name, train: tables[0], validation: tables[1] ?? null, detail },
          truncatedNote(results),
        );
        if (ok) set({ choice: 'hub' });
        else if (my === ticket && get().status === 'checking') set({ status: 'missing', label: MISSING_DATA_MESSAGE });
      } catch (err) {
        if (my !== ticket) return;
        const offline = err instanceof HubError && err.kind === 'network';
        const message = offline
          ? `${errorMessage(err)}. The Hub needs a network; pick a local file instead.`
          : errorMessage(err);
        // Nothing to train on yet: fall back to the file picker, and say why.
        const first = get().status === 'checking';
        set({
          error: message,
          progress: null,
          ...(first || offline ? { choice: 'file' as const } : {}),
          ...(first ? { status: 'missing' as const, label: MISSING_DATA_MESSAGE } : {}),
        });
      }
    },

    async pickFile(file) {
      const my = ++ticket;
      cancelFileRead?.();
      set({ error: null, progress: `Reading ${file.name}…` });
      // Read and parsed in a worker (JSON Lines streamed), so a big file never freezes the page.
      const read = readDataFileInWorker(file, (bytesRead, size, rows) => {
        if (my === ticket)
          set({
            progress: `Reading ${file.name}: ${formatBytes(bytesRead)} of ${formatBytes(size)} (${Math.round((100 * bytesRead) / Math.max(1, size))}%), ${rows} rows`,
          });
      });
      cancelFileRead = read.cancel;
      try {
        const train = await read.table;
        const ok = install(my, {
          origin: 'file',
          name: file.name,
          train,
          validation: null,
          detail: formatBytes(file.size),
        });
        if (ok) set({ choice: 'file' });
      } catch (err) {
        // Keep whatever source was there before; only report why this file was not taken.
        if (my === ticket) set({ error: failure(`Could not read ${file.name}`, err), progress: null });
      } finally {
        if (cancelFileRead === read.cancel) cancelFileRead = null;
      }
    },

    setMapping(mapping) {
      set({ mapping });
      const loaded = get().loaded;
      if (!loaded) return;
      try {
        set({ ...derive(loaded, mapping), error: null });
      } catch (err) {
        // A mapping that does not fit the data leaves nothing to train on until it is fixed.
        set({ error: errorMessage(err), source: null, trainPairs: null, validationPairs: null, notice: null });
      }
    },

    async clearHubCache() {
      const cache = await hubCache();
      await cache?.clear();
    },
  };
});
