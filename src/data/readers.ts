// Reading user data files (JSON Lines, JSON, CSV, TSV) into (input, target) pairs. Other sources
// (Parquet in parquet.ts, Hub rows in hub.ts) build a RecordTable and share pairsFromTable, so every
// source follows the same column-mapping, skip and error rules.
//
// Runs in a Web Worker: no DOM, no Node APIs — the caller hands over the file's text.
//
// Policy: a problem with the file's structure (unparsable line, missing mapped column, a value that
// is not a string, a ragged CSV row, an unterminated quote) throws a DataFormatError naming the source,
// the 1-based line and the problem, because guessing would silently train on the wrong text. A row
// whose input or target is empty (or whitespace, or JSON null) cannot train, so it is skipped and
// reported; if every row is skipped the file is useless and that throws too.
import type { Pair } from '../core/example';
import { DEFAULT_MAPPING, type ColumnMapping } from './types';
import { clipText, listSome } from '../core/bounded-text';

export type DataFormat = 'jsonl' | 'json' | 'csv' | 'tsv';
export const DATA_FORMATS: readonly DataFormat[] = ['jsonl', 'json', 'csv', 'tsv'];

/**
 * `line` is the 1-based line of the file where the row starts (JSONL, CSV, TSV); for a JSON
 * document, whose rows have no lines of their own, it is the 1-based position of the row in its array.
 */
export interface SkippedRow {
  line: number;
  reason: string;
}

export interface ReadResult {
  pairs: Pair[];
  skipped: SkippedRow[];
}

/** A bad data file. `line` is as in SkippedRow; absent when the problem is the whole file. */
export class DataFormatError extends Error {
  readonly source: string;
  readonly line: number | undefined;
  constructor(source: string, line: number | undefined, problem: string, unit: 'line' | 'row' = 'line') {
    super(line === undefined ? `${source}: ${problem}` : `${source} ${unit} ${line}: ${problem}`);
    this.name = 'DataFormatError';
    this.source = source;
    this.line = line;
  }
}

/**
 * One parsed row before column mapping; `line` is where it starts (see SkippedRow). `truncated`
 * names cells the source cut short (the Hub rows API truncates big cells): such a row is skipped
 * when a mapped column is among them, since training on a clipped summary teaches the wrong target.
 */
export interface RecordRow {
  line: number;
  record: Record<string, unknown>;
  truncated?: readonly string[];
}

/** All rows of a source; `columns` are the header's (CSV/TSV), the first object's keys (JSON) or the schema's (Parquet). */
export interface RecordTable {
  columns: string[];
  rows: RecordRow[];
  columnsAt: number | undefined; // where the columns come from (header line, first row); undefined: the whole file (a schema)
  unit: 'line' | 'row'; // how messages locate a row: a line of the file, or a row position
}

/**
 * Reads every pair from a file's text. Throws DataFormatError on structural problems; rows with an
 * empty input or target come back in `skipped` instead of `pairs`.
 */
export function readPairs(
  text: string,
  format: DataFormat,
  mapping: ColumnMapping = DEFAULT_MAPPING,
  sourceName = 'data',
): ReadResult {
  checkMapping(mapping, sourceName);
  return pairsFromTable(readRecords(text, format, sourceName), mapping, sourceName);
}

function checkMapping(mapping: ColumnMapping, sourceName: string): void {
  if (!mapping.input || !mapping.target) {
    throw new DataFormatError(sourceName, undefined, 'the column mapping must name both an input and a target column');
  }
}

/** The mapped pairs of any table; see the header for the rules. */
export function pairsFromTable(
  table: RecordTable,
  mapping: ColumnMapping = DEFAULT_MAPPING,
  sourceName = 'data',
): ReadResult {
  checkMapping(mapping, sourceName);
  for (const [role, column] of [
    ['input', mapping.input],
    ['target', mapping.target],
  ] as const) {
    if (!table.columns.includes(column)) {
      throw new DataFormatError(
        sourceName,
        table.columnsAt,
        `${role} column ${JSON.stringify(clipText(column))} not found; columns are: ${listSome(table.columns)}`,
        table.unit,
      );
    }
  }
  if (table.rows.length === 0) throw new DataFormatError(sourceName, undefined, 'no rows to read');

  const pairs: Pair[] = [];
  const skipped: SkippedRow[] = [];
  for (const row of table.rows) {
    const input = cell(row, mapping.input, 'input', table, sourceName);
    const target = cell(row, mapping.target, 'target', table, sourceName);
    const empty: string[] = [];
    if (input === null || input.trim() === '')
      empty.push(`input column ${JSON.stringify(mapping.input)} is ${input === null ? 'null' : 'empty'}`);
    if (target === null || target.trim() === '')
      empty.push(`target column ${JSON.stringify(mapping.target)} is ${target === null ? 'null' : 'empty'}`);
    for (const [role, column] of [
      ['input', mapping.input],
      ['target', mapping.target],
    ] as const) {
      if (row.truncated?.includes(column))
        empty.push(`${role} column ${JSON.stringify(column)} was truncated by the source`);
    }
    if (empty.length > 0) skipped.push({ line: row.line, reason: empty.join('; ') });
    else pairs.push({ input: input as string, target: target as string });
  }
  if (pairs.length === 0) {
    const s = skipped[0];
    throw new DataFormatError(
      sourceName,
      undefined,
      `all ${skipped.length} rows were skipped because their input or target is empty (first: ${table.unit} ${s.line}: ${s.reason})`,
    );
  }
  return { pairs, skipped };
}

