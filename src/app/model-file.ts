// The page's side of the model-file worker: hands it the Files a user picked (a handle each, not
// their bytes) and resolves with what the page keeps — the model's HF files or the adapter's PEFT
// files, with notes — or rejects with the worker's one short message. The worker is terminated
// after its answer, so a refused zip bomb leaves nothing behind on the page.
import type { ModelFile } from '../model/io/model-files';
import type { PickedAdapter, PickedModel } from '../model/io/picked';
import { checkModelFileMessage, type ModelFileMessage, type ModelFileRequest } from '../runtime/model-file/protocol';

function ask(req: ModelFileRequest): Promise<ModelFileMessage> {
  const worker = new Worker(new URL('../runtime/model-file/worker.ts', import.meta.url), {
    type: 'module',
    name: 'model-file',
  });
  return new Promise<ModelFileMessage>((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent) => {
      const m = checkModelFileMessage(ev.data);
      if (typeof m === 'string') reject(new Error(`the model-file worker sent a bad message: ${m}`));
      else if (m.type === 'error') reject(new Error(m.message));
      else resolve(m);
    };
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      // A worker that ran out of memory ends without a message of its own.
      reject(new Error(`reading the files failed: ${ev.message || 'the model-file worker stopped (out of memory?)'}`));
    };
    worker.postMessage(req);
  }).finally(() => worker.terminate());
}

/** The picked files read as a model, in a worker; rejects with what is wrong. */
export async function importModelInWorker(files: File[]): Promise<PickedModel> {
  const m = await ask({ type: 'import-model', files });
  if (m.type !== 'model') throw new Error('the model-file worker answered with something other than a model');
  return { files: m.files, notes: m.notes };
}

/** The picked files read as a PEFT adapter for the base with config.json `baseConfig`, in a worker; rejects with what is wrong. */
export async function importAdapterInWorker(
  files: File[],
  baseConfig: ModelFile,
  baseId?: { id: string; revision: string },
): Promise<PickedAdapter> {
  const m = await ask({ type: 'import-adapter', files, baseConfig: baseConfig.bytes, ...(baseId ? { baseId } : {}) });
  if (m.type !== 'adapter') throw new Error('the model-file worker answered with something other than an adapter');
  return { adapter: m.adapter, notes: m.notes };
}
