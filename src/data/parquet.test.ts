import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readSharedText } from '../testing/shared';
import { isParquet, readParquetColumns, readParquetPairs, readParquetRecords } from './parquet';
import { DataFormatError, readPairs } from './readers';

interface XsumRow {
  id: string;
  document: string;
  summary: string;
}
const xsum = (file: string): XsumRow[] =>
  readSharedText('data/xsum', file)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as XsumRow);

/** document/summary plus an extra INT32 column; rows 2 and 5 have an empty or null target. */
function sampleFile(rows: XsumRow[]): { bytes: ArrayBuffer; documents: string[]; summaries: (string | null)[] } {
  const documents = rows.map((r) => r.document);
  const summaries: (string | null)[] = rows.map((r) => r.summary);
  summaries[2] = '   ';
  summaries[5] = null;
  const bytes = parquetWriteBuffer({
    columnData: [
      { name: 'document', data: documents, type: 'STRING' },
      { name: 'summary', data: summaries, type: 'STRING' },
      { name: 'words', data: rows.map((r) => r.document.split(/\s+/).length), type: 'INT32' },
    ],
    rowGroupSize: 7, // several row groups, so maxRows/rowOffset cross group boundaries
  });
  return { bytes, documents, summaries };
}

describe('Parquet written by hyparquet-writer reads back', () => {
  const rows = xsum('validation.jsonl').slice(0, 20);
  const { bytes, documents, summaries } = sampleFile(rows);

  it('gives every row and column back unchanged', async () => {
    expect(isParquet(bytes)).toBe(true);
    expect(await readParquetColumns(bytes, 'v.parquet')).toEqual(['document', 'summary', 'words']);
    const table = await readParquetRecords(bytes, 'v.parquet');
    expect(table.numRows).toBe(20);
    expect(table.rows.map((r) => r.record.document)).toEqual(documents);
    expect(table.rows.map((r) => r.record.summary)).toEqual(summaries);
    expect(table.rows.map((r) => r.record.words)).toEqual(rows.map((r) => r.document.split(/\s+/).length));
    expect(table.rows.map((r) => r.line)).toEqual(rows.map((_, i) => i + 1));
  });

  it('maps pairs with the same rules as readPairs on the equivalent JSON Lines', async () => {
    const fromParquet = await readParquetPairs(bytes, undefined, 'v.parquet');
    const jsonl = documents.map((d, i) => JSON.stringify({ document: d, summary: summaries[i] })).join('\n');
    const fromJsonl = readPairs(jsonl, 'jsonl', undefined, 'v.jsonl');
    expect(fromParquet.pairs).toEqual(fromJsonl.pairs);
    expect(fromParquet.pairs).toHaveLength(18);
    expect(fromParquet.skipped).toEqual([
      { line: 3, reason: 'target column "summary" is empty' },
      { line: 6, reason: 'target column "summary" is null' },
    ]);
    expect(fromParquet.pairs[0]).toEqual({ input: rows[0].document, target: rows[0].summary });
  });

  it('reads a window of rows across row groups', async () => {
    const table = await readParquetRecords(bytes, 'v.parquet', { rowOffset: 5, maxRows: 9 });
    expect(table.rows.map((r) => r.record.document)).toEqual(documents.slice(5, 14));
    expect(table.rows[0].line).toBe(6);
    const tail = await readParquetRecords(bytes, 'v.parquet', { rowOffset: 18, maxRows: 100 });
    expect(tail.rows).toHaveLength(2);
  });

  it('names the missing column and the columns that exist', async () => {
    await expect(readParquetPairs(bytes, { input: 'text', target: 'summary' }, 'v.parquet')).rejects.toThrow(
      'v.parquet: input column "text" not found; columns are: document, summary, words',
    );
  });

  it('rejects a mapped column that is not text', async () => {
    await expect(readParquetPairs(bytes, { input: 'document', target: 'words' }, 'v.parquet')).rejects.toThrow(
      /^v\.parquet row 1: target column "words" must be a string, found a number \(\d+\)$/,
    );
  });
});

describe('bad Parquet input', () => {
  it('says garbage bytes are not Parquet', async () => {
    const text = new TextEncoder().encode('{"document":"a","summary":"b"}\n');
    const err = await readParquetPairs(text.buffer as ArrayBuffer, undefined, 'train.parquet').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toBe(
      'train.parquet: not a Parquet file: it must start and end with the bytes "PAR1", but starts with "{"docume" (31 bytes)',
    );
    await expect(readParquetRecords(new ArrayBuffer(0), 'e.parquet')).rejects.toThrow('e.parquet: the file is empty');
  });

  it('reports a damaged footer instead of crashing', async () => {
    const { bytes } = sampleFile(xsum('validation.jsonl').slice(0, 8));
    const damaged = new Uint8Array(bytes.slice(0));
    // Overwrite the footer length (the 4 bytes before the trailing magic) with nonsense.
    damaged.set([0xff, 0xff, 0xff, 0x7f], damaged.length - 8);
    await expect(readParquetRecords(damaged.buffer, 'd.parquet')).rejects.toThrow(
      /^d\.parquet: not a readable Parquet file \(/,
    );
  });
});
