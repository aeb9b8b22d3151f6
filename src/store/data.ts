// Where the training text comes from: the XSum sample the dev/preview server serves, or a file
// the user picks when the server has none.
import { create } from 'zustand';
import type { DataSource } from '../workers/protocol';

export const DEFAULT_TRAIN_URL = '/data/xsum/train.jsonl';
export const DEFAULT_VALIDATION_URL = '/data/xsum/validation.jsonl';
export const DEFAULT_DATA_LABEL =
  'XSum sample (871 train / 100 validation, served by the dev server from ../shared/data/xsum)';
export const MISSING_DATA_MESSAGE =
  'Default data not found on the server — pick a local JSONL/CSV file with document and summary columns';

export type DataStatus = 'checking' | 'default' | 'missing' | 'file';

export interface DataStore {
  status: DataStatus;
  /** What the worker will read; null until there is something to read. */
  source: DataSource | null;
  /** One line describing the source (or what is missing), shown as text only. */
  label: string;
  /** Why the picked file could not be read, if it could not. */
  fileError: string | null;
  checkDefault(): Promise<void>;
  pickFile(file: File): Promise<void>;
}

let checkInFlight: Promise<void> | null = null;

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
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
    return false; // offline or blocked: same as missing, the file picker still works
  }
}

export const useDataStore = create<DataStore>()((set, get) => ({
  status: 'checking',
  source: null,
  label: 'Looking for the default data on the server…',
  fileError: null,

  checkDefault() {
    // React StrictMode mounts effects twice in development; one probe is enough.
    if (checkInFlight) return checkInFlight;
    checkInFlight = (async () => {
      const ok = await defaultDataAvailable();
      // A file picked while the probe was in flight is the user's explicit choice: keep it.
      if (get().status === 'file') return;
      if (ok) {
        set({
          status: 'default',
          source: { kind: 'url', trainUrl: DEFAULT_TRAIN_URL, validationUrl: DEFAULT_VALIDATION_URL },
          label: DEFAULT_DATA_LABEL,
        });
      } else {
        set({ status: 'missing', source: null, label: MISSING_DATA_MESSAGE });
      }
    })();
    return checkInFlight;
  },

  async pickFile(file) {
    try {
      const trainText = await file.text();
      if (trainText.trim() === '') throw new Error('the file is empty');
      set({
        status: 'file',
        source: { kind: 'text', name: file.name, trainText },
        label: `Local file: ${file.name} (${formatBytes(file.size)})`,
        fileError: null,
      });
    } catch (err) {
      // Keep whatever source was there before; only report why this file was not taken.
      set({ fileError: `Could not read ${file.name}: ${err instanceof Error ? err.message : String(err)}` });
    }
  },
}));
