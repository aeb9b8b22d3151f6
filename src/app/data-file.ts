// The page's side of the data-file worker: hands it a File, gathers the batches of rows it sends
// and resolves with the whole table. The page only appends rows (a few MB of structured clone per
// message), so it stays responsive while a big file is read. `cancel` ends the worker.
import type { RecordRow, RecordTable } from '../data/readers';
import { checkDataFileMessage, type DataFileRequest } from '../runtime/data-file/protocol';

export interface DataFileRead {
  /** The table, or a rejection with the reader's message (e.g. "x.jsonl line 3: not valid JSON: …"). */
  table: Promise<RecordTable & { streamed: boolean }>;
  cancel(): void;
}

export function readDataFileInWorker(
  file: File,
  onProgress: (bytesRead: number, size: number, rows: number) => void,
): DataFileRead {
  const worker = new Worker(new URL('../runtime/data-file/worker.ts', import.meta.url), {
    type: 'module',
    name: 'data-file',
  });
  let settle: { resolve: (t: RecordTable & { streamed: boolean }) => void; reject: (e: Error) => void };
  const table = new Promise<RecordTable & { streamed: boolean }>((resolve, reject) => (settle = { resolve, reject }));
  const rows: RecordRow[] = [];
  const fail = (message: string) => {
    worker.terminate();
    settle.reject(new Error(message));
  };
  worker.onmessage = (ev: MessageEvent) => {
    const m = checkDataFileMessage(ev.data);
    if (typeof m === 'string') return fail(`the data-file worker sent a bad message: ${m}`);
    switch (m.type) {
      case 'progress':
        onProgress(m.bytesRead, m.size, rows.length);
        break;
      case 'rows':
        for (const r of m.rows) rows.push(r);
        break;
      case 'done':
        worker.terminate();
        settle.resolve({ ...m.shape, rows });
        break;
      case 'error':
        fail(m.message);
        break;
    }
  };
  worker.onerror = (ev) => fail(ev.message || 'the data-file worker failed');
  const req: DataFileRequest = { file };
  worker.postMessage(req);
  return {
    table,
    cancel: () => {
      worker.terminate();
      settle.reject(new Error('cancelled'));
    },
  };
}
