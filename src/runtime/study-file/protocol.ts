// Messages to and from the study worker, which does the study work that grows with a study's size
// off the page's main thread: importing a study file (read, parse, validate, store in batches),
// opening a study (read its trials in pages, work out the digest the dashboard draws) and pages
// of its trials table. One worker serves many requests, so each carries a number its answer repeats.
import { isNum, isObj, isStr } from '../message-checks';
import type { StudyDigest } from './digest';
import type { TrialsPage, TrialsQuery } from './trials-page';

/** Study files bigger than this are refused before they are read (10^5 trials take about 50 MB). */
export const MAX_STUDY_FILE_BYTES = 256 * 1024 * 1024;

export type StudyFileRequest =
  | { type: 'import'; req: number; file: Blob & { name?: string } }
  | { type: 'open'; req: number; id: string }
  | { type: 'page'; req: number; id: string; query: TrialsQuery }
  /** The study changed or was deleted: drop what the worker holds of it. */
  | { type: 'forget'; req: number; id: string };

export type StudyFileMessage =
  | { type: 'progress'; req: number; phase: 'reading' | 'checking' | 'storing'; done: number; total: number }
  | { type: 'imported'; req: number; id: string }
  | { type: 'opened'; req: number; digest: StudyDigest }
  | { type: 'page'; req: number; page: TrialsPage }
  | { type: 'forgotten'; req: number }
  | { type: 'error'; req: number; message: string };

/** The request typed, or what is wrong with it. */
export function checkStudyFileRequest(m: unknown): StudyFileRequest | string {
  if (!isObj(m) || !isNum(m.req)) return 'study-file request needs a type and a request number';
  switch (m.type) {
    case 'import':
      return isObj(m.file) && isNum(m.file.size)
        ? (m as unknown as StudyFileRequest)
        : 'study-file import needs a file';
    case 'open':
    case 'forget':
      return isStr(m.id) ? (m as unknown as StudyFileRequest) : `study-file ${m.type} needs a study id`;
    case 'page': {
      const q = m.query;
      if (!isStr(m.id) || !isObj(q) || !isObj(q.sort) || !isStr(q.sort.key) || !isStr(q.filter))
        return 'study-file page needs a study id and a query {sort, filter, offset, limit}';
      return isNum(q.offset) && isNum(q.limit)
        ? (m as unknown as StudyFileRequest)
        : 'study-file page needs offset and limit';
    }
    default:
      return `study-file request has unknown type ${JSON.stringify(m.type)}`;
  }
}

/**
 * The message typed, or what is wrong with it. A digest or page is checked by its outline only:
 * the worker built it from the store with the engine's own code, and walking it again on the page
 * would cost the time the worker saves.
 */
export function checkStudyFileMessage(m: unknown): StudyFileMessage | string {
  if (!isObj(m) || !isNum(m.req)) return 'study-file message needs a type and a request number';
  const ok = m as unknown as StudyFileMessage;
  switch (m.type) {
    case 'progress':
      return isStr(m.phase) && isNum(m.done) && isNum(m.total) ? ok : 'study-file progress needs phase, done and total';
    case 'imported':
      return isStr(m.id) ? ok : 'study-file imported needs the new study id';
    case 'opened': {
      const d = m.digest;
      return isObj(d) && isObj(d.meta) && Array.isArray(d.sample) && Array.isArray(d.bestSoFar) && isNum(d.trialCount)
        ? ok
        : 'study-file opened needs a digest {meta, sample, bestSoFar, trialCount, …}';
    }
    case 'page':
      return isObj(m.page) && Array.isArray(m.page.rows) && isNum(m.page.matched)
        ? ok
        : 'study-file page needs {matched, offset, rows}';
    case 'forgotten':
      return ok;
    case 'error':
      return isStr(m.message) ? ok : 'study-file error has no message';
    default:
      return `study-file message has unknown type ${JSON.stringify(m.type)}`;
  }
}
