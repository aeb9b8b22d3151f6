import { expect, test, type Page } from '@playwright/test';
import { startHubServer, type HubRequest, type HubServer } from '../src/testing/hub-server';
import { llama2cHFModel, tinyHFModel } from '../src/testing/hf-model-fixture';
import { configureRun, openStudio, watchConsole } from './helpers';

// A model from the Hub by id, offline: a local stand-in for the Hub (src/testing/hub-server.ts)
// serves repos this test makes — the llama2.c fixture converted to HF files, sharded, bf16; a tiny
// random Llama, one file, f32, behind a gate. The app reaches it through the Hub endpoint field; the
// preview server's CSP allows it because playwright.config.ts sets VITE_HF_MODEL_ENDPOINT.
const HUB_PORT = Number(process.env.STUDIO_E2E_HUB_PORT ?? 4175);
const STORIES = 'studio-test/stories-260K-bf16';
const GATED = 'studio-test/tiny-gated';
const TOKEN = 'hf_test_token'; // the stand-in's default accepted token
const SHARDS = [
  'model-00001-of-00003.safetensors',
  'model-00002-of-00003.safetensors',
  'model-00003-of-00003.safetensors',
];

/** Bytes a request asked for of a file of `size` bytes (its Range, else all of it). */
function asked(r: HubRequest, size: number): number {
  const m = /^bytes=(\d+)-(\d*)$/.exec(r.range ?? '');
  if (!m) return size;
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  return Math.max(0, end - Number(m[1]) + 1);
}

/** Bytes of `file` the app asked the stand-in for, over its requests from index `since` on. */
const bytesAsked = (server: HubServer, file: string, size: number, since = 0): number =>
  server.requests
    .slice(since)
    .filter((r) => r.method === 'GET' && r.path.includes('/resolve/') && r.path.endsWith(`/${file}`))
    .reduce((a, r) => a + asked(r, size), 0);

async function pointAtStandIn(page: Page, url: string) {
  await page.getByText('Hub endpoint (a mirror)').click();
  await page.getByTestId('hub-model-endpoint').fill(url);
}

async function check(page: Page, repo: string) {
  await page.getByTestId('hub-model-repo').fill(repo);
  await page.getByTestId('hub-model-check').click();
}

/** Greedy text from the base model (Try it), once generation settles. */
const greedyFromBase = (page: Page) => greedyFrom(page, 'base');

/** Greedy text from a slot's model (with its adapter, for a LoRA model). */
async function greedyFrom(page: Page, slot: 'base' | 'trained'): Promise<string> {
  const pick = page.getByTestId('try-slot');
  if (await pick.count()) await pick.selectOption(slot);
  await page.getByTestId('try-generate').click();
  const out = page.getByTestId('try-output');
  await expect(out).toHaveAttribute('data-slot', slot, { timeout: 60_000 });
  await expect(page.getByTestId('model-busy')).toHaveCount(0, { timeout: 60_000 });
  return (await out.textContent()) ?? '';
}

/** Everything the page's origin stores, as text: localStorage, sessionStorage, IndexedDB, Cache Storage, OPFS. */
async function dumpBrowserStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [];
    const latin1 = new TextDecoder('latin1');
    const text = (v: unknown): string =>
      JSON.stringify(v, (_k, x: unknown) =>
        x instanceof Uint8Array ? latin1.decode(x) : x instanceof ArrayBuffer ? latin1.decode(new Uint8Array(x)) : x,
      );
    for (const s of [localStorage, sessionStorage])
      for (let i = 0; i < s.length; i++) out.push(`${s.key(i)}=${s.getItem(s.key(i)!)}`);
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
        out.push(`${name}/${store}: ${text(all)}`);
      }
      db.close();
    }
    for (const key of await caches.keys()) {
      const cache = await caches.open(key);
      for (const req of await cache.keys()) {
        const res = await cache.match(req);
        out.push(`${key} ${req.url} ${text([...req.headers])} ${text([...(res?.headers ?? [])])}`);
        if (res) out.push(latin1.decode(new Uint8Array(await res.arrayBuffer())));
      }
    }
    const walk = async (dir: FileSystemDirectoryHandle, path: string): Promise<void> => {
      for await (const [name, h] of (
        dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
      ).entries()) {
        out.push(`${path}/${name}`);
        if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle, `${path}/${name}`);
        else out.push(latin1.decode(new Uint8Array(await (await (h as FileSystemFileHandle).getFile()).arrayBuffer())));
      }
    };
    await walk(await navigator.storage.getDirectory(), '');
    return out.join('\n');
  });
}

