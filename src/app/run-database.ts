// Where Train runs are kept: a small IndexedDB database of its own (not the studies' database, so
// neither schema's migrations depend on the other), one record per run keyed by its id. The run
// history above it (store/run-history.ts) programs against the RunDatabase face only, so its logic
// runs in Node tests on memoryRunDatabase, and a page without IndexedDB keeps its runs in memory.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { isQuotaError } from '../core/storage-quota';
import { errorMessage } from '../core/errors';

export const RUNS_DB_NAME = 'training-studio-runs';
const RUNS_DB_VERSION = 1;

/** What a kept record needs: its key. The record's shape is the history's business. */
export interface Keyed {
  id: string;
}

export interface RunDatabase<T extends Keyed> {
  getAll(): Promise<T[]>;
  /** Writes the whole record (a repeated put is harmless: the runner saves as it goes). */
  put(record: T): Promise<void>;
  delete(id: string): Promise<void>;
}

interface RunsSchema extends DBSchema {
  runs: { key: string; value: Keyed };
}

/** A storage failure, with what was being done and, for a full disk, that it is full. */
export function runStorageError(action: string, err: unknown): Error {
  const why = isQuotaError(err) ? 'the browser storage is full' : errorMessage(err);
  return new Error(`could not ${action}: ${why}`, { cause: err });
}

/** Opens (creating on first use) the runs database; rejects, naming why, when IndexedDB is unavailable. */
export async function openRunDatabase<T extends Keyed>(name: string = RUNS_DB_NAME): Promise<RunDatabase<T>> {
  if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available in this browser');
  let db: IDBPDatabase<RunsSchema>;
  try {
    db = await openDB<RunsSchema>(name, RUNS_DB_VERSION, {
      upgrade(database) {
        if (!database.objectStoreNames.contains('runs')) database.createObjectStore('runs', { keyPath: 'id' });
      },
    });
  } catch (err) {
    throw runStorageError('open the runs database', err);
  }
  const guard = async <R>(action: string, f: () => Promise<R>): Promise<R> => {
    try {
      return await f();
    } catch (err) {
      throw runStorageError(action, err);
    }
  };
  return {
    getAll: () => guard('list the kept runs', async () => (await db.getAll('runs')) as T[]),
    put: (record) =>
      guard(`save run ${record.id}`, async () => {
        await db.put('runs', record);
      }),
    delete: (id) => guard(`delete run ${id}`, () => db.delete('runs', id)),
  };
}

/** The same face over a Map: Node tests, and the fallback when the browser's storage fails. */
export function memoryRunDatabase<T extends Keyed>(initial: readonly T[] = []): RunDatabase<T> {
  const rows = new Map<string, T>(initial.map((r) => [r.id, structuredClone(r)]));
  return {
    getAll: async () => [...rows.values()].map((r) => structuredClone(r)),
    put: async (record) => {
      rows.set(record.id, structuredClone(record));
    },
    delete: async (id) => {
      rows.delete(id);
    },
  };
}
