// Checkpoints in IndexedDB (through idb), for browsers without the Origin Private File System:
// metadata in one object store (listing reads no bytes), bytes in another under the same id, both
// written in one transaction so a listed checkpoint always has its bytes. A database of its own,
// apart from the studies' (sweep/persist/study-database.ts), so neither schema's migrations touch the other.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { formatBytesIn } from '../../core/format';
import { byAge, checkInfo, checkpointStorageError, notFound, type CheckpointInfo, type CheckpointStore } from './store';

export const CHECKPOINT_DB_NAME = 'training-studio-checkpoints';

interface CheckpointSchema extends DBSchema {
  checkpoints: { key: string; value: CheckpointInfo; indexes: { runId: string } };
  checkpointBytes: { key: string; value: Uint8Array };
}

type Db = IDBPDatabase<CheckpointSchema>;

export async function openIndexedDbCheckpointStore(name = CHECKPOINT_DB_NAME): Promise<IndexedDbCheckpointStore> {
  let db: Db;
  try {
    db = await openDB<CheckpointSchema>(name, 1, {
      upgrade(d) {
        const infos = d.createObjectStore('checkpoints', { keyPath: 'id' });
        infos.createIndex('runId', 'runId');
        d.createObjectStore('checkpointBytes');
      },
    });
  } catch (err) {
    throw await checkpointStorageError(err, 'open the checkpoint database');
  }
  return new IndexedDbCheckpointStore(db);
}

export class IndexedDbCheckpointStore implements CheckpointStore {
  constructor(private readonly db: Db) {}

  async list(runId?: string): Promise<CheckpointInfo[]> {
    return this.run('list checkpoints', async () => {
      const store = this.db.transaction('checkpoints').store;
      const all = runId === undefined ? await store.getAll() : await store.index('runId').getAll(runId);
      return all.sort(byAge);
    });
  }

  async save(info: CheckpointInfo, bytes: Uint8Array): Promise<void> {
    checkInfo(info, bytes);
    // Structured clone copies a view's whole buffer: store exactly the checkpoint's bytes.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    await this.run(`save checkpoint ${info.id} (${formatBytesIn(info.bytes, 'MB')})`, async () => {
      const tx = this.db.transaction(['checkpoints', 'checkpointBytes'], 'readwrite');
      tx.done.catch(() => undefined); // observed below; an abort must not also be "unhandled"
      try {
        await Promise.all([
          tx.objectStore('checkpointBytes').put(own, info.id),
          tx.objectStore('checkpoints').put({ ...info }),
        ]);
      } catch (err) {
        try {
          tx.abort();
        } catch {
          // already aborted by the failed request
        }
        throw err;
      }
      await tx.done; // durable (committed), so rotation may now delete older ones
    });
  }

  async load(id: string): Promise<Uint8Array> {
    const bytes = await this.run(`load checkpoint ${id}`, () => this.db.get('checkpointBytes', id));
    if (bytes === undefined) throw notFound(id);
    return bytes;
  }

  async delete(id: string): Promise<void> {
    await this.run(`delete checkpoint ${id}`, async () => {
      const tx = this.db.transaction(['checkpoints', 'checkpointBytes'], 'readwrite');
      await Promise.all([
        tx.objectStore('checkpoints').delete(id),
        tx.objectStore('checkpointBytes').delete(id),
        tx.done,
      ]);
    });
  }

  close(): void {
    this.db.close();
  }

  private async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw await checkpointStorageError(err, what);
    }
  }
}
