// The byte store under the model cache: immutable blobs under '/'-separated keys, listed by folder.
// Three implementations with one interface: the Origin Private File System (a folder per key
// segment), Cache Storage (one Response per key) where OPFS cannot write, and memory for tests and
// as a last resort. Blobs are written whole and never appended to — the cache splits files into
// chunks instead — because an OPFS writable copies the file it appends to (quadratic for a
// growing download) and Cache Storage cannot append at all.

export interface StoredBlob {
  key: string;
  size: number;
}

export interface BlobStore {
  readonly kind: 'opfs' | 'cache-storage' | 'memory';
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every blob under a folder (recursively), sorted by key. */
  list(folder: string): Promise<StoredBlob[]>;
  /** A blob, or a whole folder. */
  delete(keyOrFolder: string): Promise<void>;
}

const segments = (key: string) => key.split('/').filter(Boolean);
const under = (key: string, folder: string) => folder === '' || key === folder || key.startsWith(`${folder}/`);

/** In memory; `quotaBytes` makes a put that would exceed it throw QuotaExceededError, as a full browser store does. */
export class MemoryBlobStore implements BlobStore {
  readonly kind = 'memory';
  readonly blobs = new Map<string, Uint8Array>();
  constructor(public quotaBytes = Infinity) {}

  used(): number {
    let n = 0;
    for (const b of this.blobs.values()) n += b.byteLength;
    return n;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const old = this.blobs.get(key)?.byteLength ?? 0;
    if (this.used() - old + bytes.byteLength > this.quotaBytes)
      throw new DOMException(`quota of ${this.quotaBytes} bytes exceeded`, 'QuotaExceededError');
    this.blobs.set(key, bytes.slice()); // a copy: the caller may reuse its buffer
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.blobs.get(key)?.slice();
  }

