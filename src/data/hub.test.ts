// The Hub loader against a local stand-in for datasets-server: node:http on port 0 serving
// ../shared/data/xsum in the rows API's response shape, plus Parquet files written here.
import 'fake-indexeddb/auto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSharedText } from '../testing/shared';
import { openHubCache } from './hub-cache';
import {
  HubError,
  hubRowsTable,
  listHubParquet,
  listHubSplits,
  loadHubParquet,
  loadHubRows,
  type HubProgress,
} from './hub';
import { pairsFromTable, readPairs } from './readers';

interface XsumRow {
  document: string;
  summary: string;
  id: string;
}
const read = (file: string): XsumRow[] =>
  readSharedText('data/xsum', file)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as XsumRow);
const splits: Record<string, XsumRow[]> = { train: read('train.jsonl'), validation: read('validation.jsonl') };
const DATASET = 'EdinburghNLP/xsum';

// Two Parquet shards of the validation split (60 + 40 rows), as the Hub's converter writes them.
const shard = (rows: XsumRow[]) =>
  new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'document', data: rows.map((r) => r.document), type: 'STRING' },
        { name: 'summary', data: rows.map((r) => r.summary), type: 'STRING' },
        { name: 'id', data: rows.map((r) => r.id), type: 'STRING' },
      ],
      rowGroupSize: 16,
    }),
  );
const files: Record<string, Uint8Array> = {
  '0000.parquet': shard(splits.validation.slice(0, 60)),
  '0001.parquet': shard(splits.validation.slice(60)),
};

