import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../testing/hub-server';
import { tinyHFModel } from '../../testing/hf-model-fixture';
import { MemoryBlobStore } from './blob-store';
import { loadCachedModel, ModelCache } from './cache';
import { downloadHubModel } from './download';
import { planHubModel } from './plan';
import type { HubAccess } from './hub-client';

const v1 = tinyHFModel({ seed: 5 });
const v2 = tinyHFModel({ seed: 6, dtype: 'BF16' });
const other = tinyHFModel({ seed: 7, shards: 2 });
const size = (files: Record<string, Uint8Array>) => Object.values(files).reduce((a, b) => a + b.byteLength, 0);
const asRecord = (files: { name: string; bytes: Uint8Array }[]) =>
  Object.fromEntries(files.map((f) => [f.name, f.bytes]));

let hub: HubServer;
let access: HubAccess;
beforeAll(async () => {
  hub = await startHubServer({ repos: { 'test/model': { files: v1.files }, 'test/other': { files: other.files } } });
  access = { endpoint: hub.url };
});
afterAll(() => hub.close());

describe('ModelCache', () => {
  it('lists cached models with sizes and revisions; "main" follows the last finished download; deletes one commit only', async () => {
    const cache = new ModelCache(new MemoryBlobStore());
    const p1 = await planHubModel({ repo: 'test/model' }, access);
    await downloadHubModel(p1, cache, { access });
    await downloadHubModel(await planHubModel({ repo: 'test/other' }, access), cache, { access });

    // The repo moves on: main now points at a new commit.
    hub.setRepo('test/model', { files: v2.files });
    const p2 = await planHubModel({ repo: 'test/model' }, access);
    expect(p2.commit).not.toBe(p1.commit);
    // Until the new commit is fully downloaded, main still loads the old one offline.
    hub.fault('test/model', 'model.safetensors', { cutAfter: 100 });
    await downloadHubModel(p2, cache, { access, retries: 0 }).catch(() => undefined);
    expect(asRecord(await loadCachedModel({ repo: 'test/model' }, cache))).toEqual(v1.files);
    await expect(loadCachedModel({ repo: 'test/model', revision: p2.commit }, cache)).rejects.toThrow(
      /test\/model@[0-9a-f]{40}: model\.safetensors is only partly cached \(100 of \d+ bytes\); download the model again to finish it/,
    );
    let listed = await cache.listCachedModels();
    const partial = listed.find((m) => m.commit === p2.commit)!;
    expect(partial).toMatchObject({ repo: 'test/model', complete: false, totalBytes: size(v2.files), revisions: [] });
    expect(partial.cachedBytes).toBe(size(v2.files) - v2.files['model.safetensors'].byteLength + 100);

    await downloadHubModel(p2, cache, { access });
    expect(asRecord(await loadCachedModel({ repo: 'test/model' }, cache))).toEqual(v2.files);
    listed = await cache.listCachedModels();
    expect(listed.map((m) => [m.repo, m.commit, m.revisions, m.complete, m.cachedBytes])).toEqual([
      ['test/model', p2.commit, ['main'], true, size(v2.files)],
      ['test/model', p1.commit, [], true, size(v1.files)],
      ['test/other', expect.any(String), ['main'], true, size(other.files)],
    ]);

    // Deleting the old commit leaves the new one and the other repo as they were.
    await cache.deleteCachedModel('test/model', p1.commit);
    expect((await cache.listCachedModels()).map((m) => m.commit)).toEqual([p2.commit, listed[2].commit]);
    expect(asRecord(await loadCachedModel({ repo: 'test/model' }, cache))).toEqual(v2.files);
    // Deleting by name removes its commit and the name.
    await cache.deleteCachedModel('test/model', 'main');
    expect((await cache.listCachedModels()).map((m) => m.repo)).toEqual(['test/other']);
    await expect(loadCachedModel({ repo: 'test/model' }, cache)).rejects.toThrow(/not in the browser's model cache/);
    await expect(cache.deleteCachedModel('test/model', 'main')).rejects.toThrow(
      /test\/model@main is not in the model cache/,
    );
    expect(asRecord(await loadCachedModel({ repo: 'test/other' }, cache))).toEqual(other.files);
  });
});
