// Reads a local data file off the page's main thread: a 200 MB JSON Lines file parsed on the page
// froze it for seconds. The reading is readLocalFile (engine, Node-tested); this file only adapts
// the File (File.stream() for JSON Lines, so the file is never one string) and carries messages.
/// <reference lib="webworker" />
import { readLocalFile, type LocalFile } from '../../data/local-file';
import { errorMessage } from '../../core/errors';
import { checkDataFileRequest, type DataFileMessage } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: DataFileMessage) => scope.postMessage(m);

/** Progress at most this often: a message per 64 KB chunk would flood the page. */
const PROGRESS_MS = 100;

function localFile(file: File): LocalFile {
  return {
    name: file.name,
    size: file.size,
    slice: async (a, b) => new Uint8Array(await file.slice(a, b).arrayBuffer()),
    async *chunks() {
      const reader = file.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    },
  };
}

scope.onmessage = async (ev: MessageEvent) => {
  const req = checkDataFileRequest(ev.data);
  if (typeof req === 'string') {
    post({ type: 'error', message: req });
    return;
  }
  const file = req.file as File;
  let last = 0;
  try {
    const shape = await readLocalFile(localFile(file), {
      rows: (rows) => post({ type: 'rows', rows }),
      progress: (bytesRead) => {
        const now = Date.now();
        if (now - last < PROGRESS_MS && bytesRead < file.size) return;
        last = now;
        post({ type: 'progress', bytesRead, size: file.size });
      },
    });
    post({ type: 'done', shape });
  } catch (err) {
    post({ type: 'error', message: errorMessage(err) });
  }
};
