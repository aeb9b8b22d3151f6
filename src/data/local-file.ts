// Reading a user's local data file into rows, for the data-file worker (runtime/data-file): JSON
// Lines is streamed chunk by chunk (a 200 MB file is never one string, and rows leave in batches as
// they are read); JSON, CSV/TSV and Parquet need the whole text or bytes, so they are read whole —
// still in the worker, off the page's main thread. Messages match the whole-file readers exactly.
//
// No DOM: the worker adapts a File to LocalFile.
import { decodeUtf8Strict } from './decode-text';
import { JsonLinesStream } from './json-lines-stream';
import { isParquet, readParquetRecords } from './parquet';
import { DataFormatError, detectFormat, readRecords, type RecordRow, type RecordTable } from './readers';
import { StrictUtf8Stream } from './utf8-stream';

export interface LocalFile {
  name: string;
  size: number;
  /** Bytes [start, end) of the file. */
  slice(start: number, end: number): Promise<Uint8Array>;
  /** The file's bytes in order, in chunks of any size. */
  chunks(): AsyncIterable<Uint8Array>;
}

export interface LocalFileSink {
  /** A batch of rows in file order. */
  rows(batch: RecordRow[]): void;
  /** Bytes of the file read so far. */
  progress(bytesRead: number): void;
}

/** What a table is besides its rows (which went to the sink). */
export type TableShape = Omit<RecordTable, 'rows'> & { streamed: boolean };

/** A batch leaves once it holds this many characters of lines (or at the end): a quarter MB per message (big enough that V8 puts its strings straight into the old generation, small enough to unpack in a few ms). */
export const BATCH_CHARS = 256 * 1024;
/** Rows per batch for the formats read whole. */
export const BATCH_ROWS = 2000;

/** Whether the file is JSON Lines by name (and not Parquet by content), so it can be streamed. */
async function streamable(file: LocalFile): Promise<boolean> {
  if (!/\.(jsonl|ndjson)$/i.test(file.name)) return false;
  if (file.size < 12) return true;
  const head = await file.slice(0, 4);
  const tail = await file.slice(file.size - 8, file.size);
  const probe = new Uint8Array(12);
  probe.set(head);
  probe.set(tail, 4);
  return !isParquet(probe);
}

/** Reads `file` into `sink`; throws DataFormatError (or Error) naming what is wrong, as the page's readers did. */
export async function readLocalFile(file: LocalFile, sink: LocalFileSink): Promise<TableShape> {
  if (await streamable(file)) return streamJsonLines(file, sink);
  const bytes = await file.slice(0, file.size);
  sink.progress(bytes.length);
  let table: RecordTable;
  if (/\.parquet$/i.test(file.name) || isParquet(bytes)) {
    // Parquet wants its own ArrayBuffer (the slice may be a view of a larger one).
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    table = await readParquetRecords(own.buffer as ArrayBuffer, file.name);
  } else {
    const text = decodeUtf8Strict(bytes, file.name); // names a bad byte's line, never swaps in U+FFFD
    if (text.trim() === '') throw new Error('the file is empty');
    table = readRecords(text, detectFormat(file.name, text), file.name);
  }
  for (let i = 0; i < table.rows.length; i += BATCH_ROWS) sink.rows(table.rows.slice(i, i + BATCH_ROWS));
  const { columns, columnsAt, unit } = table;
  return { columns, columnsAt, unit, streamed: false };
}

async function streamJsonLines(file: LocalFile, sink: LocalFileSink): Promise<TableShape> {
  const decoder = new StrictUtf8Stream(file.name);
  const lines = new JsonLinesStream(file.name);
  let batch: RecordRow[] = [];
  let chars = 0;
  let read = 0;
  const add = (rows: RecordRow[], text: string) => {
    for (const r of rows) batch.push(r);
    chars += text.length;
    if (chars >= BATCH_CHARS) {
      sink.rows(batch);
      batch = [];
      chars = 0;
    }
  };
  for await (const chunk of file.chunks()) {
    const text = decoder.push(chunk);
    add(lines.push(text), text);
    read += chunk.length;
    sink.progress(read);
  }
  const last = decoder.end();
  add(lines.push(last), last);
  try {
    add(lines.end(), '');
  } catch (err) {
    // Same wording as the page's whole-file check, which threw a plain 'the file is empty'; a
    // problem on a line (the last line not valid JSON) is that problem, not an empty file.
    if (lines.columns === null && err instanceof DataFormatError && err.line === undefined)
      throw new Error('the file is empty');
    throw err;
  }
  if (batch.length > 0) sink.rows(batch);
  return { columns: lines.columns ?? [], columnsAt: lines.columnsAt, unit: 'line', streamed: true };
}
