import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../model/config';
import type { ModelFile } from '../model/io/model-files';
import type { HubAccess, HubCachedModel, HubDownloadProgress, HubEngine, HubModelRef, HubPlan } from './hub-engine';
import { HubModels, initialHubModelsState, localPending, type HubModelsState } from './hub-models';
import { ModelSession } from './model-session';

const TOKEN = 'hf_secretTOKEN_4242';
const COMMIT = 'a'.repeat(40);
const FILES: ModelFile[] = [
  { name: 'config.json', bytes: new TextEncoder().encode('{"architectures":["LlamaForCausalLM"]}') },
  { name: 'model.safetensors', bytes: new Uint8Array(64).fill(7) },
];

function planOf(ref: HubModelRef): HubPlan {
  return {
    repo: ref.repo,
    revision: ref.revision,
    commit: COMMIT,
    files: FILES.map((f) => ({ path: f.name, size: f.bytes.byteLength })),
    downloadBytes: FILES.reduce((a, f) => a + f.bytes.byteLength, 0),
    parameterCount: 16,
    dtypes: { BF16: { tensors: 1, parameters: 16 } },
    config: { ...PRESETS.tiny.model, vocabSize: 512 },
    tokenizerFiles: ['tokenizer.json'],
    sharded: false,
    gated: ref.repo === 'acme/gated',
    notes: [],
  };
}

/** An engine over a map "cache": acme/gated wants TOKEN (and echoes a wrong one, as a careless server might). */
function fakeEngine(opts: { hang?: boolean } = {}) {
  const cache = new Map<string, ModelFile[]>();
  const calls: { plan: [HubModelRef, HubAccess][]; download: HubAccess[] } = { plan: [], download: [] };
  const engine: HubEngine = {
    async plan(ref, access) {
      calls.plan.push([ref, access]);
      if (ref.repo === 'acme/missing') throw new Error('no model "acme/missing" on the Hub: check the model id');
      if (ref.repo === 'acme/gated' && access.accessToken !== TOKEN)
        throw new Error(`acme/gated: the access token ${access.accessToken ?? '(none)'} was refused (401)`);
      return planOf(ref);
    },
    async download(plan, { access, signal, onProgress }) {
      calls.download.push(access);
      const progress = (bytes: number): HubDownloadProgress => ({
        file: 'model.safetensors',
        bytes,
        total: plan.downloadBytes,
        fetched: bytes,
        bytesPerSecond: 1e6,
        etaSeconds: 0,
        files: plan.files.map((f) => ({ path: f.path, size: f.size, bytes: 0, state: 'downloading' })),
      });
      onProgress?.(progress(10));
      if (opts.hang)
        await new Promise((_, reject) =>
          signal?.addEventListener('abort', () => reject(new DOMException('cancelled', 'AbortError'))),
        );
      onProgress?.(progress(plan.downloadBytes));
      cache.set(`${plan.repo}@${plan.commit}`, FILES);
      return FILES;
    },
    async listCached(): Promise<HubCachedModel[]> {
      return [...cache.keys()].map((k) => {
        const [repo, commit] = k.split('@');
        return {
          repo,
          commit,
          revisions: ['main'],
          totalBytes: 100,
          cachedBytes: 100,
          complete: true,
          parameterCount: 16,
          savedAt: '',
        };
      });
    },
    async deleteCached(repo, commit) {
      cache.delete(`${repo}@${commit}`);
    },
    async loadCached(ref) {
      const files = cache.get(`${ref.repo}@${ref.revision}`);
      if (!files) throw new Error(`${ref.repo} is not in the model cache`);
      return files;
    },
  };
  return { engine, cache, calls };
}

/** A localStorage stand-in whose whole content can be read back. */
class MemoryStorage implements Storage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  dump() {
    return JSON.stringify([...this.m]);
  }
}

/** Every record of every IndexedDB database, as text (bytes as their decimal values). */
async function dumpIndexedDb(): Promise<string> {
  const out: string[] = [];
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(name!);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    for (const store of db.objectStoreNames) {
      const all = await new Promise<unknown[]>((res, rej) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      out.push(JSON.stringify(all, (_k, v: unknown) => (v instanceof Uint8Array ? [...v].join(',') : v)));
    }
    db.close();
  }
  return out.join('\n');
}

function setup(opts: { hang?: boolean } = {}) {
  const fake = fakeEngine(opts);
  const storage = new MemoryStorage();
  const models = new ModelSession(
    () => {},
    (ref) => fake.engine.loadCached({ repo: ref.repo, revision: ref.commit }),
  );
  let state: HubModelsState = { ...initialHubModelsState };
  const changes: string[] = [];
  let persistAsked = 0;
  const hub = new HubModels(
    {
      engine: fake.engine,
      models,
      pending: localPending(storage),
      persist: async () => (persistAsked++, true),
      onChange: (c) => {
        changes.push(JSON.stringify(c));
        state = { ...state, ...c };
      },
    },
    'http://hub.test',
  );
  return { ...fake, storage, models, hub, changes, state: () => state, persistAsked: () => persistAsked };
}

