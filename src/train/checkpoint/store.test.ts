import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IndexedDbCheckpointStore, openIndexedDbCheckpointStore } from './idb';
import { openCheckpointStore } from './open';
import { OpfsCheckpointStore, type OpfsDirectory } from './opfs';
import {
  checkpointId,
  MemoryCheckpointStore,
  saveWithRotation,
  type CheckpointInfo,
  type CheckpointStore,
} from './store';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

let dbCount = 0;
const freshDb = () => `test-checkpoints-${++dbCount}`;

/** Checkpoint k of a run: createdAt k minutes past the hour, bytes filled with k. */
function ckpt(runId: string, k: number, size = 16): { info: CheckpointInfo; bytes: Uint8Array } {
  const bytes = new Uint8Array(size).fill(k);
  return {
    info: {
      id: checkpointId(runId, 10 * k),
      runId,
      step: 10 * k,
      epoch: k,
      createdAt: `2026-03-01T10:${String(k).padStart(2, '0')}:00.000Z`,
      bytes: size,
    },
    bytes,
  };
}

/**
 * A Map-backed stand-in for an OPFS directory, enough for OpfsCheckpointStore: Node has no OPFS.
 * Errors use the DOMException names browsers use (NotFoundError).
 */
function fakeOpfsDirectory(): { dir: OpfsDirectory; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const notFound = (name: string) => new DOMException(`${name} not found`, 'NotFoundError');
  const dir: OpfsDirectory = {
    async getFileHandle(name, options) {
      if (!files.has(name)) {
        if (!options?.create) throw notFound(name);
        files.set(name, new Uint8Array(0));
      }
      return {
        getFile: async () => new File([files.get(name)!.slice()], name),
        createWritable: async () => {
          let pending = new Uint8Array(0); // committed on close, as OPFS's swap file is
          return {
            write: async (d: Uint8Array) => void (pending = d.slice()),
            close: async () => void files.set(name, pending),
            abort: async () => undefined,
          };
        },
      } as unknown as FileSystemFileHandle;
    },
    async removeEntry(name) {
      if (!files.delete(name)) throw notFound(name);
    },
    keys: () =>
      (async function* () {
        yield* [...files.keys()];
      })(),
  };
  return { dir, files };
}

const stores: Array<[string, () => Promise<CheckpointStore>]> = [
  ['memory', async () => new MemoryCheckpointStore()],
  ['IndexedDB', () => openIndexedDbCheckpointStore(freshDb())],
  ['OPFS (fake directory)', async () => new OpfsCheckpointStore(fakeOpfsDirectory().dir)],
];

describe.each(stores)('%s checkpoint store', (_, open) => {
  it('round-trips bytes and metadata, lists oldest first and by run, deletes', async () => {
    const store = await open();
    const b2 = ckpt('b', 2, 1000);
    for (const c of [ckpt('a', 3), b2, ckpt('a', 1)]) await store.save(c.info, c.bytes);
    expect((await store.list()).map((i) => i.id)).toEqual([ckpt('a', 1).info.id, b2.info.id, ckpt('a', 3).info.id]);
    expect(await store.list('b')).toEqual([b2.info]);
    expect(await store.load(b2.info.id)).toEqual(b2.bytes);
    await store.delete(b2.info.id);
    await store.delete(b2.info.id); // deleting what is gone is fine
    expect(await store.list('b')).toEqual([]);
    await expect(store.load(b2.info.id)).rejects.toThrow(`no checkpoint with id ${b2.info.id}`);
  });

  it('rotation: the 4th checkpoint of a run deletes its 1st, and only that; other runs are untouched', async () => {
    const store = await open();
    for (const k of [1, 2]) await store.save(ckpt('other', k).info, ckpt('other', k).bytes);
    const deleted: CheckpointInfo[][] = [];
    for (const k of [1, 2, 3, 4]) deleted.push(await saveWithRotation(store, ckpt('a', k).info, ckpt('a', k).bytes, 3));
    expect(deleted.map((d) => d.map((i) => i.id))).toEqual([[], [], [], [ckpt('a', 1).info.id]]);
    expect((await store.list('a')).map((i) => i.epoch)).toEqual([2, 3, 4]);
    expect((await store.list('other')).map((i) => i.epoch)).toEqual([1, 2]);
    await expect(store.load(ckpt('a', 1).info.id)).rejects.toThrow(/no checkpoint/);
    expect(await store.load(ckpt('a', 4).info.id)).toEqual(ckpt('a', 4).bytes);
    // The default keeps 3 as well; keepLast 1 leaves only the newest.
    await saveWithRotation(store, ckpt('a', 5).info, ckpt('a', 5).bytes);
    expect((await store.list('a')).map((i) => i.epoch)).toEqual([3, 4, 5]);
    await saveWithRotation(store, ckpt('a', 6).info, ckpt('a', 6).bytes, 1);
    expect((await store.list('a')).map((i) => i.epoch)).toEqual([6]);
  });
});

