// Reading Parquet (a local file, or a Hub dataset's converted files) into the same RecordTable the
// text readers build, so column mapping and the skip/error rules are readers.ts's, not a copy.
//
// hyparquet does the decoding (snappy built in; other codecs are reported as unsupported). It takes
// either the whole file (ArrayBuffer) or an AsyncBuffer, which fetches byte ranges on demand: with
// rowEnd set, only the footer and the row groups holding the wanted rows are read, so taking the
// first 1,000 rows of a 300 MB Hub shard downloads a few MB.
import {
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
  type FileMetaData,
} from 'hyparquet';
import { DataFormatError, pairsFromTable, type ReadResult, type RecordTable } from './readers';
import { DEFAULT_MAPPING, type ColumnMapping } from './types';
import { errorMessage } from '../core/errors';
import { clipText, listSome } from '../core/bounded-text';

const MAGIC = 'PAR1';

export interface ParquetReadOptions {
  /** First row to read (0-based). */
  rowOffset?: number;
  /** At most this many rows from rowOffset; all when absent. */
  maxRows?: number;
  /** Top-level columns to decode; all when absent (a preview wants every column). */
  columns?: string[];
}

export interface ParquetTable extends RecordTable {
  /** Rows in the whole file, whatever was read. */
  numRows: number;
}

function ascii(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
}

/** Whether whole-file bytes carry the Parquet magic "PAR1" at both ends. */
export function isParquet(bytes: ArrayBuffer | Uint8Array): boolean {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return u8.length >= 12 && ascii(u8.subarray(0, 4)) === MAGIC && ascii(u8.subarray(u8.length - 4)) === MAGIC;
}

function checkMagic(bytes: ArrayBuffer, source: string): void {
  if (isParquet(bytes)) return;
  const u8 = new Uint8Array(bytes);
  if (u8.length === 0) throw new DataFormatError(source, undefined, 'the file is empty');
  throw new DataFormatError(
    source,
    undefined,
    `not a Parquet file: it must start and end with the bytes "PAR1", but starts with "${ascii(u8.subarray(0, 8))}" (${u8.length} bytes)`,
  );
}

/** Keeps the original error (e.g. a failed range fetch) reachable for callers that know its kind. */
function withCause(e: DataFormatError, cause: unknown): DataFormatError {
  e.cause = cause;
  return e;
}

async function metadataOf(file: ArrayBuffer | AsyncBuffer, source: string): Promise<FileMetaData> {
  if (file instanceof ArrayBuffer) checkMagic(file, source);
  try {
    return await parquetMetadataAsync(file);
  } catch (err) {
    throw withCause(new DataFormatError(source, undefined, `not a readable Parquet file (${errorMessage(err)})`), err);
  }
}

/** Top-level column names from the file's schema (a nested struct counts as one column). */
function columnsOf(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/** The column names a Parquet file offers, for a mapping UI. */
export async function readParquetColumns(
  file: ArrayBuffer | AsyncBuffer,
  sourceName = 'data.parquet',
): Promise<string[]> {
  return columnsOf(await metadataOf(file, sourceName));
}

/**
 * Rows of a Parquet file as a RecordTable; `line` is the 1-based row number in the file and
 * messages say "row N". Throws DataFormatError for bytes that are not Parquet or cannot be decoded.
 */
export async function readParquetRecords(
  file: ArrayBuffer | AsyncBuffer,
  sourceName = 'data.parquet',
  opts: ParquetReadOptions = {},
): Promise<ParquetTable> {
  const metadata = await metadataOf(file, sourceName);
  const numRows = Number(metadata.num_rows);
  const columns = columnsOf(metadata);
  const rowStart = opts.rowOffset ?? 0;
  if (!Number.isInteger(rowStart) || rowStart < 0)
    throw new DataFormatError(sourceName, undefined, `rowOffset must be an integer >= 0, got ${rowStart}`);
  const rowEnd = Math.min(numRows, opts.maxRows === undefined ? numRows : rowStart + opts.maxRows);
  const wanted = opts.columns;
  const missing = wanted?.filter((c) => !columns.includes(c)) ?? [];
  if (missing.length > 0) {
    throw new DataFormatError(
      sourceName,
      undefined,
      `column ${JSON.stringify(clipText(missing[0]))} not found; columns are: ${listSome(columns)}`,
    );
  }
  if (rowEnd <= rowStart) return { columns, rows: [], columnsAt: undefined, unit: 'row', numRows };
  let objects: Record<string, unknown>[];
  try {
    objects = await parquetReadObjects({ file, metadata, rowStart, rowEnd, columns: wanted });
  } catch (err) {
    throw withCause(
      new DataFormatError(sourceName, undefined, `could not decode the Parquet data (${errorMessage(err)})`),
      err,
    );
  }
  return {
    columns,
    rows: objects.map((record, i) => ({ line: rowStart + i + 1, record })),
    columnsAt: undefined,
    unit: 'row',
    numRows,
  };
}

/**
 * Pairs from a Parquet file with readPairs's rules: a mapped column missing from the schema throws
 * (naming the columns that exist); rows with an empty or null input/target are skipped with a reason.
 */
export async function readParquetPairs(
  file: ArrayBuffer | AsyncBuffer,
  mapping: ColumnMapping = DEFAULT_MAPPING,
  sourceName = 'data.parquet',
  opts: Omit<ParquetReadOptions, 'columns'> = {},
): Promise<ReadResult> {
  const table = await readParquetRecords(file, sourceName, opts);
  return pairsFromTable(table, mapping, sourceName);
}
