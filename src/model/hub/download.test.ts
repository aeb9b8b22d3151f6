import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importModelFiles } from '../io/model-files';
import { startHubServer, type HubServer } from '../../testing/hub-server';
import { tinyHFModel } from '../../testing/hf-model-fixture';
import { MemoryBlobStore } from './blob-store';
import { loadCachedModel, ModelCache } from './cache';
import { downloadHubModel, type HubDownloadProgress } from './download';
import { planHubModel, type HubModelPlan } from './plan';
import type { HubAccess } from './hub-client';

const unsharded = tinyHFModel({ dtype: 'F32', seed: 3 });
const sharded = tinyHFModel({ dtype: 'BF16', shards: 2, seed: 4 });
const WEIGHTS = 'model.safetensors';
const weightSize = unsharded.files[WEIGHTS].byteLength;

let hub: HubServer;
let access: HubAccess;
let cache: ModelCache;
let store: MemoryBlobStore;

beforeAll(async () => {
  hub = await startHubServer({
    repos: {
      'test/tiny': { files: unsharded.files },
      'test/sharded': { files: sharded.files },
      'test/gated': { files: unsharded.files, gated: true },
    },
  });
  access = { endpoint: hub.url };
});
afterAll(() => hub.close());
beforeEach(() => {
  store = new MemoryBlobStore();
  cache = new ModelCache(store);
});

const plan = (repo = 'test/tiny') => planHubModel({ repo }, access);
const asRecord = (files: { name: string; bytes: Uint8Array }[]) =>
  Object.fromEntries(files.map((f) => [f.name, f.bytes]));
const fast = { retryDelayMs: 1 };