  async list(folder: string): Promise<StoredBlob[]> {
    return [...this.blobs]
      .filter(([k]) => under(k, folder))
      .map(([key, b]) => ({ key, size: b.byteLength }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keyOrFolder: string): Promise<void> {
    for (const k of [...this.blobs.keys()]) if (under(k, keyOrFolder)) this.blobs.delete(k);
  }
}

// The OPFS calls used, typed locally (TypeScript's DOM lib lacks the async iterators).
interface Dir {
  getDirectoryHandle(name: string, o?: { create?: boolean }): Promise<Dir>;
  getFileHandle(name: string, o?: { create?: boolean }): Promise<FileH>;
  removeEntry(name: string, o?: { recursive?: boolean }): Promise<void>;
  entries(): AsyncIterable<[string, { kind: 'file' | 'directory' }]>;
}
interface FileH {
  getFile(): Promise<Blob>;
  createWritable(): Promise<{ write(b: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> }>;
}

const isNotFound = (e: unknown) => (e as { name?: string } | null)?.name === 'NotFoundError';

/** The Origin Private File System under one folder of its root. */
export class OpfsBlobStore implements BlobStore {
  readonly kind = 'opfs';
  constructor(private readonly root: Dir) {}

  /** The store, or null when this browser's OPFS cannot write files from here (e.g. Safari's main thread). */
  static async open(folder: string): Promise<OpfsBlobStore | null> {
    const storage = globalThis.navigator?.storage as { getDirectory?: () => Promise<unknown> } | undefined;
    if (typeof storage?.getDirectory !== 'function') return null;
    const fsh = (globalThis as { FileSystemFileHandle?: { prototype: object } }).FileSystemFileHandle;
    if (!fsh || typeof (fsh.prototype as { createWritable?: unknown }).createWritable !== 'function') return null;
    try {
      const root = (await storage.getDirectory()) as Dir;
      return new OpfsBlobStore(await root.getDirectoryHandle(folder, { create: true }));
    } catch {
      return null; // private browsing modes may refuse OPFS
    }
  }

  private async dir(parts: string[], create: boolean): Promise<Dir | undefined> {
    let d = this.root;
    try {
      for (const p of parts) d = await d.getDirectoryHandle(p, { create });
    } catch (e) {
      if (isNotFound(e) || (e as { name?: string }).name === 'TypeMismatchError') return undefined;
      throw e;
    }
    return d;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const parts = segments(key);
    const d = (await this.dir(parts.slice(0, -1), true))!;
    const w = await (await d.getFileHandle(parts[parts.length - 1], { create: true })).createWritable();
    try {
      await w.write(bytes);
      await w.close(); // the file changes only here, atomically: a reload mid-write leaves the old one
    } catch (e) {
      await w.abort().catch(() => undefined);
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const parts = segments(key);
    const d = await this.dir(parts.slice(0, -1), false);
    if (!d) return undefined;
    try {
      const f = await (await d.getFileHandle(parts[parts.length - 1])).getFile();
      return new Uint8Array(await f.arrayBuffer());
    } catch (e) {
      if (isNotFound(e) || (e as { name?: string }).name === 'TypeMismatchError') return undefined;
      throw e;
    }
  }

  async list(folder: string): Promise<StoredBlob[]> {
    const out: StoredBlob[] = [];
    const walk = async (d: Dir, prefix: string[]) => {
      for await (const [name, h] of d.entries()) {
        const key = [...prefix, name];
        if (h.kind === 'directory') await walk(h as unknown as Dir, key);
        else out.push({ key: key.join('/'), size: (await (h as unknown as FileH).getFile()).size });
      }
    };
    const parts = segments(folder);
    const d = await this.dir(parts, false);
    if (d) await walk(d, parts);
    else if (parts.length) {
      // folder may name a file
      const b = await this.get(folder);
      if (b) out.push({ key: parts.join('/'), size: b.byteLength });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keyOrFolder: string): Promise<void> {
    const parts = segments(keyOrFolder);
    if (!parts.length) return;
    const d = await this.dir(parts.slice(0, -1), false);
    try {
      await d?.removeEntry(parts[parts.length - 1], { recursive: true });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

/** Cache Storage: one Response per key under a fake origin (cache keys must be http(s) URLs). */
export class CacheStorageBlobStore implements BlobStore {
  readonly kind = 'cache-storage';
  private static readonly ORIGIN = 'https://model-cache.invalid/';
  constructor(private readonly cache: Cache) {}

  static async open(name: string): Promise<CacheStorageBlobStore | null> {
    const cs = (globalThis as { caches?: CacheStorage }).caches;
    if (!cs) return null;
    try {
      return new CacheStorageBlobStore(await cs.open(name));
    } catch {
      return null;
    }
  }

  private url = (key: string) => CacheStorageBlobStore.ORIGIN + segments(key).join('/');

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const headers = { 'content-type': 'application/octet-stream', 'x-size': String(bytes.byteLength) };
    await this.cache.put(this.url(key), new Response(bytes.slice(), { headers }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const r = await this.cache.match(this.url(key));
    return r ? new Uint8Array(await r.arrayBuffer()) : undefined;
  }

  async list(folder: string): Promise<StoredBlob[]> {
    const prefix = segments(folder).join('/');
    const out: StoredBlob[] = [];
    for (const req of await this.cache.keys()) {
      const key = req.url.slice(CacheStorageBlobStore.ORIGIN.length);
      if (!under(key, prefix)) continue;
      const r = await this.cache.match(req);
      out.push({ key, size: Number(r?.headers.get('x-size') ?? 0) });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keyOrFolder: string): Promise<void> {
    for (const b of await this.list(keyOrFolder)) await this.cache.delete(this.url(b.key));
  }
}

/** The browser's best store: OPFS, else Cache Storage, else memory (nothing survives a reload then). */
export async function openBrowserBlobStore(name = 'hub-models'): Promise<BlobStore> {
  return (await OpfsBlobStore.open(name)) ?? (await CacheStorageBlobStore.open(name)) ?? new MemoryBlobStore();
}
