// The browser's copy of Hub models, keyed by repo + commit + path + etag, so a file is fetched once
// per content and a second load makes no request at all (offline included). Each file is stored as
// numbered chunks plus a `complete` marker written last: a download cut at any point leaves whole
// chunks that a Range request continues from. A named revision ('main') maps to the commit it
// resolved to when its download last finished. Layout under the store:
//   models/{repo}/refs.json                                   {revision: commit}
//   models/{repo}/{commit}/manifest.json                      CachedManifest
//   models/{repo}/{commit}/files/{path}/{etag}/c000000 …      chunks, in order
//   models/{repo}/{commit}/files/{path}/{etag}/complete       {"size": n}, written after verification
import { errorMessage } from '../../core/errors';
import { isQuotaError, usageText } from '../../core/storage-quota';
import type { ModelFile } from '../io/model-files';
import { openBrowserBlobStore, type BlobStore } from './blob-store';
import { checkRepoId, isCommitSha, revisionOf, type HubModelRef } from './hub-client';
import type { HubFile, HubModelPlan } from './plan';

export interface CachedManifest {
  repo: string;
  commit: string;
  endpoint: string;
  files: Pick<HubFile, 'path' | 'size' | 'etag' | 'role'>[];
  parameterCount: number;
  savedAt: string; // ISO time of the download's start
}

export interface CachedModel {
  repo: string;
  commit: string;
  revisions: string[]; // named revisions that point at this commit
  files: { path: string; size: number; cachedBytes: number; complete: boolean }[];
  totalBytes: number; // the model's size when complete
  cachedBytes: number; // what the cache holds (partial files included)
  complete: boolean;
  parameterCount: number;
  savedAt: string;
}

export interface CacheFileKey {
  repo: string;
  commit: string;
  path: string;
  etag: string;
}

const enc = encodeURIComponent;
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const parse = <T>(b: Uint8Array | undefined): T | undefined =>
  b === undefined ? undefined : (JSON.parse(new TextDecoder().decode(b)) as T);
const CHUNK = /\/c(\d{6})$/;

/** The error a full store raises, in the studio's words; the partial download stays. */
async function explainStorage(err: unknown, what: string): Promise<Error> {
  if (isQuotaError(err))
    return new Error(
      `browser storage is full: could not ${what}. ${await usageText()} What was downloaded so far is kept (the download resumes from it); delete cached models you no longer need to free space.`,
      { cause: err },
    );
  return new Error(`could not ${what}: ${errorMessage(err)}`, { cause: err });
}

export class ModelCache {
  constructor(readonly store: BlobStore) {}

  private repoDir = (repo: string) => `models/${enc(repo)}`;
  private commitDir = (repo: string, commit: string) => `${this.repoDir(repo)}/${enc(commit)}`;
  private fileDir = (k: CacheFileKey) => `${this.commitDir(k.repo, k.commit)}/files/${enc(k.path)}/${enc(k.etag)}`;

  private async write(key: string, bytes: Uint8Array, what: string): Promise<void> {
    try {
      await this.store.put(key, bytes);
    } catch (e) {
      throw await explainStorage(e, what);
    }
  }

  /** The chunks a file has, in order, and whether it is complete (with its verified size). */
  async fileState(
    k: CacheFileKey,
  ): Promise<{ chunks: { key: string; size: number }[]; bytes: number; complete: boolean }> {
    const blobs = await this.store.list(this.fileDir(k));
    const chunks = blobs.filter((b) => CHUNK.test(b.key));
    const complete = blobs.some((b) => b.key.endsWith('/complete'));
    return { chunks, bytes: chunks.reduce((a, c) => a + c.size, 0), complete };
  }

  /** Appends one chunk (the next in order) to a file's cached bytes. */
  async appendChunk(k: CacheFileKey, index: number, bytes: Uint8Array): Promise<void> {
    const key = `${this.fileDir(k)}/c${String(index).padStart(6, '0')}`;
    await this.write(key, bytes, `cache ${k.path} of ${k.repo}`);
  }

  async markComplete(k: CacheFileKey, size: number): Promise<void> {
    await this.write(`${this.fileDir(k)}/complete`, json({ size }), `cache ${k.path} of ${k.repo}`);
  }

  /** Copies a file's cached chunks into `target` from offset 0; returns how many bytes were copied. */
  async readInto(k: CacheFileKey, target: Uint8Array): Promise<number> {
    let at = 0;
    for (const c of (await this.fileState(k)).chunks) {
      const b = await this.store.get(c.key);
      if (!b || at + b.byteLength > target.byteLength)
        throw new Error(
          `the cached copy of ${k.path} (${k.repo}) is damaged; delete the model from the cache and download it again`,
        );
      target.set(b, at);
      at += b.byteLength;
    }
    return at;
  }

  async discard(k: CacheFileKey): Promise<void> {
    await this.store.delete(this.fileDir(k));
  }