let server: Server;
let base = '';
/** Every request the server saw, as "path?query". */
let seen: string[] = [];

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', base);
  seen.push(url.pathname + url.search);
  const q = url.searchParams;
  const dataset = q.get('dataset');
  if (url.pathname.startsWith('/files/')) {
    const bytes = files[url.pathname.slice('/files/'.length)];
    if (!bytes) return json(res, 404, { error: 'no such file' });
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void res.end(bytes);
    }
    const start = Number(m[1]);
    const end = m[2] === '' ? bytes.length - 1 : Math.min(Number(m[2]), bytes.length - 1);
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}` });
    return void res.end(bytes.subarray(start, end + 1));
  }
  if (dataset === 'broken/shape') return json(res, 200, { rows: 'not a list', features: [] });
  if (dataset === 'broken/html') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return void res.end('<!doctype html><title>SPA</title>');
  }
  if (dataset !== DATASET)
    return json(res, 404, {
      error:
        'The dataset does not exist, or is not accessible without authentication (private or gated). Please check the spelling of the dataset name or retry with authentication.',
    });
  if (url.pathname === '/splits') {
    return json(res, 200, {
      splits: Object.keys(splits).map((split) => ({ dataset, config: 'default', split })),
      pending: [],
      failed: [],
    });
  }
  if (url.pathname === '/parquet') {
    return json(res, 200, {
      parquet_files: Object.entries(files).map(([filename, b]) => ({
        dataset,
        config: 'default',
        split: 'validation',
        url: `${base}/files/${filename}`,
        filename,
        size: b.length,
      })),
      pending: [],
      failed: [],
      partial: false,
    });
  }
  if (url.pathname !== '/rows') return json(res, 404, { error: 'Not Found' });
  const rows = splits[q.get('split') ?? ''];
  if (q.get('config') !== 'default' || !rows)
    return json(res, 404, { error: 'The config or the split does not exist in the dataset' });
  const offset = Number(q.get('offset') ?? 0);
  const length = Number(q.get('length') ?? 100);
  if (!Number.isInteger(length) || length < 0 || length > 100)
    return json(res, 422, { error: "Parameter 'length' must not be greater than 100" });
  if (!Number.isInteger(offset) || offset < 0) return json(res, 422, { error: "Parameter 'offset' must be positive" });
  json(res, 200, {
    features: ['document', 'summary', 'id'].map((name, i) => ({
      feature_idx: i,
      name,
      type: { dtype: 'string', _type: 'Value' },
    })),
    rows: rows.slice(offset, offset + length).map((row, i) => ({ row_idx: offset + i, row, truncated_cells: [] })),
    num_rows_total: rows.length,
    num_rows_per_page: 100,
    partial: false,
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
beforeEach(() => {
  seen = [];
});

const ref = (split = 'train') => ({ dataset: DATASET, config: 'default', split, endpoint: base });

describe('loadHubRows', () => {
  it('pages through all 871 train rows in order, as the JSONL has them', async () => {
    const progress: HubProgress[] = [];
    const result = await loadHubRows({ ...ref(), onProgress: (p) => progress.push(p) });
    expect(result.rows).toHaveLength(871);
    expect(result.rows.map((r) => r.row.id)).toEqual(splits.train.map((r) => r.id));
    expect(result.rows.map((r) => r.rowIdx)).toEqual(splits.train.map((_, i) => i));
    expect(result.columns).toEqual(['document', 'summary', 'id']);
    expect(result.numRowsTotal).toBe(871);
    expect(result.requests).toBe(9);
    // 8 full pages, then the 71 left: the loader asks for no more than remain.
    expect(seen.map((s) => new URL(s, base).searchParams.get('length'))).toEqual([...Array(8).fill('100'), '71']);
    expect(progress.map((p) => p.loaded)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 871]);
    expect(progress.every((p) => p.total === 871)).toBe(true);

    // Through the shared mapping rules, the pairs equal readPairs on the file itself.
    const pairs = pairsFromTable(hubRowsTable(result), undefined, 'hub').pairs;
    expect(pairs).toEqual(readPairs(readSharedText('data/xsum/train.jsonl'), 'jsonl').pairs);
  });

  it('honours maxRows and pageSize', async () => {
    const result = await loadHubRows({ ...ref('validation'), maxRows: 45, pageSize: 20 });
    expect(result.rows.map((r) => r.row.id)).toEqual(splits.validation.slice(0, 45).map((r) => r.id));
    expect(
      seen.map((s) => new URL(s, base).searchParams.get('offset') + '+' + new URL(s, base).searchParams.get('length')),
    ).toEqual(['0+20', '20+20', '40+5']);
    // More than the split has: stops at its end.
    const all = await loadHubRows({ ...ref('validation'), maxRows: 5000 });
    expect(all.rows).toHaveLength(100);
  });

  it('serves a second load from the IndexedDB cache with no requests', async () => {
    const cache = await openHubCache(`hub-cache-test-${Date.now()}`);
    try {
      const first = await loadHubRows({ ...ref(), maxRows: 350, cache });
      expect(first.requests).toBe(4);
      expect(seen).toHaveLength(4);
      expect(await cache.count()).toBe(4);
      seen = [];
      const second = await loadHubRows({ ...ref(), maxRows: 350, cache });
      expect(seen).toHaveLength(0);
      expect(second.requests).toBe(0);
      expect(second.cachedPages).toBe(4);
      expect(second.rows).toEqual(first.rows);
      // A larger load reuses the cached pages and fetches only the rest.
      const more = await loadHubRows({ ...ref(), maxRows: 500, cache });
      expect(more.cachedPages).toBe(3);
      expect(more.requests).toBe(2);
      expect(more.rows.map((r) => r.row.id)).toEqual(splits.train.slice(0, 500).map((r) => r.id));
    } finally {
      await cache.clear();
      cache.close();
    }
  });

  it('marks cells the server truncated, so those rows are skipped with a reason', () => {
    const table = hubRowsTable({
      columns: ['document', 'summary'],
      rows: [
        { rowIdx: 0, row: { document: 'a', summary: 'b' }, truncatedCells: [] },
        { rowIdx: 1, row: { document: 'cut', summary: 'd' }, truncatedCells: ['document'] },
      ],
    });
    expect(pairsFromTable(table).skipped).toEqual([
      { line: 2, reason: 'input column "document" was truncated by the source' },
    ]);
  });

  it("names dataset, config, split and offset in errors, with the server's text", async () => {
    await expect(loadHubRows(ref('test'))).rejects.toThrow(
      'Hub dataset "EdinburghNLP/xsum", config "default", split "test", rows at offset 0: HTTP 404 Not Found: The config or the split does not exist in the dataset',
    );
    await expect(loadHubRows({ ...ref(), dataset: 'nobody/nothing' })).rejects.toThrow(
      /^Hub dataset "nobody\/nothing", .*HTTP 404 Not Found: The dataset does not exist/,
    );
    const err = await loadHubRows({ ...ref(), dataset: 'broken/shape' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).kind).toBe('format');
    expect((err as Error).message).toBe(
      'Hub dataset "broken/shape", config "default", split "train", rows at offset 0: unexpected answer from the rows API: no "rows" array',
    );
    await expect(loadHubRows({ ...ref(), dataset: 'broken/html' })).rejects.toThrow(
      /rows at offset 0: the answer is not JSON \(starts with "<!doctype html>/,
    );
    await expect(loadHubRows({ ...ref(), pageSize: 101 })).rejects.toThrow(
      'pageSize must be an integer in [1, 100], got 101',
    );
    await expect(loadHubRows({ ...ref(), split: ' ' })).rejects.toThrow('the split name is empty');
  });

  it("passes the server's 422 through for a page longer than it allows", async () => {
    // A fetch that rewrites length shows the loader reports the server's refusal as it is.
    const tooLong = (url: string, init?: RequestInit) => fetch(url.replace(/length=\d+/, 'length=150'), init);
    const err = await loadHubRows({ ...ref(), fetch: tooLong }).catch((e: unknown) => e);
    expect((err as HubError).status).toBe(422);
    expect((err as Error).message).toMatch(
      /offset 0: HTTP 422 Unprocessable Entity: Parameter 'length' must not be greater than 100$/,
    );
  });

  it('says when the endpoint cannot be reached', async () => {
    const err = await loadHubRows({ ...ref(), endpoint: 'http://127.0.0.1:1' }).catch((e: unknown) => e);
    expect((err as HubError).kind).toBe('network');
    expect((err as Error).message).toMatch(
      /^Hub dataset "EdinburghNLP\/xsum", config "default", split "train", rows at offset 0: could not reach http:\/\/127\.0\.0\.1:1 \(/,
    );
  });
});

describe('splits and Parquet files', () => {
  it('lists the splits', async () => {
    expect(await listHubSplits({ dataset: DATASET, endpoint: base })).toEqual([
      { dataset: DATASET, config: 'default', split: 'train' },
      { dataset: DATASET, config: 'default', split: 'validation' },
    ]);
  });

  it('reads a split from its Parquet shards, in order, across files', async () => {
    const listing = await listHubParquet({ dataset: DATASET, endpoint: base });
    expect(listing.map((f) => f.filename)).toEqual(['0000.parquet', '0001.parquet']);
    const all = await loadHubParquet(ref('validation'));
    expect(all.rows.map((r) => r.record.id)).toEqual(splits.validation.map((r) => r.id));
    expect(all.rows.map((r) => r.line)).toEqual(splits.validation.map((_, i) => i + 1));
    expect(all.columns).toEqual(['document', 'summary', 'id']);
    expect(pairsFromTable(all).pairs).toEqual(readPairs(readSharedText('data/xsum/validation.jsonl'), 'jsonl').pairs);
    // Byte ranges, not whole files.
    expect(seen.filter((s) => s.startsWith('/files/')).length).toBeGreaterThan(2);
  });

  it('stops at maxRows without touching later shards', async () => {
    const some = await loadHubParquet({ ...ref('validation'), maxRows: 25 });
    expect(some.rows.map((r) => r.record.id)).toEqual(splits.validation.slice(0, 25).map((r) => r.id));
    expect(some.files.map((f) => f.filename)).toEqual(['0000.parquet']);
    expect(seen.some((s) => s.includes('0001.parquet'))).toBe(false);
  });

  it('names the config/split pairs that exist when there is no file for the one asked', async () => {
    await expect(loadHubParquet(ref('train'))).rejects.toThrow(
      'Hub dataset "EdinburghNLP/xsum", config "default", split "train": no Parquet files for this config and split; the Hub has: default/validation',
    );
  });

  it('reports a missing shard with its name and status', async () => {
    const gone = (url: string, init?: RequestInit) => fetch(url.replace('0000.parquet', 'nope.parquet'), init);
    await expect(loadHubParquet({ ...ref('validation'), fetch: gone })).rejects.toThrow(
      'Hub dataset "EdinburghNLP/xsum", config "default", split "validation", Parquet file 0000.parquet: HTTP 404 Not Found',
    );
  });
});
