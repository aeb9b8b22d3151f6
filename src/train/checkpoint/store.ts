// Where checkpoints live: a small key-value interface (list / save / load / delete of encoded
// checkpoint bytes plus a little metadata), the rotation that keeps the last N of a run, and the
// in-memory store tests use. IndexedDB and OPFS implementations sit in checkpoint-idb.ts and
// checkpoint-opfs.ts; openCheckpointStore (checkpoint-open.ts) picks one.
import type { CheckpointMeta } from './checkpoint';
import { isQuotaError, usageText } from '../../core/storage-quota';
import { errorMessage } from '../../core/errors';

/** What a store lists about a checkpoint without reading its bytes. */
export interface CheckpointInfo {
  id: string; // unique in the store; [A-Za-z0-9._-] only, so it can name a file
  runId: string;
  step: number;
  epoch: number;
  createdAt: string; // ISO 8601; rotation keeps the newest
  bytes: number; // size of the encoded checkpoint
  label?: string;
}

export interface CheckpointStore {
  /** Checkpoints, oldest first (createdAt, then step), of one run or of all. */
  list(runId?: string): Promise<CheckpointInfo[]>;
  /** Writes bytes under info.id (replacing one with that id); resolves once durably written. */
  save(info: CheckpointInfo, bytes: Uint8Array): Promise<void>;
  /** The bytes saved under id; throws naming the id when there is none. */
  load(id: string): Promise<Uint8Array>;
  /** Removes a checkpoint; deleting one that is not there is not an error. */
  delete(id: string): Promise<void>;
}

export const DEFAULT_KEEP_LAST = 3; // the seed's save_total_limit

const ID_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** A store-safe id for a run's checkpoint at a step: one per (run, step), so re-saving a step replaces it. */
export function checkpointId(runId: string, step: number): string {
  const run = runId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 160) || 'run';
  return `${run}.step-${String(step).padStart(8, '0')}`;
}

/** The CheckpointInfo for an encoded checkpoint (encodeCheckpoint's bytes for meta). */
export function checkpointInfo(meta: CheckpointMeta, bytes: Uint8Array, label?: string): CheckpointInfo {
  const info: CheckpointInfo = {
    id: checkpointId(meta.runId, meta.step),
    runId: meta.runId,
    step: meta.step,
    epoch: meta.epoch,
    createdAt: meta.createdAt,
    bytes: bytes.byteLength,
  };
  return label === undefined ? info : { ...info, label };
}

/** Throws naming the first bad field; bytes, when given, must be as long as info says. */
export function checkInfo(info: CheckpointInfo, bytes?: Uint8Array): void {
  const int = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (typeof info !== 'object' || info === null) throw new Error('checkpoint info must be an object');
  if (typeof info.id !== 'string' || !ID_RE.test(info.id))
    throw new Error(
      `checkpoint info: id must be 1–200 of A–Z a–z 0–9 . _ - (not starting with .), got ${JSON.stringify(info.id)}`,
    );
  if (typeof info.runId !== 'string' || info.runId.length === 0)
    throw new Error(`checkpoint info: runId must be a non-empty string, got ${JSON.stringify(info.runId)}`);
  if (!int(info.step))
    throw new Error(`checkpoint info: step must be a non-negative integer, got ${JSON.stringify(info.step)}`);
  if (!int(info.epoch))
    throw new Error(`checkpoint info: epoch must be a non-negative integer, got ${JSON.stringify(info.epoch)}`);
  if (typeof info.createdAt !== 'string' || Number.isNaN(Date.parse(info.createdAt)))
    throw new Error(`checkpoint info: createdAt must be an ISO date, got ${JSON.stringify(info.createdAt)}`);
  if (!int(info.bytes))
    throw new Error(`checkpoint info: bytes must be a non-negative integer, got ${JSON.stringify(info.bytes)}`);
  if (info.label !== undefined && typeof info.label !== 'string')
    throw new Error('checkpoint info: label must be a string');
  if (bytes !== undefined && bytes.byteLength !== info.bytes)
    throw new Error(`checkpoint info says ${info.bytes} bytes, but ${bytes.byteLength} were given`);
}

/** Oldest first: createdAt, then step, then id (a total order, so rotation is deterministic). */
export function byAge(a: CheckpointInfo, b: CheckpointInfo): number {
  return (
    Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.step - b.step || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * Saves a checkpoint, then deletes the oldest of the SAME run beyond keepLast (transformers'
 * save_total_limit). Deleting only after the save resolved means a failed save (a full disk)
 * loses nothing; other runs' checkpoints are never touched. Returns what was deleted.
 */
export async function saveWithRotation(
  store: CheckpointStore,
  info: CheckpointInfo,
  bytes: Uint8Array,
  keepLast = DEFAULT_KEEP_LAST,
): Promise<CheckpointInfo[]> {
  if (!Number.isSafeInteger(keepLast) || keepLast < 1)
    throw new Error(`keepLast must be an integer ≥ 1, got ${String(keepLast)}`);
  checkInfo(info, bytes);
  await store.save(info, bytes);
  const mine = await store.list(info.runId);
  if (!mine.some((c) => c.id === info.id))
    throw new Error(`checkpoint ${info.id} is not listed after saving it; deleting nothing`);
  const doomed = mine
    .slice(0, Math.max(0, mine.length - keepLast))
    .filter((c) => c.id !== info.id && c.runId === info.runId);
  for (const c of doomed) await store.delete(c.id);
  return doomed;
}

/** In memory (tests, or a browser with no persistent storage): copies in and out, like a real store. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly items = new Map<string, { info: CheckpointInfo; bytes: Uint8Array }>();

  async list(runId?: string): Promise<CheckpointInfo[]> {
    return [...this.items.values()]
      .map((x) => ({ ...x.info }))
      .filter((i) => runId === undefined || i.runId === runId)
      .sort(byAge);
  }

  async save(info: CheckpointInfo, bytes: Uint8Array): Promise<void> {
    checkInfo(info, bytes);
    this.items.set(info.id, { info: { ...info }, bytes: bytes.slice() });
  }

  async load(id: string): Promise<Uint8Array> {
    const x = this.items.get(id);
    if (!x) throw notFound(id);
    return x.bytes.slice();
  }

  async delete(id: string): Promise<void> {
    this.items.delete(id);
  }
}

/**
 * A store that could not be opened, standing in so a run keeps its checkpoint hooks on every rank
 * (they take part in collectives): every call throws why it could not be opened, so the first save
 * turns checkpoints off (epoch-checkpoints.ts) and the run goes on.
 */
export function unavailableCheckpointStore(why: unknown): CheckpointStore {
  const refuse = async (): Promise<never> => {
    throw why;
  };
  return { list: refuse, save: refuse, load: refuse, delete: refuse };
}

export function notFound(id: string): Error {
  return new Error(`no checkpoint with id ${id} (deleted by rotation, or saved in another browser profile?)`);
}

/** A storage failure with its context; a full disk says so, with usage and quota when the browser tells. */
export async function checkpointStorageError(err: unknown, what: string): Promise<Error> {
  const message = errorMessage(err);
  if (isQuotaError(err)) {
    return new Error(
      `storage is full: could not ${what}. ${await usageText()} Delete older checkpoints or runs to free space.`,
      { cause: err },
    );
  }
  const name = (err as { name?: unknown } | null)?.name;
  return new Error(`could not ${what}: ${typeof name === 'string' && name !== 'Error' ? `${name}: ` : ''}${message}`, {
    cause: err,
  });
}
