// The page's one way into localStorage. localStorage is shared by every tab and every app on the
// origin, so another page can fill it to its quota, and a browser may refuse it altogether
// (privacy settings, a sandboxed frame: SecurityError on access). Nothing that keeps settings may
// then throw: a write the browser refuses is kept in memory (the page goes on with it, and reads
// it back), a read the browser refuses is "nothing saved", and the page says once, in one notice,
// that settings will not be remembered and why. Every settings store (run, sweep, page look, Hub
// form) reads and writes through `localSettings`; zustand's persist gets it via createJSONStorage.
import { create } from 'zustand';
import { clipText } from '../core/bounded-text';
import { errorMessage } from '../core/errors';
import { isQuotaError } from '../core/storage-quota';

/** The part of the Web Storage API used here (a stub in tests). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> &
  Partial<Pick<Storage, 'key' | 'length'>>;

/** Reads and writes that never throw. */
export interface LocalSettings {
  getItem(key: string): string | null;
  /** True when the browser kept it; false when it is kept in this page's memory only. */
  setItem(key: string, value: string): boolean;
  removeItem(key: string): void;
  /** Why the browser refused, as the notice says it; null while it has not. */
  readonly refusal: string | null;
}

/** Keys looked at to say what fills a full localStorage (a bound: the origin may hold many). */
const MAX_KEYS_SCANNED = 1000;

/**
 * What fills the storage: the total and the largest key, e.g. `5,242,871 characters stored,
 * 5,242,860 of them under "other-app/cache"`. Null when the browser does not let us look.
 */
function fillDescription(s: KeyValueStorage): string | null {
  try {
    const n = Math.min(s.length ?? 0, MAX_KEYS_SCANNED);
    if (!s.key || n === 0) return null;
    let total = 0;
    let largest = { key: '', chars: 0 };
    for (let i = 0; i < n; i++) {
      const key = s.key(i);
      if (key === null) continue;
      const chars = key.length + (s.getItem(key)?.length ?? 0);
      total += chars;
      if (chars > largest.chars) largest = { key, chars };
    }
    const fmt = (x: number) => x.toLocaleString('en-US');
    return `${fmt(total)} characters stored, ${fmt(largest.chars)} of them under ${JSON.stringify(clipText(largest.key, 60))}`;
  } catch {
    return null;
  }
}

/** The reason in the notice: which refusal, in words, with the browser's own error name. */
export function refusalReason(err: unknown, storage: KeyValueStorage | null): string {
  const name = (err as { name?: unknown } | null)?.name;
  if (isQuotaError(err)) {
    const fill = storage ? fillDescription(storage) : null;
    return `localStorage is full (${String(name)}${fill ? `; ${fill}` : ''})`;
  }
  const label = typeof name === 'string' && name !== 'Error' ? `${name}: ` : '';
  return `the browser refuses localStorage (${label}${clipText(errorMessage(err), 160)})`;
}

/** The one notice: what the user reads when settings cannot be kept. */
export const notRememberedNotice = (reason: string) =>
  `Settings will not be remembered in this browser: ${reason}. They apply until this page is closed.`;

/**
 * A safe layer over `open()` (called once, on first use; null: no storage here, as in Node — then
 * everything lives in memory and nothing is said). `onRefused` hears the first refusal only.
 */
export function createLocalSettings(
  open: () => KeyValueStorage | null,
  onRefused: (reason: string) => void = () => {},
): LocalSettings {
  let backing: KeyValueStorage | null | undefined; // undefined: not opened yet
  let refusal: string | null = null;
  // Values the browser did not keep: this page reads them back instead of what (if anything) is stored.
  const memory = new Map<string, string>();

  const refused = (err: unknown) => {
    if (refusal !== null) return;
    refusal = refusalReason(err, backing ?? null);
    onRefused(refusal);
  };
  const storage = (): KeyValueStorage | null => {
    if (backing !== undefined) return backing;
    try {
      backing = open();
    } catch (err) {
      backing = null; // window.localStorage itself threw (storage disabled)
      refused(err);
    }
    return backing;
  };

  return {
    get refusal() {
      return refusal;
    },
    getItem(key) {
      if (memory.has(key)) return memory.get(key)!;
      try {
        return storage()?.getItem(key) ?? null;
      } catch (err) {
        refused(err);
        return null;
      }
    },
    setItem(key, value) {
      const s = storage();
      if (s) {
        try {
          s.setItem(key, value);
          memory.delete(key);
          return true;
        } catch (err) {
          refused(err);
        }
      }
      memory.set(key, value);
      return false;
    },
    removeItem(key) {
      memory.delete(key);
      try {
        storage()?.removeItem(key);
      } catch (err) {
        refused(err);
      }
    },
  };
}

// ---- the page's one layer and its notice ---------------------------------------------------------

export interface StorageNoticeState {
  /** Shown once per page: the first refusal, until dismissed. */
  notice: string | null;
  dismiss(): void;
}

export const useStorageNotice = create<StorageNoticeState>()((set) => ({
  notice: null,
  dismiss: () => set({ notice: null }),
}));

function browserStorage(): KeyValueStorage | null {
  // `window` guard: Node tests import the stores too (no storage there: memory only, no notice).
  return typeof window === 'undefined' ? null : window.localStorage; // may throw: SecurityError
}

/** Every settings read and write of the page goes through this. */
export const localSettings: LocalSettings = createLocalSettings(browserStorage, (reason) =>
  useStorageNotice.setState({ notice: notRememberedNotice(reason) }),
);