/** The column names a file offers (CSV/TSV header, or the first JSON object's keys), for a mapping UI. */
export function readColumns(text: string, format: DataFormat, sourceName = 'data'): string[] {
  return readRecords(text, format, sourceName).columns;
}

/**
 * Guesses a file's format from its extension, falling back on its content. A `.json` file holding
 * one object per line (as `datasets` `to_json` writes) is JSON Lines.
 */
export function detectFormat(fileName: string, text: string): DataFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName.trim())?.[1]?.toLowerCase() ?? '';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv' || ext === 'tab') return 'tsv';
  const body = stripBom(text).trimStart();
  if (body.startsWith('[')) return 'json';
  if (body.startsWith('{')) return isJsonWrapper(body) ? 'json' : 'jsonl';
  if (ext === 'json') return 'json';
  // Delimited text: whichever delimiter the first line uses more.
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  const tabs = firstLine.split('\t').length;
  const commas = firstLine.split(',').length;
  return tabs > commas ? 'tsv' : 'csv';
}

/** Whether text is one JSON object wrapping the rows ({data: [...]} or {rows: [...]}). */
function isJsonWrapper(text: string): boolean {
  try {
    const doc: unknown = JSON.parse(text);
    return isRecord(doc) && (Array.isArray(doc.data) || Array.isArray(doc.rows));
  } catch {
    return false; // several objects, one per line
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A mapped cell as a string, or null for JSON null (treated as empty). Throws on other non-strings. */
function cell(row: RecordRow, column: string, role: string, table: RecordTable, source: string): string | null {
  if (!Object.prototype.hasOwnProperty.call(row.record, column)) {
    throw new DataFormatError(
      source,
      row.line,
      `${role} column ${JSON.stringify(clipText(column))} is missing from this row; its columns are: ${listSome(Object.keys(row.record))}`,
      table.unit,
    );
  }
  const v = row.record[column];
  if (typeof v === 'string') return v;
  if (v === null) return null;
  const kind = Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
  // JSON.stringify throws on a bigint (Parquet INT64) and returns undefined for a function.
  const shown =
    typeof v === 'bigint' ? `${v}` : v instanceof Uint8Array ? `${v.length} bytes` : (JSON.stringify(v) ?? String(v));
  throw new DataFormatError(
    source,
    row.line,
    `${role} column ${JSON.stringify(column)} must be a string, found ${kind} (${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown})`,
    table.unit,
  );
}

/** The rows of a text file before column mapping (throws DataFormatError on structural problems). */
export function readRecords(rawText: string, format: DataFormat, source = 'data'): RecordTable {
  const text = stripBom(rawText);
  if (text.trim() === '') throw new DataFormatError(source, undefined, 'the file is empty');
  switch (format) {
    case 'jsonl':
      return readJsonLines(text, source);
    case 'json':
      return readJsonDocument(text, source);
    case 'csv':
      return readDelimited(text, ',', source);
    case 'tsv':
      return readDelimited(text, '\t', source);
    default:
      throw new DataFormatError(
        source,
        undefined,
        `unknown format ${JSON.stringify(format)}; expected one of ${DATA_FORMATS.join(', ')}`,
      );
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readJsonLines(text: string, source: string): RecordTable {
  const lines = text.split('\n');
  const rows: RecordRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new DataFormatError(source, i + 1, `not valid JSON: ${(e as Error).message}`);
    }
    if (!isRecord(v)) throw new DataFormatError(source, i + 1, `expected a JSON object, found ${describe(v)}`);
    rows.push({ line: i + 1, record: v });
  }
  return { columns: Object.keys(rows[0].record), rows, columnsAt: rows[0].line, unit: 'line' };
}

/** Line (1-based) of a JSON.parse error, from the "position N" V8 puts in its message. */
function jsonErrorLine(text: string, message: string): number | undefined {
  const m = /position (\d+)/.exec(message);
  if (!m) return undefined;
  const pos = Math.min(Number(m[1]), text.length);
  let line = 1;
  for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function readJsonDocument(text: string, source: string): RecordTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const hint = text.trimStart().startsWith('{')
      ? ' (if the file has one object per line, read it as JSON Lines)'
      : '';
    throw new DataFormatError(source, jsonErrorLine(text, msg), `not valid JSON: ${msg}${hint}`);
  }
  // Accepted shapes: [ {...} ], { data: [ {...} ] }, and the datasets-server rows API's
  // { rows: [ { row_idx, row: {...}, truncated_cells } ] }.
  let items: unknown[];
  if (Array.isArray(doc)) items = doc;
  else if (isRecord(doc) && Array.isArray(doc.data)) items = doc.data;
  else if (isRecord(doc) && Array.isArray(doc.rows))
    items = doc.rows.map((r) => (isRecord(r) && isRecord(r.row) ? r.row : r));
  else {
    const keys = isRecord(doc) ? `an object with keys: ${listSome(Object.keys(doc))}` : describe(doc);
    throw new DataFormatError(
      source,
      undefined,
      `expected an array of objects, or an object with a "data" or "rows" array; found ${keys}`,
    );
  }
  if (items.length === 0) throw new DataFormatError(source, undefined, 'the JSON holds no rows');
  const rows: RecordRow[] = items.map((v, i) => {
    if (!isRecord(v)) throw new DataFormatError(source, i + 1, `expected a JSON object, found ${describe(v)}`, 'row');
    return { line: i + 1, record: v };
  });
  return { columns: Object.keys(rows[0].record), rows, columnsAt: 1, unit: 'row' };
}

function readDelimited(text: string, delimiter: string, source: string): RecordTable {
  const records = parseDelimited(text, delimiter, source);
  const header = records[0];
  if (!header) throw new DataFormatError(source, undefined, 'the file is empty');
  // Stray spaces around a header name are never meant; values are kept exactly as written.
  const columns = header.fields.map((f) => f.trim());
  if (records.length === 1) {
    throw new DataFormatError(
      source,
      undefined,
      `no data rows after the header (${columns.length.toLocaleString('en-US')} column${columns.length === 1 ? '' : 's'}: ${listSome(columns)})`,
    );
  }
  const rows: RecordRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    if (fields.length !== columns.length) {
      throw new DataFormatError(
        source,
        line,
        `expected ${columns.length} fields (one per header column), found ${fields.length}`,
      );
    }
    const record: Record<string, unknown> = {};
    // The first of duplicate header names wins, matching what a reader looking left-to-right expects.
    for (let c = columns.length - 1; c >= 0; c--) record[columns[c]] = fields[c];
    rows.push({ line, record });
  }
  return { columns, rows, columnsAt: header.line, unit: 'line' };
}

