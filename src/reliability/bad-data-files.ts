// Bad-input rows for the files a user gives as data: JSONL, JSON, CSV/TSV, raw bytes, Parquet and
// the Hub's rows API. Rows marked `accepts` look hostile but are valid and must be read right.
import { readPairs, readRecords } from '../data/readers';
import { loadHubRows } from '../data/hub';
import { readParquetRecords } from '../data/parquet';
import { decodeUtf8Strict } from '../data/decode-text';
import type { Row } from './bad-input-row';
import { utf8 } from './fixtures';

const jsonl = (...rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
const pair = (document: unknown, summary: unknown) => ({ document, summary });
const TEN_MB = 10 * 1024 * 1024;

export const dataFileRows: Row[] = [
  // ---- data files (readers.ts) ----
  {
    what: 'malformed JSONL line',
    run: () =>
      readPairs(
        jsonl(pair('a', 'b'), pair('c', 'd'), '{"document": "e", "summary": '),
        'jsonl',
        undefined,
        'train.jsonl',
      ),
    message: /^train\.jsonl line 3: not valid JSON/,
  },
  {
    what: 'JSONL line that is an array',
    run: () => readPairs(jsonl(pair('a', 'b'), ['c', 'd']), 'jsonl'),
    message: /line 2: expected a JSON object, found an array/,
  },
  {
    what: 'JSON array with a non-object',
    run: () => readPairs(JSON.stringify([pair('a', 'b'), 42]), 'json'),
    message: /row 2: expected a JSON object, found a number/,
  },
  {
    what: 'JSON object without a data/rows array',
    run: () => readPairs('{"items": []}', 'json'),
    message:
      /expected an array of objects, or an object with a "data" or "rows" array; found an object with keys: items/,
  },
  {
    what: 'missing column (names the columns found)',
    run: () => readPairs(jsonl({ document: 'a', headline: 'b' }), 'jsonl'),
    message: /line 1: target column "summary" not found; columns are: document, headline/,
  },
  {
    what: 'renamed column, default mapping',
    run: () => readPairs('article,highlights\nx,y\n', 'csv', undefined, 'cnn.csv'),
    message: /^cnn\.csv line 1: input column "document" not found; columns are: article, highlights/,
  },
  {
    what: 'mapping names a column the file lacks',
    run: () => readPairs(jsonl(pair('a', 'b')), 'jsonl', { input: 'article', target: 'summary' }),
    message: /input column "article" not found; columns are: document, summary/,
  },
  {
    what: 'renamed column via mapping',
    accepts: true,
    run: () =>
      readPairs('article,highlights\nx,y\n', 'csv', { input: 'article', target: 'highlights' })
        .pairs.map((p) => `${p.input}→${p.target}`)
        .join(),
    message: /^x→y$/,
  },
  {
    what: 'a later row lacks a mapped column',
    run: () => readPairs(jsonl(pair('a', 'b'), { document: 'c', title: 'd' }), 'jsonl'),
    message: /line 2: target column "summary" is missing from this row; its columns are: document, title/,
  },
  {
    what: 'a value that is not a string',
    run: () => readPairs(jsonl(pair('a', 7)), 'jsonl'),
    message: /line 1: target column "summary" must be a string, found a number \(7\)/,
  },
  {
    what: 'empty documents and summaries are skipped with reasons',
    accepts: true,
    run: () =>
      readPairs(jsonl(pair('a', 'b'), pair('  ', 'c'), pair('d', null)), 'jsonl')
        .skipped.map((s) => `${s.line}: ${s.reason}`)
        .join(' | '),
    message: /^2: input column "document" is empty \| 3: target column "summary" is null$/,
  },
  {
    what: 'all rows empty',
    run: () => readPairs(jsonl(pair('', 'b'), pair('a', ' ')), 'jsonl'),
    message:
      /all 2 rows were skipped because their input or target is empty \(first: line 1: input column "document" is empty\)/,
  },
  {
    what: "a 10 MB document is read whole (truncation is the tokenizer's job)",
    accepts: true,
    run: () => `${readPairs(jsonl(pair('x'.repeat(TEN_MB), 's')), 'jsonl').pairs[0].input.length}`,
    message: new RegExp(`^${TEN_MB}$`),
  },
  {
    what: 'invalid UTF-8 (strict decode)',
    run: () =>
      decodeUtf8Strict(
        Uint8Array.from([...utf8('document,summary\n'), 0x63, 0x61, 0x66, 0xe9, 0x2c, 0x78]),
        'train.csv',
      ),
    message: /^train\.csv line 2: not valid UTF-8 at byte 20 \(0xe9 0x2c 0x78\)/,
  },
  {
    what: 'CSV unbalanced quote',
    run: () => readPairs('document,summary\n"never closed,x\nmore\n', 'csv'),
    message: /line 2: unterminated quoted field: the closing " is missing/,
  },
  {
    what: 'CSV embedded newline',
    accepts: true,
    run: () => JSON.stringify(readPairs('document,summary\n"two\r\nlines",s\nb,t\n', 'csv').pairs),
    message: /^\[\{"input":"two\\nlines","target":"s"\},\{"input":"b","target":"t"\}\]$/,
  },
  {
    what: 'CSV text after a closing quote',
    run: () => readPairs('document,summary\n"said "hi"",x\n', 'csv'),
    message: /line 2: unexpected "h" after a closing quote \(a quote inside a quoted field must be doubled: ""\)/,
  },
  {
    what: 'CSV ragged row',
    run: () => readPairs('document,summary\na,b\nc,d,e\n', 'csv'),
    message: /line 3: expected 2 fields \(one per header column\), found 3/,
  },
  {
    what: 'CSV header only',
    run: () => readPairs('document,summary\n', 'csv'),
    message: /no data rows after the header \(2 columns: document, summary\)/,
  },
  {
    what: 'empty file',
    run: () => readPairs('', 'jsonl', undefined, 'train.jsonl'),
    message: /^train\.jsonl: the file is empty$/,
  },
  {
    what: 'whitespace-only file',
    run: () => readPairs(' \n\t\r\n ', 'csv', undefined, 'train.csv'),
    message: /^train\.csv: the file is empty$/,
  },
  {
    what: 'BOM-prefixed file',
    accepts: true,
    run: () => readRecords('\uFEFFdocument,summary\na,b\n', 'csv').columns.join(),
    message: /^document,summary$/,
  },
  {
    what: 'unknown format',
    run: () => readPairs('a', 'xml' as never),
    message: /unknown format "xml"; expected one of jsonl, json, csv, tsv/,
  },

  // ---- Hub and Parquet loaders ----
  {
    what: 'Parquet file that is not Parquet',
    run: () => readParquetRecords(utf8('document,summary\na,b\n').buffer as ArrayBuffer, 'train.parquet'),
    message:
      /^train\.parquet: not a Parquet file: it must start and end with the bytes "PAR1", but starts with "document"/,
  },
  {
    what: 'Hub rows API answering HTML',
    run: () =>
      loadHubRows({
        dataset: 'EdinburghNLP/xsum',
        config: 'default',
        split: 'train',
        maxRows: 1,
        fetch: async () => new Response('<html>busy</html>', { status: 200 }),
      }),
    message: /Hub dataset "EdinburghNLP\/xsum".*the answer is not JSON \(starts with "<html>busy<\/html>"\)/,
  },
  {
    what: 'Hub rows API error status',
    run: () =>
      loadHubRows({
        dataset: 'nobody/nothing',
        config: 'default',
        split: 'train',
        maxRows: 1,
        fetch: async () => new Response('{"error": "dataset not found"}', { status: 404 }),
      }),
    message: /Hub dataset "nobody\/nothing".*HTTP 404.*dataset not found/,
  },
];
