// Checkpoints in the Origin Private File System: a folder "checkpoints/" with, per checkpoint, the
// encoded bytes in "<id>.safetensors" and its CheckpointInfo in "<id>.json". The JSON is written
// after the bytes and removed before them, so a listed checkpoint always has complete bytes (a
// crash mid-save leaves an unlisted orphan, never a broken entry). createWritable() commits
// atomically on close; a worker without it (older Safari) falls back to a sync access handle.
// Browsers only: Node has no OPFS, so checkpoint-store.test.ts drives this with a small fake.
import { formatBytesIn } from '../../core/format';
import { byAge, checkInfo, checkpointStorageError, notFound, type CheckpointInfo, type CheckpointStore } from './store';

export const CHECKPOINT_DIR = 'checkpoints';

/** The part of FileSystemDirectoryHandle used here (entries() is missing from TypeScript's DOM lib). */
export interface OpfsDirectory {
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileSystemFileHandle>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

/** The store in navigator.storage's OPFS root; throws where the browser has no OPFS. */
export async function openOpfsCheckpointStore(): Promise<OpfsCheckpointStore> {
  const root = await navigator.storage.getDirectory();
  return new OpfsCheckpointStore(
    (await root.getDirectoryHandle(CHECKPOINT_DIR, { create: true })) as unknown as OpfsDirectory,
  );
}

export class OpfsCheckpointStore implements CheckpointStore {
  constructor(private readonly dir: OpfsDirectory) {}

  async list(runId?: string): Promise<CheckpointInfo[]> {
    const out: CheckpointInfo[] = [];
    try {
      for await (const name of this.dir.keys()) {
        if (!name.endsWith('.json')) continue;
        const text = await readText(this.dir, name);
        if (text === null) continue; // deleted since it was listed (another tab's run rotated it out)
        const info = readInfo(text);
        // A damaged info file makes its checkpoint an orphan (unlisted) rather than hiding every other one.
        if (info && (runId === undefined || info.runId === runId)) out.push(info);
      }
    } catch (err) {
      throw await checkpointStorageError(err, 'list checkpoints');
    }
    return out.sort(byAge);
  }

  async save(info: CheckpointInfo, bytes: Uint8Array): Promise<void> {
    checkInfo(info, bytes);
    try {
      await writeFile(this.dir, `${info.id}.safetensors`, bytes);
      await writeFile(this.dir, `${info.id}.json`, new TextEncoder().encode(JSON.stringify(info)));
    } catch (err) {
      await this.dir.removeEntry(`${info.id}.safetensors`).catch(() => undefined); // do not leave a partial file behind
      throw await checkpointStorageError(err, `save checkpoint ${info.id} (${formatBytesIn(info.bytes, 'MB')})`);
    }
  }

  async load(id: string): Promise<Uint8Array> {
    let file: File;
    try {
      await this.dir.getFileHandle(`${id}.json`); // unlisted (an orphan) counts as absent
      file = await (await this.dir.getFileHandle(`${id}.safetensors`)).getFile();
    } catch (err) {
      if ((err as { name?: unknown } | null)?.name === 'NotFoundError') throw notFound(id);
      throw await checkpointStorageError(err, `load checkpoint ${id}`);
    }
    return new Uint8Array(await file.arrayBuffer());
  }

  async delete(id: string): Promise<void> {
    for (const name of [`${id}.json`, `${id}.safetensors`]) {
      try {
        await this.dir.removeEntry(name);
      } catch (err) {
        if ((err as { name?: unknown } | null)?.name !== 'NotFoundError')
          throw await checkpointStorageError(err, `delete checkpoint ${id}`);
      }
    }
  }
}

/** A file's text, or null when it is gone: two tabs share this folder, and one's rotation may delete between keys() and a read. */
async function readText(dir: OpfsDirectory, name: string): Promise<string | null> {
  try {
    return await (await (await dir.getFileHandle(name)).getFile()).text();
  } catch (err) {
    if ((err as { name?: unknown } | null)?.name === 'NotFoundError') return null;
    throw err;
  }
}

function readInfo(text: string): CheckpointInfo | null {
  try {
    const info = JSON.parse(text) as CheckpointInfo;
    checkInfo(info);
    return info;
  } catch {
    return null;
  }
}

interface SyncHandle {
  truncate(n: number): void;
  write(data: Uint8Array, opts: { at: number }): number;
  flush(): void;
  close(): void;
}

async function writeFile(dir: OpfsDirectory, name: string, data: Uint8Array): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  if (typeof handle.createWritable === 'function') {
    const w = await handle.createWritable();
    try {
      await w.write(data as Uint8Array<ArrayBuffer>);
      await w.close(); // the commit: until here the old file (if any) is untouched
    } catch (err) {
      await w.abort().catch(() => undefined);
      throw err;
    }
    return;
  }
  const sync = await (handle as unknown as { createSyncAccessHandle(): Promise<SyncHandle> }).createSyncAccessHandle();
  try {
    sync.truncate(0);
    if (sync.write(data, { at: 0 }) !== data.byteLength) throw new Error(`short write to ${name}`);
    sync.flush();
  } finally {
    sync.close();
  }
}