describe('HubModels', () => {
  it('plans, downloads, and makes the model the base, stored as a reference to the cache', async () => {
    const t = setup();
    await t.hub.init();
    expect(await t.hub.planModel({ repo: ' acme/tiny ', revision: '' })).not.toBeNull();
    expect(t.calls.plan[0]).toEqual([{ repo: 'acme/tiny', revision: 'main' }, { endpoint: 'http://hub.test' }]);
    expect(t.state()).toMatchObject({ phase: 'planned', error: null });
    await t.hub.download();
    expect(t.state()).toMatchObject({ phase: 'planned', pending: null, error: null, persisted: true });
    expect(t.state().progress?.bytes).toBe(t.state().plan?.downloadBytes);
    expect(t.state().cached.map((m) => m.repo)).toEqual(['acme/tiny']);
    expect(t.persistAsked()).toBe(1);
    expect(t.models.base?.hub).toEqual({ repo: 'acme/tiny', revision: 'main', commit: COMMIT });
    expect(t.models.base?.files.map((f) => f.name)).toEqual(['config.json', 'model.safetensors']);
    // A reload: the stored record names the model; its files come from the cache, with no download.
    const reloaded = new ModelSession(
      () => {},
      (ref) => t.engine.loadCached({ repo: ref.repo, revision: ref.commit }),
    );
    await reloaded.load();
    expect(reloaded.base?.hub?.commit).toBe(COMMIT);
    expect(reloaded.base?.files).toEqual(FILES);
    expect(t.calls.download).toHaveLength(1);
    // The weights were not copied into IndexedDB: the record holds no file bytes.
    expect(await dumpIndexedDb()).not.toContain('7,7,7,7');
  });

  it('keeps the access token in memory only: not in storage, not in reported state, not in errors', async () => {
    const t = setup();
    t.hub.setToken('hf_wrong_but_secret_99');
    await t.hub.planModel({ repo: 'acme/gated', revision: 'main' });
    expect(t.state().error).toContain('was refused (401)');
    expect(t.state().error).not.toContain('hf_wrong_but_secret_99');
    t.hub.setToken(` ${TOKEN} `);
    await t.hub.planModel({ repo: 'acme/gated', revision: 'main' });
    await t.hub.download();
    expect(t.calls.download[0].accessToken).toBe(TOKEN); // it was used…
    expect(t.models.base?.hub?.repo).toBe('acme/gated');
    // …and is nowhere else.
    expect(t.storage.dump()).not.toContain('secret');
    expect(await dumpIndexedDb()).not.toContain('secret');
    expect(t.changes.join('\n')).not.toContain('secret');
  });

  it('remembers a download until it finishes; cancel keeps the offer, continue resumes that commit', async () => {
    const t = setup({ hang: true });
    await t.hub.planModel({ repo: 'acme/tiny', revision: 'main' });
    const running = t.hub.download();
    await new Promise((r) => setTimeout(r, 0));
    expect(t.state().phase).toBe('downloading');
    const remembered = JSON.parse(t.storage.getItem('training-studio/hub-download')!);
    expect(Object.keys(remembered).sort()).toEqual(['commit', 'endpoint', 'repo', 'revision', 'startedAt']);
    expect(remembered).toMatchObject({ repo: 'acme/tiny', revision: 'main', commit: COMMIT });
    t.hub.cancel();
    await running;
    expect(t.state()).toMatchObject({ phase: 'planned', error: null });
    expect(t.state().notice).toContain('cancelled');
    expect(t.models.base).toBeNull();

    // A new page: the offer is read back, and continuing plans exactly the remembered commit.
    const next = setup();
    next.storage.setItem('training-studio/hub-download', JSON.stringify(remembered));
    await next.hub.init();
    expect(next.state().pending?.commit).toBe(COMMIT);
    next.hub.setEndpoint('http://elsewhere.test'); // the remembered endpoint wins
    await next.hub.continuePending();
    expect(next.calls.plan[0]).toEqual([{ repo: 'acme/tiny', revision: COMMIT }, { endpoint: 'http://hub.test' }]);
    expect(next.state()).toMatchObject({ pending: null, error: null });
    expect(next.models.base?.hub).toEqual({ repo: 'acme/tiny', revision: 'main', commit: COMMIT });
  });

  it('says what is wrong with an unknown repo, and deleting the base model from the cache clears the base', async () => {
    const t = setup();
    await t.hub.planModel({ repo: 'acme/missing', revision: 'main' });
    expect(t.state()).toMatchObject({ phase: 'idle', plan: null });
    expect(t.state().error).toContain('no model "acme/missing"');

    await t.hub.planModel({ repo: 'acme/tiny', revision: 'main' });
    await t.hub.download();
    const [cached] = t.state().cached;
    await t.hub.deleteCached(cached);
    expect(t.models.base).toBeNull();
    expect(t.state().cached).toEqual([]);
    expect(t.state().notice).toContain('fresh preset again');
    // A reload without the cached files says so, and never silently trains a fresh model.
    const errors: string[] = [];
    const reloaded = new ModelSession(
      (c) => c.error && errors.push(c.error),
      (ref) => t.engine.loadCached({ repo: ref.repo, revision: ref.commit }),
    );
    await reloaded.load();
    expect(reloaded.base).toBeNull(); // clearBase deleted the record too
  });

  it('a stored Hub base whose files left the cache is kept, with a message, and without files', async () => {
    const t = setup();
    await t.hub.planModel({ repo: 'acme/tiny', revision: 'main' });
    await t.hub.download();
    t.cache.clear(); // evicted by the browser, say
    const errors: string[] = [];
    const reloaded = new ModelSession(
      (c) => c.error && errors.push(c.error),
      (ref) => t.engine.loadCached({ repo: ref.repo, revision: ref.commit }),
    );
    await reloaded.load();
    expect(reloaded.base?.hub?.repo).toBe('acme/tiny');
    expect(reloaded.base?.files).toEqual([]);
    expect(errors.join()).toContain('could not be read from the model cache');
  });
});
