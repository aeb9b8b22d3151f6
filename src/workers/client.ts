// The page's side of the training worker: spawn it, send a run, pass on every checked event.
// A message that fails its check is dropped and logged; a worker crash becomes an 'error' event,
// so the page never waits on a worker that died silently.
import type { RunSpec } from '../train/spec';
import { checkFromWorker, type DataSource, type FromWorker, type ToWorker } from './protocol';

export interface TrainingClient {
  start(spec: RunSpec, data: DataSource): void;
  stop(): void;
  dispose(): void;
}

export function createTrainingClient(onEvent: (e: FromWorker) => void): TrainingClient {
  let worker: Worker | null = null;

  const spawn = () => {
    const w = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module', name: 'trainer' });
    w.onmessage = (ev: MessageEvent) => {
      const msg = checkFromWorker(ev.data);
      if (typeof msg === 'string') {
        console.warn(`training worker: dropped a bad message: ${msg}`);
        return;
      }
      onEvent(msg);
    };
    w.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      onEvent({ type: 'error', message: `training worker failed: ${ev.message || 'script error (see the browser console)'}` });
    };
    w.onmessageerror = () => console.warn('training worker: a message could not be deserialized');
    return w;
  };

  const send = (m: ToWorker) => worker?.postMessage(m);

  return {
    start(spec, data) {
      // A fresh worker per run: nothing (tensors, shader caches gone bad, a lost device) leaks between runs.
      worker?.terminate();
      worker = spawn();
      send({ type: 'start', spec, data });
    },
    stop() {
      send({ type: 'stop' });
    },
    dispose() {
      worker?.terminate();
      worker = null;
    },
  };
}
