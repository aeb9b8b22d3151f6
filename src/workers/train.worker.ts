// The training worker: a thin shell that picks a backend, fetches the data, runs the engine and
// posts its events. Every failure is posted back as an 'error' event: an exception in an async
// message handler is otherwise silent, and the page would wait forever.
/// <reference lib="webworker" />
import { paramChecksum } from '../model/checksum';
import { disposeParams } from '../model/params';
import { runFromText, type RunData } from '../train/run';
import { validateSpec } from '../train/spec';
import { pickBackend } from './backend';
import { checkToWorker, type DataSource, type FromWorker } from './protocol';

const post = (m: FromWorker) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);
let stopRequested = false;
let running = false;

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status} ${res.statusText}`);
  return res.text();
}

async function loadData(src: DataSource): Promise<RunData> {
  if (src.kind === 'text') return { trainName: src.name, trainText: src.trainText, validationName: src.validationText === undefined ? undefined : 'validation', validationText: src.validationText };
  const name = (u: string) => u.split('/').pop() || u;
  return {
    trainName: name(src.trainUrl),
    trainText: await fetchText(src.trainUrl),
    validationName: src.validationUrl ? name(src.validationUrl) : undefined,
    validationText: src.validationUrl ? await fetchText(src.validationUrl) : undefined,
  };
}

async function start(specIn: unknown, src: DataSource): Promise<void> {
  const spec = validateSpec(specIn);
  const t0 = performance.now();
  post({ type: 'status', message: 'starting a tfjs backend' });
  const picked = await pickBackend(spec.backend);
  post({ type: 'backend', ...picked });
  post({ type: 'status', message: 'loading data' });
  const data = await loadData(src);
  const out = await runFromText(spec, data, post, () => stopRequested);
  const checksum = await paramChecksum(out.params);
  disposeParams(out.params);
  post({ type: 'done', reason: out.stopped ? 'stopped' : 'finished', steps: out.steps, elapsedMs: performance.now() - t0, checksum });
}

self.onmessage = (ev: MessageEvent) => {
  const msg = checkToWorker(ev.data);
  if (typeof msg === 'string') {
    console.warn(`trainer worker: dropped a bad message: ${msg}`);
    return;
  }
  if (msg.type === 'stop') {
    stopRequested = true;
    return;
  }
  if (running) {
    post({ type: 'error', message: 'a run is already in progress in this worker' });
    return;
  }
  running = true;
  stopRequested = false;
  start(msg.spec, msg.data)
    .catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }))
    .finally(() => {
      running = false;
    });
};

self.onunhandledrejection = (ev: PromiseRejectionEvent) => {
  post({ type: 'error', message: `unhandled error in the trainer: ${String(ev.reason?.message ?? ev.reason)}` });
};