  async saveManifest(plan: HubModelPlan, savedAt = new Date().toISOString()): Promise<void> {
    const m: CachedManifest = {
      repo: plan.repo,
      commit: plan.commit,
      endpoint: plan.endpoint,
      files: plan.files.map(({ path, size, etag, role }) => ({ path, size, etag, role })),
      parameterCount: plan.parameterCount,
      savedAt,
    };
    await this.write(`${this.commitDir(plan.repo, plan.commit)}/manifest.json`, json(m), `record ${plan.repo}`);
  }

  async manifest(repo: string, commit: string): Promise<CachedManifest | undefined> {
    return parse<CachedManifest>(await this.store.get(`${this.commitDir(repo, commit)}/manifest.json`));
  }

  private async refs(repo: string): Promise<Record<string, string>> {
    return parse<Record<string, string>>(await this.store.get(`${this.repoDir(repo)}/refs.json`)) ?? {};
  }

  /** Points a named revision at a commit (once its download finished). */
  async saveRef(repo: string, revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const refs = { ...(await this.refs(repo)), [revision]: commit };
    await this.write(`${this.repoDir(repo)}/refs.json`, json(refs), `record ${repo}@${revision}`);
  }

  /** The commit a revision means offline: a sha is itself; a name is what it resolved to last time. */
  async resolveRevision(repo: string, revision: string): Promise<string | undefined> {
    if (isCommitSha(revision)) return revision;
    return (await this.refs(repo))[revision];
  }

  async listCachedModels(): Promise<CachedModel[]> {
    const blobs = await this.store.list('models');
    const manifests = blobs.filter((b) => b.key.endsWith('/manifest.json'));
    const out: CachedModel[] = [];
    for (const mb of manifests) {
      const m = parse<CachedManifest>(await this.store.get(mb.key));
      if (!m) continue;
      const refs = await this.refs(m.repo);
      const files = m.files.map((f) => {
        const dir = this.fileDir({ repo: m.repo, commit: m.commit, path: f.path, etag: f.etag });
        const mine = blobs.filter((b) => b.key.startsWith(`${dir}/`));
        const cachedBytes = mine.filter((b) => CHUNK.test(b.key)).reduce((a, b) => a + b.size, 0);
        return { path: f.path, size: f.size, cachedBytes, complete: mine.some((b) => b.key.endsWith('/complete')) };
      });
      out.push({
        repo: m.repo,
        commit: m.commit,
        revisions: Object.entries(refs)
          .filter(([, c]) => c === m.commit)
          .map(([r]) => r),
        files,
        totalBytes: files.reduce((a, f) => a + f.size, 0),
        cachedBytes: files.reduce((a, f) => a + f.cachedBytes, 0),
        complete: files.every((f) => f.complete),
        parameterCount: m.parameterCount,
        savedAt: m.savedAt,
      });
    }
    return out.sort((a, b) => (a.repo === b.repo ? (a.savedAt < b.savedAt ? 1 : -1) : a.repo < b.repo ? -1 : 1));
  }

  /** Deletes one cached commit of a repo (a revision name or a sha), and the names that pointed at it. */
  async deleteCachedModel(repo: string, revision: string): Promise<void> {
    const commit = await this.resolveRevision(repo, revision);
    if (!commit) throw new Error(`${repo}@${revision} is not in the model cache`);
    await this.store.delete(this.commitDir(repo, commit));
    const refs = await this.refs(repo);
    const kept = Object.fromEntries(Object.entries(refs).filter(([, c]) => c !== commit));
    if (Object.keys(kept).length) await this.write(`${this.repoDir(repo)}/refs.json`, json(kept), `record ${repo}`);
    else await this.store.delete(`${this.repoDir(repo)}/refs.json`);
  }
}

/** A model's files from the cache alone: no request is made, so it works offline. */
export async function loadCachedModel(ref: HubModelRef, cache: ModelCache): Promise<ModelFile[]> {
  ref = { repo: checkRepoId(ref.repo), revision: revisionOf(ref) };
  const revision = revisionOf(ref);
  const commit = await cache.resolveRevision(ref.repo, revision);
  const m = commit ? await cache.manifest(ref.repo, commit) : undefined;
  if (!commit || !m) throw new Error(`${ref.repo}@${revision} is not in the browser's model cache; download it first`);
  const out: ModelFile[] = [];
  for (const f of m.files) {
    const k = { repo: m.repo, commit, path: f.path, etag: f.etag };
    const state = await cache.fileState(k);
    if (!state.complete)
      throw new Error(
        `${ref.repo}@${revision}: ${f.path} is only partly cached (${state.bytes} of ${f.size} bytes); download the model again to finish it`,
      );
    const bytes = new Uint8Array(f.size);
    const n = await cache.readInto(k, bytes);
    if (n !== f.size)
      throw new Error(
        `the cached copy of ${f.path} (${ref.repo}) has ${n} of ${f.size} bytes; delete it and download again`,
      );
    out.push({ name: f.path, bytes });
  }
  return out;
}

/** The cache in this browser (OPFS, else Cache Storage); ask `navigator.storage.persist()` separately. */
export async function openModelCache(): Promise<ModelCache> {
  return new ModelCache(await openBrowserBlobStore());
}
