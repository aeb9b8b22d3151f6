// Reads the model or adapter a user picked off the page's main thread: unzipping, parsing and
// checking a model once held the page for seconds (a 1 MB zip inflating to 1 GiB: 8.4 s; a config
// naming 100,000 layers: 36 s). The work is model/io/picked.ts (engine, Node-tested); this file
// checks the Files' sizes before reading a byte, reads them, and posts the one answer.
/// <reference lib="webworker" />
import { errorMessage } from '../../core/errors';
import { checkModelFileList } from '../../model/io/file-limits';
import type { ModelFile } from '../../model/io/model-files';
import { importPickedAdapter, importPickedModel } from '../../model/io/picked';
import { checkModelFileRequest, type ModelFileMessage, type PickedFile } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Posts the answer, handing over (not copying) each file's buffer once. */
function post(m: ModelFileMessage): void {
  const files = m.type === 'model' ? m.files : m.type === 'adapter' ? m.adapter : [];
  scope.postMessage(m, [...new Set(files.map((f) => f.bytes.buffer as ArrayBuffer))]);
}

async function read(picked: PickedFile[]): Promise<ModelFile[]> {
  checkModelFileList(picked.map((f) => ({ name: f.name, size: f.size }))); // before a byte is read
  return Promise.all(picked.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

scope.onmessage = async (ev: MessageEvent) => {
  const req = checkModelFileRequest(ev.data);
  if (typeof req === 'string') {
    post({ type: 'error', message: req });
    return;
  }
  try {
    const raw = await read(req.files);
    if (req.type === 'import-model') post({ type: 'model', ...importPickedModel(raw) });
    else post({ type: 'adapter', ...importPickedAdapter(raw, req.baseConfig, req.baseId) });
  } catch (err) {
    post({ type: 'error', message: errorMessage(err) });
  }
};