test('Hub model by id: plan, download, resume after a reload, load offline, Try it, fine-tune', async ({ page }) => {
  const stories = llama2cHFModel('BF16', 3);
  const server = await startHubServer({
    port: HUB_PORT,
    repos: {
      [STORIES]: { files: stories.files },
      [GATED]: { files: tinyHFModel({ dtype: 'F32' }).files, gated: true },
    },
  });
  try {
    const errors = watchConsole(page);
    await openStudio(page);
    await configureRun(page, { backend: 'wasm', numbers: { 'batch-size-input': 2 } });
    await pointAtStandIn(page, server.url);

    // Bad input, each said in the panel: an unknown repo; a gated one without a token.
    await check(page, 'studio-test/no-such-model');
    await expect(page.getByTestId('hub-model-error')).toContainText('no model "studio-test/no-such-model"');
    await check(page, GATED);
    await expect(page.getByTestId('hub-model-error')).toContainText('needs an access token');

    // Before any weight moves: size, dtypes, parameters, and the memory Full and LoRA need on wasm.
    await check(page, STORIES);
    const summary = page.getByTestId('hub-model-plan-summary');
    await expect(summary).toBeVisible();
    await expect(page.getByTestId('hub-model-error')).toHaveCount(0);
    await expect(page.getByTestId('hub-model-size')).toContainText('in 8 files (sharded)');
    await expect(page.getByTestId('hub-model-params')).toContainText('stored as BF16');
    await expect(page.getByTestId('hub-model-fit-full')).toContainText('Full fine-tuning');
    await expect(page.getByTestId('hub-model-fit-lora')).toContainText('LoRA');
    await expect(page.getByTestId('hub-model-fit-full')).toHaveAttribute('data-verdict', 'fits');
    // The checkpoint handles 128 positions; the default lengths (512 + 64) are said to be too long.
    await expect(page.getByTestId('hub-model-positions')).toContainText('handles 128 positions');
    const size = (f: string) => stories.files[f].byteLength;
    // Header reads only so far: a small part of each shard.
    for (const shard of SHARDS) expect(bytesAsked(server, shard, size(shard))).toBeLessThan(size(shard) / 10);

    // Download at a slow pace, and reload the page once the first shard is complete.
    server.setRate(50_000);
    await page.getByTestId('hub-model-download').click();
    await expect(page.getByTestId('hub-model-progress')).toBeVisible();
    await expect(page.getByTestId('hub-model-progress-total')).toContainText('MB/s');
    await expect(page.getByTestId('hub-model-file').filter({ hasText: SHARDS[0] })).toHaveAttribute(
      'data-state',
      'done',
      { timeout: 20_000 },
    );
    const atReload = server.requests.length;
    await page.reload();
    server.setRate(0);
    expect(bytesAsked(server, SHARDS[0], size(SHARDS[0]), 0)).toBeGreaterThanOrEqual(size(SHARDS[0]));

    // The page offers the interrupted download; continuing it fetches only what was missing.
    await expect(page.getByTestId('hub-model-pending')).toContainText(STORIES);
    await page.getByTestId('hub-model-continue').click();
    await expect(page.getByTestId('base-model')).toContainText(STORIES, { timeout: 30_000 });
    // Completed before the reload: only its header is read again (the plan); the others are fetched.
    expect(bytesAsked(server, SHARDS[0], size(SHARDS[0]), atReload)).toBeLessThan(size(SHARDS[0]) / 10);
    expect(bytesAsked(server, SHARDS[1], size(SHARDS[1]), atReload)).toBeGreaterThan(size(SHARDS[1]) / 2);
    expect(bytesAsked(server, SHARDS[2], size(SHARDS[2]), atReload)).toBeGreaterThanOrEqual(size(SHARDS[2]));
    await expect(page.getByTestId('hub-model-pending')).toHaveCount(0);
    await expect(page.getByTestId('cached-model').filter({ hasText: STORIES })).toBeVisible();

    await configureRun(page, { backend: 'wasm' });
    const online = await greedyFromBase(page);
    expect(online.length).toBeGreaterThan(0);

    // A gated repo with the session's token: it is used, and stored nowhere.
    await check(page, GATED);
    await expect(page.getByTestId('hub-model-error')).toContainText('needs an access token');
    await page.getByTestId('hub-model-token').fill(TOKEN);
    await page.getByTestId('hub-model-check').click();
    await expect(summary).toContainText('(gated)');
    await page.getByTestId('hub-model-download').click();
    await expect(page.getByTestId('base-model')).toContainText(GATED, { timeout: 30_000 });
    expect(server.requests.filter((r) => r.path.includes(GATED) && r.status === 200).every((r) => r.authorized)).toBe(
      true,
    );
    const stored = await dumpBrowserStorage(page);
    expect(stored).toContain(STORIES); // the dump does see the cache and the records…
    expect(stored).not.toContain(TOKEN); // …and no token in any of them

    // Delete the gated model by its row's button; the base goes back to a fresh preset.
    await page.getByRole('button', { name: new RegExp(`^Delete ${GATED} \\(`) }).click();
    await expect(page.getByTestId('cached-model').filter({ hasText: GATED })).toHaveCount(0);
    await expect(page.getByTestId('base-model-none')).toBeVisible();
    await page.getByRole('button', { name: new RegExp(`^Use ${STORIES} \\(`) }).click();
    await expect(page.getByTestId('base-model')).toContainText(STORIES);

    // Offline: the stand-in is gone and every request to it is refused; the base loads from the cache.
    await server.close();
    let attempts = 0;
    await page.route(`${server.url}/**`, (route) => (attempts++, route.abort('internetdisconnected')));
    await page.reload();
    await expect(page.getByTestId('base-model')).toContainText(STORIES);
    await configureRun(page, { backend: 'wasm' });
    expect(await greedyFromBase(page)).toBe(online);
    // And a run fine-tunes it, offline: the worker builds the model from the cached files.
    await configureRun(page, {
      numbers: {
        'epochs-input': 1,
        'max-train-samples-input': 4,
        'validation-size-input': 0,
        'max-source-input': 64,
        'max-target-input': 24,
      },
    });
    await page.getByTestId('train-button').click();
    await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 60_000 });
    await expect(page.getByTestId('trained-model')).toContainText(`Trained from ${STORIES}`);

    // LoRA on the cached base, offline: a few steps at a high rate so the adapter moves the text.
    await page.getByTestId('finetune-select').selectOption('lora');
    await configureRun(page, { numbers: { 'epochs-input': 3, 'lr-input': 0.05 } });
    await page.getByTestId('train-button').click();
    // (run-status still reads the last run's 'finished': wait for this run's model instead)
    await expect(page.getByTestId('trained-model')).toContainText(`LoRA adapter trained on ${STORIES}`, {
      timeout: 90_000,
    });
    await expect(page.getByTestId('run-status')).toHaveText('finished');
    const adapted = await greedyFrom(page, 'trained');
    expect(adapted).not.toBe(online); // the adapter changed the model (so the comparison below can fail)
    // Export the adapter as PEFT writes it, reload (still offline), import it onto the cached base.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('model-export-adapter').click()]);
    expect(dl.suggestedFilename()).toMatch(/peft-adapter.*\.zip$/);
    const adapterZip = test.info().outputPath('adapter.zip');
    await dl.saveAs(adapterZip);
    await page.reload();
    await expect(page.getByTestId('base-model')).toContainText(STORIES);
    await page.getByTestId('adapter-import').setInputFiles(adapterZip);
    await expect(page.getByTestId('trained-model')).toContainText('Adapter adapter.zip on');
    await configureRun(page, { backend: 'wasm' });
    expect(await greedyFrom(page, 'trained')).toBe(adapted);
    expect(attempts).toBe(0);
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  } finally {
    await server.close().catch(() => {});
  }
});
