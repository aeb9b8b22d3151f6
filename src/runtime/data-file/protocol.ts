// Messages to and from the data-file worker: one File in; progress, batches of rows in file order,
// then 'done' (the table's columns) or 'error' (the reader's message) out. One worker per file: a
// newer pick ends the old worker, so messages never need matching to requests.
import type { RecordRow } from '../../data/readers';
import type { TableShape } from '../../data/local-file';
import { isNum, isObj, isStr } from '../message-checks';

export interface DataFileRequest {
  file: Blob & { name: string };
}

export type DataFileMessage =
  | { type: 'progress'; bytesRead: number; size: number }
  | { type: 'rows'; rows: RecordRow[] }
  | { type: 'done'; shape: TableShape }
  | { type: 'error'; message: string };

/** The request typed, or what is wrong with it. */
export function checkDataFileRequest(m: unknown): DataFileRequest | string {
  if (!isObj(m) || !isObj(m.file) || !isStr(m.file.name) || !isNum(m.file.size))
    return 'data-file request: file must be a File';
  return m as unknown as DataFileRequest;
}

/**
 * The message typed, or what is wrong with it. Rows are checked by shape only at their batch's
 * first row: the worker built them from the user's file with the engine's readers, and walking a
 * 200 MB table again on the page would cost the time the worker saves.
 */
export function checkDataFileMessage(m: unknown): DataFileMessage | string {
  if (!isObj(m)) return 'data-file message is not an object';
  switch (m.type) {
    case 'progress':
      return isNum(m.bytesRead) && isNum(m.size)
        ? (m as unknown as DataFileMessage)
        : 'data-file progress needs bytesRead and size';
    case 'rows': {
      const rows = m.rows;
      if (!Array.isArray(rows)) return 'data-file rows must be a list';
      const r = rows[0] as unknown;
      if (r !== undefined && !(isObj(r) && isNum(r.line) && isObj(r.record)))
        return 'data-file rows must be [{line, record}]';
      return m as unknown as DataFileMessage;
    }
    case 'done': {
      const s = m.shape;
      if (!isObj(s) || !Array.isArray(s.columns) || !s.columns.every(isStr) || (s.unit !== 'line' && s.unit !== 'row'))
        return 'data-file done needs shape {columns, columnsAt, unit}';
      return m as unknown as DataFileMessage;
    }
    case 'error':
      return isStr(m.message) ? (m as unknown as DataFileMessage) : 'data-file error has no message';
    default:
      return `data-file message has unknown type ${JSON.stringify(m.type)}`;
  }
}
