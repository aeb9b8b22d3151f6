// JSON Lines read as text arrives (the data-file worker streams a big file through it), with the
// rules and messages of readRecords(text, 'jsonl'): lines split on LF (a CR before it dropped),
// blank lines skipped, each other line one JSON object, an error naming the 1-based line.
//
// No DOM, no Node APIs.
import { DataFormatError, type RecordRow } from './readers';

/**
 * The longest line (in characters) a row may be: 16 Mi. A line that never closes (a file with no
 * newline, or a quote left open) would otherwise grow in the worker until the whole file is one
 * string, then fail JSON.parse with a message about its last byte; no real row is this long.
 */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

/** The refusal of a line past MAX_LINE_CHARS. */
export function lineTooLongProblem(max = MAX_LINE_CHARS): string {
  const mib = max / (1024 * 1024);
  return `longer than ${Number.isInteger(mib) ? `${mib} MiB` : `${max.toLocaleString('en-US')} characters`} (the most one JSON Lines row may hold); is a quote or brace left open, or is the file one record per line?`;
}

export class JsonLinesStream {
  private readonly source: string;
  /** Text after the last LF seen: the start of a line still arriving. */
  private rest = '';
  /** 1-based number of the line `rest` starts. */
  private line = 1;
  private first = true;
  /** Keys of the first row (the table's columns), once there is one. */
  columns: string[] | null = null;
  /** Line of the first row. */
  columnsAt: number | undefined = undefined;

  private readonly maxLine: number;

  constructor(source = 'data', maxLine = MAX_LINE_CHARS) {
    this.source = source;
    this.maxLine = maxLine;
  }

  /** The rows of the lines `text` completes. */
  push(text: string): RecordRow[] {
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM the decoder kept
    }
    const rows: RecordRow[] = [];
    let from = 0;
    let nl = text.indexOf('\n');
    if (nl < 0) {
      this.checkLength(this.rest.length + text.length, this.line);
      this.rest += text;
      return rows;
    }
    // The first line completed joins what was left over from earlier chunks.
    this.checkLength(this.rest.length + nl, this.line);
    this.take(this.rest + text.slice(0, nl), rows);
    from = nl + 1;
    while ((nl = text.indexOf('\n', from)) >= 0) {
      this.checkLength(nl - from, this.line);
      this.take(text.slice(from, nl), rows);
      from = nl + 1;
    }
    this.checkLength(text.length - from, this.line);
    this.rest = text.slice(from);
    return rows;
  }

  /** The last line's row (a file need not end with LF); throws 'the file is empty' if there were no rows. */
  end(): RecordRow[] {
    const rows: RecordRow[] = [];
    this.take(this.rest, rows);
    this.rest = '';
    if (this.columns === null) throw new DataFormatError(this.source, undefined, 'the file is empty');
    return rows;
  }

  /** Throws once line `n` (still arriving or whole) has more than maxLine characters. */
  private checkLength(chars: number, n: number): void {
    if (chars > this.maxLine) throw new DataFormatError(this.source, n, lineTooLongProblem(this.maxLine));
  }

  private take(raw: string, rows: RecordRow[]): void {
    const n = this.line++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new DataFormatError(this.source, n, `not valid JSON: ${(e as Error).message}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      const kind = v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
      throw new DataFormatError(this.source, n, `expected a JSON object, found ${kind}`);
    }
    const record = v as Record<string, unknown>;
    if (this.columns === null) {
      this.columns = Object.keys(record);
      this.columnsAt = n;
    }
    rows.push({ line: n, record });
  }
}