describe('downloadHubModel', () => {
  it('downloads every planned file byte-exact, with progress per file and in total', async () => {
    const p = await plan();
    const events: HubDownloadProgress[] = [];
    const files = await downloadHubModel(p, cache, { access, onProgress: (e) => events.push(e), chunkBytes: 1000 });
    expect(asRecord(files)).toEqual(unsharded.files);
    const last = events[events.length - 1];
    expect(last.bytes).toBe(p.downloadBytes);
    expect(last.total).toBe(p.downloadBytes);
    expect(last.fetched).toBe(p.downloadBytes);
    expect(last.files.every((f) => f.state === 'done' && f.bytes === f.size)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i].bytes).toBeGreaterThanOrEqual(events[i - 1].bytes);
    // The downloaded files import as the model the fixture made.
    const m = importModelFiles(files);
    expect(m.config).toEqual(unsharded.config);
    expect(m.weights.get('model.norm.weight')).toEqual(unsharded.weights.get('model.norm.weight'));
  });

  it('reports MB/s and an ETA from its clock', async () => {
    const p = await plan();
    let t = 0;
    const events: HubDownloadProgress[] = [];
    await downloadHubModel(p, cache, {
      access,
      now: () => (t += 200),
      onProgress: (e) => events.push(e),
      chunkBytes: 1 << 20,
    });
    const mid = events.find((e) => e.bytesPerSecond > 0 && e.bytes < e.total);
    expect(mid).toBeDefined();
    expect(mid!.etaSeconds).toBeCloseTo((mid!.total - mid!.bytes) / mid!.bytesPerSecond, 6);
  });

  it('sharded bf16: fetches the index and every shard', async () => {
    const p = await plan('test/sharded');
    const files = await downloadHubModel(p, cache, { access });
    expect(asRecord(files)).toEqual(sharded.files);
    const m = importModelFiles(files);
    expect(m.weights.get('model.embed_tokens.weight')).toEqual(sharded.weights.get('model.embed_tokens.weight'));
  });

  it('a second load makes no request: download again, then from the cache by revision name, offline', async () => {
    const p = await plan();
    const first = await downloadHubModel(p, cache, { access });
    const before = hub.requests.length;
    const again = await downloadHubModel(p, cache, { access });
    expect(hub.requests.length).toBe(before);
    expect(asRecord(again)).toEqual(asRecord(first));
    const offline = await loadCachedModel({ repo: 'test/tiny' }, cache); // 'main' → the commit it resolved to
    expect(hub.requests.length).toBe(before);
    expect(asRecord(offline)).toEqual(unsharded.files);
    expect(asRecord(await loadCachedModel({ repo: 'test/tiny', revision: p.commit }, cache))).toEqual(unsharded.files);
    await expect(loadCachedModel({ repo: 'test/other' }, cache)).rejects.toThrow(
      /test\/other@main is not in the browser's model cache/,
    );
  });

  it('cancel keeps the partial bytes; the next download resumes with a Range request for the rest only', async () => {
    const p = await plan();
    const stallAt = 3000;
    hub.fault('test/tiny', WEIGHTS, { stallAfter: stallAt });
    const ctl = new AbortController();
    const run = downloadHubModel(p, cache, {
      access,
      signal: ctl.signal,
      onProgress: (e) => {
        if (e.file === WEIGHTS && e.files.find((f) => f.path === WEIGHTS)!.bytes >= stallAt) ctl.abort();
      },
    });
    await expect(run).rejects.toMatchObject({
      name: 'AbortError',
      message: expect.stringMatching(/cancelled during model\.safetensors \(3000 of \d+ bytes kept\)/),
    });
    const listed = await cache.listCachedModels();
    expect(listed).toHaveLength(1);
    expect(listed[0].complete).toBe(false);
    expect(listed[0].files.find((f) => f.path === WEIGHTS)!.cachedBytes).toBe(stallAt);

    const before = hub.requests.length;
    const files = await downloadHubModel(p, cache, { access });
    expect(asRecord(files)).toEqual(unsharded.files);
    const fresh = hub.requests.slice(before);
    // Completed files are not fetched again; the weights continue from byte 3000.
    expect(fresh.map((r) => r.path.split('/').pop())).toEqual([WEIGHTS]);
    expect(fresh[0].range).toBe(`bytes=${stallAt}-`);
    expect(fresh[0].status).toBe(206);
  });

  it('a dropped connection resumes by itself with a Range request', async () => {
    const p = await plan();
    hub.fault('test/tiny', WEIGHTS, { cutAfter: 5000, times: 2 });
    const before = hub.requests.length;
    const files = await downloadHubModel(p, cache, { access, chunkBytes: 1000, ...fast });
    expect(files.find((f) => f.name === WEIGHTS)!.bytes).toEqual(unsharded.files[WEIGHTS]);
    const gets = hub.requests.slice(before).filter((r) => r.path.endsWith(WEIGHTS));
    expect(gets.map((r) => r.range)).toEqual([undefined, 'bytes=5000-', 'bytes=10000-']);
  });

  it('after the retries, a dropped connection says so and keeps the bytes for the next try', async () => {
    const p = await plan();
    hub.fault('test/tiny', WEIGHTS, { cutAfter: 4000 });
    await expect(downloadHubModel(p, cache, { access, retries: 0, chunkBytes: 1 << 20 })).rejects.toThrow(
      /the connection dropped while downloading model\.safetensors; 4000 of \d+ bytes are kept — download again to resume/,
    );
    const before = hub.requests.length;
    await downloadHubModel(p, cache, { access });
    expect(hub.requests.slice(before).map((r) => r.range)).toEqual(['bytes=4000-']);
  });

  it('a server that ignores Range restarts the file from the start', async () => {
    const p = await plan();
    hub.fault('test/tiny', WEIGHTS, { cutAfter: 2000 });
    await downloadHubModel(p, cache, { access, retries: 0 }).catch(() => undefined);
    hub.fault('test/tiny', WEIGHTS, { noRange: true });
    const files = await downloadHubModel(p, cache, { access });
    expect(files.find((f) => f.name === WEIGHTS)!.bytes).toEqual(unsharded.files[WEIGHTS]);
  });

  it('a truncated body is an error and its bytes are discarded', async () => {
    const p = await plan();
    hub.fault('test/tiny', WEIGHTS, { truncateAt: 1234 });
    await expect(downloadHubModel(p, cache, { access })).rejects.toThrow(
      /model\.safetensors arrived truncated \(1234 bytes sent from offset 0, the file is \d+\); the download was discarded/,
    );
    const f = (await cache.listCachedModels())[0].files.find((x) => x.path === WEIGHTS)!;
    expect(f.cachedBytes).toBe(0);
    expect((await cache.listCachedModels())[0].files.find((x) => x.path === 'config.json')!.complete).toBe(true);
  });

  it('a size that differs from the listing is an error and nothing of the file is kept', async () => {
    const p = await plan();
    hub.fault('test/tiny', WEIGHTS, { reportSize: weightSize + 10 });
    await expect(downloadHubModel(p, cache, { access })).rejects.toThrow(
      new RegExp(
        `model\\.safetensors is ${weightSize + 10} bytes on the server, but the file listing says ${weightSize}`,
      ),
    );
    expect((await cache.listCachedModels())[0].files.find((x) => x.path === WEIGHTS)!.cachedBytes).toBe(0);
  });

  it('content that does not match the listed sha256 is discarded', async () => {
    const p = await plan();
    const bad: HubModelPlan = {
      ...p,
      files: p.files.map((f) => (f.path === WEIGHTS ? { ...f, sha256: '0'.repeat(64) } : f)),
    };
    await expect(downloadHubModel(bad, cache, { access })).rejects.toThrow(
      /model\.safetensors does not match the listing \(sha256 .*expected 000000000000…\); the download was discarded/,
    );
    expect((await cache.listCachedModels())[0].files.find((x) => x.path === WEIGHTS)!.cachedBytes).toBe(0);
  });

  it('a gated repo downloads with the token in the Authorization header only', async () => {
    const token = 'hf_test_token';
    const p = await planHubModel({ repo: 'test/gated' }, { ...access, accessToken: token });
    const before = hub.requests.length;
    await expect(downloadHubModel(p, cache, { access })).rejects.toThrow(/test\/gated needs an access token.*401/);
    const files = await downloadHubModel(p, cache, { access: { ...access, accessToken: token } });
    expect(asRecord(files)).toEqual(unsharded.files);
    const gets = hub.requests.slice(before);
    expect(
      gets
        .filter((r) => r.status === 200)
        .every((r) => r.authorized && !r.path.includes(token) && !r.query.includes(token)),
    ).toBe(true);
    expect(JSON.stringify(await cache.listCachedModels())).not.toContain(token);
  });

  it('a full browser store: a clear message, the partial file kept, other cached models untouched', async () => {
    const other = await plan('test/sharded');
    await downloadHubModel(other, cache, { access });
    const kept = await loadCachedModel({ repo: 'test/sharded' }, cache);
    const p = await plan();
    store.quotaBytes = store.used() + p.downloadBytes - weightSize + 2000 + 4096; // ~2 KiB of bookkeeping, ~4 KiB of the weights
    const err = await downloadHubModel(p, cache, { access, chunkBytes: 1024 }).catch((e: Error) => e);
    expect(String(err)).toMatch(
      /browser storage is full: could not cache model\.safetensors of test\/tiny\. .*What was downloaded so far is kept/,
    );
    expect(asRecord(await loadCachedModel({ repo: 'test/sharded' }, cache))).toEqual(asRecord(kept));
    const partial = (await cache.listCachedModels()).find((m) => m.repo === 'test/tiny')!;
    expect(partial.files.find((f) => f.path === WEIGHTS)!.cachedBytes).toBeGreaterThanOrEqual(2048);
    // With room again it resumes from there.
    store.quotaBytes = Infinity;
    const before = hub.requests.length;
    await downloadHubModel(p, cache, { access });
    expect(hub.requests.slice(before)[0].range).toMatch(/^bytes=[1-9]\d*-$/);
  });
});
