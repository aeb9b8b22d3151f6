// The page's side of "try the model": a short-lived worker that loads the model, generates with the
// run's generation settings and is terminated — generation never blocks the page, and never touches a running training group.
import type { ModelFile } from '../../model/io/model-files';
import type { BackendChoice } from '../../train/spec';
import type { GenerationSettings } from '../../model/generate/generate';
import { checkGenerateAnswer, type GenerateRequest } from './protocol';

export interface Generated {
  text: string;
  ids: number[];
  backend: string;
}

export function generateInWorker(
  model: ModelFile[],
  prompt: string,
  opts: GenerationSettings & { maxNewTokens: number; backend: BackendChoice; summarize: boolean },
): Promise<Generated> {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'generate' });
  return new Promise<Generated>((resolve, reject) => {
    w.onmessage = (ev: MessageEvent) => {
      const msg = checkGenerateAnswer(ev.data);
      if (typeof msg === 'string') {
        console.warn(`generation worker: dropped a bad message: ${msg}`);
        return;
      }
      if (msg.type === 'generated') resolve({ text: msg.text, ids: msg.ids, backend: msg.backend });
      else reject(new Error(msg.message));
    };
    w.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      reject(new Error(`generation worker failed: ${ev.message || 'script error (see the browser console)'}`));
    };
    // Copies, not transfers: the store keeps its files.
    const msg: GenerateRequest = { type: 'generate', model, prompt, ...opts };
    w.postMessage(msg);
  }).finally(() => w.terminate());
}