describe('saveWithRotation', () => {
  it('deletes nothing when the save fails, and checks its arguments', async () => {
    const store = new MemoryCheckpointStore();
    for (const k of [1, 2, 3]) await saveWithRotation(store, ckpt('a', k).info, ckpt('a', k).bytes);
    vi.spyOn(store, 'save').mockRejectedValue(new Error('storage is full: could not save checkpoint'));
    await expect(saveWithRotation(store, ckpt('a', 4).info, ckpt('a', 4).bytes)).rejects.toThrow(/storage is full/);
    expect((await store.list('a')).map((i) => i.epoch)).toEqual([1, 2, 3]);
    const c = ckpt('a', 5);
    await expect(saveWithRotation(store, c.info, c.bytes, 0)).rejects.toThrow('keepLast must be an integer ≥ 1, got 0');
    await expect(saveWithRotation(store, { ...c.info, bytes: 3 }, c.bytes)).rejects.toThrow(
      'checkpoint info says 3 bytes, but 16 were given',
    );
    await expect(saveWithRotation(store, { ...c.info, id: '../x' }, c.bytes)).rejects.toThrow(/id must be 1–200 of/);
  });
});

describe('IndexedDB checkpoint store', () => {
  it('a full disk surfaces as "storage is full" with usage and quota; nothing half-saved is listed', async () => {
    const store = await openIndexedDbCheckpointStore(freshDb());
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 12e6, quota: 50e6 }) } });
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const c = ckpt('a', 1, 2_000_000);
    await expect(store.save(c.info, c.bytes)).rejects.toThrow(
      `storage is full: could not save checkpoint ${c.info.id} (2.0 MB). This site uses 12.0 MB of its 50.0 MB quota. Delete older checkpoints or runs to free space.`,
    );
    vi.restoreAllMocks();
    expect(await store.list()).toEqual([]);
    store.close();
  });

  it('data survives reopening the database', async () => {
    const name = freshDb();
    const first = await openIndexedDbCheckpointStore(name);
    await first.save(ckpt('a', 1).info, ckpt('a', 1).bytes);
    first.close();
    const again = await openIndexedDbCheckpointStore(name);
    expect(await again.load(ckpt('a', 1).info.id)).toEqual(ckpt('a', 1).bytes);
    again.close();
  });
});

describe('OPFS checkpoint store', () => {
  it('writes bytes then an info file; bytes without info (a crash mid-save) are not listed', async () => {
    const { dir, files } = fakeOpfsDirectory();
    const store = new OpfsCheckpointStore(dir);
    const c = ckpt('a', 1);
    await store.save(c.info, c.bytes);
    expect([...files.keys()].sort()).toEqual([`${c.info.id}.json`, `${c.info.id}.safetensors`]);
    files.set('orphan.step-00000001.safetensors', new Uint8Array(4));
    files.set('broken.step-00000001.json', new TextEncoder().encode('{"id": "broken.st')); // a damaged info file
    expect((await store.list()).map((i) => i.id)).toEqual([c.info.id]);
    await expect(store.load('orphan.step-00000001')).rejects.toThrow('no checkpoint with id orphan.step-00000001');
  });
});

describe('OPFS checkpoint store shared by two tabs', () => {
  it("a checkpoint another tab's rotation deletes while this tab lists is skipped, not a failed list (or save)", async () => {
    const { dir, files } = fakeOpfsDirectory();
    const mine = new OpfsCheckpointStore(dir);
    const theirs = new OpfsCheckpointStore(dir);
    for (const k of [1, 2]) await theirs.save(ckpt('their-run', k).info, ckpt('their-run', k).bytes);
    for (const k of [1, 2, 3]) await mine.save(ckpt('my-run', k).info, ckpt('my-run', k).bytes);
    // The other tab deletes its epoch-1 checkpoint just after this tab's listing saw its name.
    const doomed = `${ckpt('their-run', 1).info.id}.json`;
    const racing: OpfsDirectory = {
      ...dir,
      getFileHandle: async (name, options) => {
        if (name === doomed && files.has(doomed)) await theirs.delete(ckpt('their-run', 1).info.id);
        return dir.getFileHandle(name, options);
      },
    };
    const racy = new OpfsCheckpointStore(racing);
    const listed = (await racy.list()).map((i) => `${i.runId}@${i.epoch}`);
    expect(listed.sort()).toEqual(['my-run@1', 'my-run@2', 'my-run@3', 'their-run@2']);
    // Rotation in this tab deletes only its own run's oldest, never the other run's.
    await saveWithRotation(racy, ckpt('my-run', 4).info, ckpt('my-run', 4).bytes, 3);
    expect((await mine.list('my-run')).map((i) => i.epoch)).toEqual([2, 3, 4]);
    expect((await mine.list('their-run')).map((i) => i.epoch)).toEqual([2]);
  });
});

describe('openCheckpointStore', () => {
  it('uses OPFS when the browser has it, else IndexedDB (also when OPFS refuses)', async () => {
    const { dir } = fakeOpfsDirectory();
    vi.stubGlobal('navigator', {
      storage: {
        getDirectory: async () => ({ getDirectoryHandle: async (n: string) => (n === 'checkpoints' ? dir : null) }),
      },
    });
    expect(await openCheckpointStore()).toBeInstanceOf(OpfsCheckpointStore);
    vi.stubGlobal('navigator', {
      storage: { getDirectory: async () => Promise.reject(new DOMException('denied', 'SecurityError')) },
    });
    const idb = await openCheckpointStore();
    expect(idb).toBeInstanceOf(IndexedDbCheckpointStore);
    (idb as IndexedDbCheckpointStore).close();
    vi.stubGlobal('navigator', {});
    const plain = await openCheckpointStore();
    expect(plain).toBeInstanceOf(IndexedDbCheckpointStore);
    (plain as IndexedDbCheckpointStore).close();
  });
});