export interface DelimitedRecord {
  fields: string[];
  line: number; // 1-based line where the record starts
}

/**
 * RFC 4180 records: fields split by `delimiter`, records by CRLF, LF or CR; a field wrapped in double
 * quotes may hold delimiters, newlines and doubled quotes (""). CRLF inside a quoted field becomes LF
 * so Windows-saved text trains like any other. Blank lines are skipped. A quote inside an unquoted
 * field is kept literally (common in TSV exports); text after a closing quote is an error, since it
 * almost always means an undoubled quote inside a quoted field.
 */
export function parseDelimited(text: string, delimiter: string, source = 'data'): DelimitedRecord[] {
  const records: DelimitedRecord[] = [];
  const n = text.length;
  let fields: string[] = [];
  let line = 1;
  let recordLine = 1;
  let i = 0;

  const endRecord = () => {
    if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, line: recordLine });
    fields = [];
    recordLine = line;
  };

  while (i < n) {
    // At the start of a field.
    if (text[i] === '"') {
      const openLine = line;
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          throw new DataFormatError(source, openLine, 'unterminated quoted field: the closing " is missing');
        }
        const chunk = text.slice(i, q);
        for (let k = 0; k < chunk.length; k++) {
          const ch = chunk.charCodeAt(k);
          if (ch === 10 || (ch === 13 && chunk.charCodeAt(k + 1) !== 10)) line++;
        }
        value += chunk;
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value.replace(/\r\n/g, '\n'));
    } else {
      let j = i;
      while (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
      fields.push(text.slice(i, j));
      i = j;
    }
    // After a field: a delimiter, a line break, or the end of the text.
    if (i >= n) break;
    const c = text[i];
    if (c === delimiter) {
      i++;
      if (i >= n) fields.push(''); // a trailing delimiter ends with an empty field
    } else if (c === '\n' || c === '\r') {
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      endRecord();
    } else {
      throw new DataFormatError(
        source,
        line,
        `unexpected ${JSON.stringify(c)} after a closing quote (a quote inside a quoted field must be doubled: "")`,
      );
    }
  }
  if (fields.length > 0) endRecord();
  return records;
}
