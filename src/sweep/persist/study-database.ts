// The studies' IndexedDB database: its schema and migrations, opening it (and repairing or
// tolerating a database another studio version made), the one transaction shape every write
// uses, and turning the browser's storage failures (a full disk above all) into errors with context.
import { isQuotaError, usageText } from '../../core/storage-quota';
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { TrialData } from '../engine/study-data';
import { StudyFormatError, type StudyMeta } from './study-record';
import type { StoredSummary } from './study-summary';
import { errorMessage } from '../../core/errors';

export const DB_NAME = 'training-studio';

export type TrialRecord = TrialData & { studyId: string };

interface StudioSchema extends DBSchema {
  studies: { key: string; value: StudyMeta };
  trials: { key: [string, number]; value: TrialRecord };
  summaries: { key: string; value: StoredSummary };
}

export type Db = IDBPDatabase<StudioSchema>;

/**
 * Schema migrations: MIGRATIONS[v] upgrades version v to v + 1, and DB_VERSION is their count.
 * Add a version by appending; never edit a shipped migration. Each one checks before it creates,
 * because repairDatabase replays them all on a database that exists but lacks our stores (a
 * migration that adds a store or index must also extend the check at the end of openDatabase).
 * A later schema must keep these stores' record shapes readable (or use new store names): a tab
 * still running older code opens a newer database as it is (see openDatabase).
 */
const MIGRATIONS: ReadonlyArray<(db: Db) => void> = [
  // v1: studies by id; trials by [studyId, number], so one study's trials are one key range.
  (db) => {
    if (!db.objectStoreNames.contains('studies')) db.createObjectStore('studies', { keyPath: 'id' });
    if (!db.objectStoreNames.contains('trials')) db.createObjectStore('trials', { keyPath: ['studyId', 'number'] });
  },
  // v2: one summary per study (trial counts by state, the best trial), kept up to date by every
  // write, so listing studies never reads their trials (a 10^5-trial study took the tab down).
  // Nothing is backfilled here: a summary that is missing, or older than its study's updatedAt
  // (a tab running v1 code saved a trial), is rebuilt from the trials when the list needs it.
  (db) => {
    if (!db.objectStoreNames.contains('summaries')) db.createObjectStore('summaries', { keyPath: 'id' });
  },
];
export const DB_VERSION = MIGRATIONS.length;

/** Errors with storage itself (not found, full, the browser refused). */
export class StudyStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StudyStoreError';
  }
}

type Callbacks = { blocking: () => void; terminated: () => void };

export async function openDatabase(name: string, callbacks: Callbacks): Promise<Db> {
  let db: Db;
  try {
    db = await openDB<StudioSchema>(name, DB_VERSION, {
      ...callbacks,
      upgrade(database, oldVersion) {
        for (let v = oldVersion; v < MIGRATIONS.length; v++) MIGRATIONS[v](database);
      },
    });
  } catch (err) {
    if ((err as { name?: unknown })?.name !== 'VersionError') throw err;
    // A newer studio upgraded the database; later schemas keep our stores readable (see MIGRATIONS).
    db = await openDB<StudioSchema>(name, undefined, callbacks);
  }
  if (STORES.every((s) => db.objectStoreNames.contains(s))) return db;
  return repairDatabase(db, callbacks);
}

/** The name exists without our stores (an empty database made elsewhere): add them, touch nothing. */
async function repairDatabase(db: Db, callbacks: Callbacks): Promise<Db> {
  const version = db.version + 1;
  db.close();
  return openDB<StudioSchema>(db.name, version, {
    ...callbacks,
    upgrade(database) {
      for (const migrate of MIGRATIONS) migrate(database);
    },
  });
}

const STORES: StoreNames<StudioSchema>[] = ['studies', 'trials', 'summaries'];

export type WriteTx = IDBPTransaction<StudioSchema, StoreNames<StudioSchema>[], 'readwrite'>;

/** One readwrite transaction over every store; a throw aborts it, so no write is half done. */
export async function write<T>(db: Db, body: (tx: WriteTx) => Promise<T>): Promise<T> {
  const tx = db.transaction(STORES, 'readwrite');
  tx.done.catch(() => undefined); // observed below; this stops an abort from being "unhandled"
  let result: T;
  try {
    result = await body(tx);
  } catch (err) {
    try {
      tx.abort();
    } catch {
      // already aborted by the failed request
    }
    throw err;
  }
  await tx.done;
  return result;
}

export function studyRange(id: string): IDBKeyRange {
  // [id] sorts before every [id, n] and [id, []] after them (arrays sort after numbers).
  return IDBKeyRange.bound([id], [id, []]);
}

/** The study's trials numbered above `after`: the next page of a paged read. */
export function trialsAfter(id: string, after: number): IDBKeyRange {
  return IDBKeyRange.bound([id, after], [id, []], true);
}

/** Gives a storage failure its context; a full disk also says how full, when the browser tells. */
export async function storageError(err: unknown, what: string): Promise<Error> {
  if (err instanceof StudyStoreError || err instanceof StudyFormatError) return err;
  const name = (err as { name?: unknown })?.name;
  const message = errorMessage(err);
  if (isQuotaError(err)) {
    return new StudyStoreError(
      `browser storage is full: could not ${what}. ${await usageText()} Everything saved before this is kept; export studies you no longer need and delete them to free space.`,
      { cause: err },
    );
  }
  return new StudyStoreError(`could not ${what}: ${typeof name === 'string' ? `${name}: ` : ''}${message}`, {
    cause: err,
  });
}
