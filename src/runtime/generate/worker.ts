// The generation worker: picks a backend, loads the model, generates and answers once.
// The page terminates it after the answer; it never shares a thread with a training group.
/// <reference lib="webworker" />
import { importAdaptedModel } from '../../model/io/adapted-model';
import { tryModel } from '../../model/generate/try-model';
import { generationSettingsOf } from '../../model/generate/generate';
import { pickBackend } from '../backend';
import { checkGenerateRequest, type GenerateAnswer, type GenerateRequest } from './protocol';
import { errorMessage } from '../../core/errors';

const post = (m: GenerateAnswer) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

async function generate(msg: GenerateRequest): Promise<void> {
  const picked = await pickBackend(msg.backend);
  const m = importAdaptedModel(msg.model); // a base, with its PEFT adapter when it has one
  const { text, ids } = await tryModel(m, msg.prompt, {
    ...generationSettingsOf(msg),
    maxNewTokens: msg.maxNewTokens,
    summarize: msg.summarize,
  });
  post({ type: 'generated', text, ids, backend: picked.backend });
}

self.onmessage = (ev: MessageEvent) => {
  const msg = checkGenerateRequest(ev.data);
  if (typeof msg === 'string') {
    console.warn(`generation worker: dropped a bad message: ${msg}`);
    return;
  }
  // An exception in an async handler is otherwise silent, and the page would wait forever.
  generate(msg).catch((e: unknown) => post({ type: 'error', message: errorMessage(e) }));
};

self.onunhandledrejection = (ev: PromiseRejectionEvent) => {
  post({
    type: 'error',
    message: `unhandled error in the generation worker: ${String(ev.reason?.message ?? ev.reason)}`,
  });
};
