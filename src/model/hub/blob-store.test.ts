// One contract for the three byte stores. OPFS and Cache Storage do not exist in Node, so they run
// over minimal fakes of the browser calls the stores make (the semantics they rely on: a writable
// commits on close, removeEntry recursive, Cache keys are Requests).
import { describe, expect, it } from 'vitest';
import {
  CacheStorageBlobStore,
  MemoryBlobStore,
  OpfsBlobStore,
  openBrowserBlobStore,
  type BlobStore,
} from './blob-store';

class FakeFile {
  constructor(public bytes = new Uint8Array()) {}
  async getFile() {
    return new Blob([this.bytes]);
  }
  async createWritable() {
    let pending = new Uint8Array();
    return {
      write: async (b: Uint8Array) => void (pending = b.slice()),
      close: async () => void (this.bytes = pending), // OPFS: the file changes on close only
      abort: async () => undefined,
    };
  }
  readonly kind = 'file';
}

class FakeDir {
  readonly kind = 'directory';
  children = new Map<string, FakeDir | FakeFile>();
  private notFound = () => new DOMException('not found', 'NotFoundError');
  async getDirectoryHandle(name: string, o?: { create?: boolean }) {
    const c = this.children.get(name);
    if (c instanceof FakeDir) return c;
    if (c) throw new DOMException('a file', 'TypeMismatchError');
    if (!o?.create) throw this.notFound();
    const d = new FakeDir();
    this.children.set(name, d);
    return d;
  }
  async getFileHandle(name: string, o?: { create?: boolean }) {
    const c = this.children.get(name);
    if (c instanceof FakeFile) return c;
    if (c) throw new DOMException('a folder', 'TypeMismatchError');
    if (!o?.create) throw this.notFound();
    const f = new FakeFile();
    this.children.set(name, f);
    return f;
  }
  async removeEntry(name: string) {
    if (!this.children.delete(name)) throw this.notFound();
  }
  async *entries() {
    yield* this.children.entries();
  }
}

class FakeCache {
  private m = new Map<string, Response>();
  async put(url: string, r: Response) {
    this.m.set(new Request(url).url, r);
  }
  async match(req: string | Request) {
    const r = this.m.get(typeof req === 'string' ? new Request(req).url : req.url);
    return r?.clone();
  }
  async keys() {
    return [...this.m.keys()].map((u) => new Request(u));
  }
  async delete(url: string) {
    return this.m.delete(new Request(url).url);
  }
}

const stores: [string, () => BlobStore][] = [
  ['memory', () => new MemoryBlobStore()],
  ['opfs', () => new OpfsBlobStore(new FakeDir() as never)],
  ['cache-storage', () => new CacheStorageBlobStore(new FakeCache() as unknown as Cache)],
];

describe.each(stores)('%s blob store', (_name, make) => {
  const bytes = (n: number, v = 7) => new Uint8Array(n).fill(v);

  it('puts, gets, lists by folder with sizes, and deletes blobs and folders', async () => {
    const s = make();
    const repo = encodeURIComponent('owner/name');
    await s.put(`models/${repo}/abc/files/model.safetensors/e1/c000001`, bytes(5, 2));
    await s.put(`models/${repo}/abc/files/model.safetensors/e1/c000000`, bytes(3, 1));
    await s.put(`models/${repo}/abc/manifest.json`, bytes(2));
    await s.put(`models/other/x`, bytes(1));
    expect(await s.get(`models/${repo}/abc/files/model.safetensors/e1/c000001`)).toEqual(bytes(5, 2));
    expect(await s.get(`models/${repo}/nope`)).toBeUndefined();
    expect(await s.list(`models/${repo}/abc/files`)).toEqual([
      { key: `models/${repo}/abc/files/model.safetensors/e1/c000000`, size: 3 },
      { key: `models/${repo}/abc/files/model.safetensors/e1/c000001`, size: 5 },
    ]);
    expect(await s.list('models/nothing-here')).toEqual([]);
    await s.put(`models/${repo}/abc/manifest.json`, bytes(4)); // overwrite
    expect((await s.get(`models/${repo}/abc/manifest.json`))!.byteLength).toBe(4);
    await s.delete(`models/${repo}/abc/files`);
    expect((await s.list('models')).map((b) => b.key)).toEqual(['models/other/x', `models/${repo}/abc/manifest.json`]);
    await s.delete(`models/${repo}/abc/manifest.json`);
    await s.delete('models/not-there');
    expect((await s.list('models')).map((b) => b.key)).toEqual(['models/other/x']);
  });

  it('keeps its own copy of what was put', async () => {
    const s = make();
    const b = bytes(4, 1);
    await s.put('k/a', b);
    b.fill(9);
    expect(await s.get('k/a')).toEqual(bytes(4, 1));
  });
});

describe('openBrowserBlobStore', () => {
  it('falls back to memory where neither OPFS nor Cache Storage exists (Node)', async () => {
    expect((await openBrowserBlobStore()).kind).toBe('memory');
  });

  it('a memory store with a quota throws QuotaExceededError and keeps what it had', async () => {
    const s = new MemoryBlobStore(10);
    await s.put('a', new Uint8Array(6));
    await expect(s.put('b', new Uint8Array(6))).rejects.toMatchObject({ name: 'QuotaExceededError' });
    expect((await s.list('')).map((b) => b.key)).toEqual(['a']);
  });
});
