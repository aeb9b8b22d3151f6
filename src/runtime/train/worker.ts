// The training worker: a thin shell that picks a backend, fetches the data, runs the engine and
// posts its events. Every failure is posted back as an 'error' event: an exception in an async
// message handler is otherwise silent, and the page would wait forever.
/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs-core';
import { ChannelCollective } from '../../collectives/channel-collective';
import type { Collective } from '../../collectives/collective';
import { createLocalGroup } from '../../collectives/local-collective';
import { SabCollective } from '../../collectives/sab-collective';
import { decodeUtf8Strict } from '../../data/decode-text';
import { paramChecksum } from '../../model/checksum';
import { exportModelFiles, importModelFiles } from '../../model/io/model-files';
import { disposeParams, readWeights } from '../../model/params';
import { tryModel } from '../../model/generate/try-model';
import { runFromText, type RunData, type RunExtras } from '../../train/run';
import { validateSpec } from '../../train/spec';
import { decodeCheckpoint, type TrainingCheckpoint } from '../../train/checkpoint/checkpoint';
import { openCheckpointStore } from '../../train/checkpoint/open';
import { autoBatchCacheKey, isOutOfMemory } from '../../train/auto-batch';
import { pickBackend } from '../backend';
import { gpuStepProbe, indexedDbCache } from '../gpu-memory';
import type { DataSource } from '../../core/run-types';
import { checkToWorker, type FromWorker, type FromWorkerEnvelope, type ReplicaAssignment, type ToWorker } from './protocol';

let rank = 0;
// Every message carries this worker's rank, so the page can tell replicas apart.
const post = (m: FromWorker) => (self as unknown as DedicatedWorkerGlobalScope).postMessage({ ...m, rank } satisfies FromWorkerEnvelope);
let stopRequested = false;
let poisonNext = false; // fault drill: the next step's loss becomes NaN
let running = false;
/** How often a worker says it is alive (the page gives up after HEARTBEAT_TIMEOUT_MS of silence). */
const HEARTBEAT_MS = 2_000;

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status} ${res.statusText}`);
  return decodeUtf8Strict(new Uint8Array(await res.arrayBuffer()), url); // bad bytes are named, not replaced
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

/** The data a checkpoint was trained on, in words (a resume should read the same). */
const describeSource = (src: DataSource) => (src.kind === 'url' ? src.trainUrl : `${src.name} (${src.trainText.length} characters)`);

/** Payloads through the page's shared WebAssembly.Memory when it gave one, else chunked over BroadcastChannel. */
async function joinGroup(rep: ReplicaAssignment): Promise<Collective> {
  if (rep.world === 1) return createLocalGroup(1)[0];
  if (rep.memory) return new SabCollective(rep.rank, rep.world, rep.memory);
  return ChannelCollective.connect(rep.channel, rep.rank, rep.world, { timeoutMs: 120_000 });
}

type StartMessage = Extract<ToWorker, { type: 'start' }>;

async function start(specIn: unknown, src: DataSource, rep: ReplicaAssignment, recovery: Pick<RunExtras, 'resume' | 'snapshotEvery'>, msg: StartMessage): Promise<void> {
  const model = msg.model;
  const spec = validateSpec(specIn);
  const t0 = performance.now();
  post({ type: 'status', message: 'starting a tfjs backend' });
  // tfjs-webgpu picks its adapter from this flag when the backend first starts.
  tf.env().set('WEBGPU_USE_LOW_POWER_GPU', rep.powerPreference === 'low-power');
  // Replicas share the machine's cores: each takes its share of wasm threads, not all of them.
  const picked = await pickBackend(spec.backend, Math.max(1, Math.floor((navigator.hardwareConcurrency || 1) / rep.world)));
  post({ type: 'backend', ...picked });
  watchDevice(picked.backend);
  post({ type: 'status', message: rep.world > 1 ? `joining a group of ${rep.world} replicas` : 'loading data' });
  const collective = await joinGroup(rep);
  try {
    let initial: RunExtras['initial'];
    if (model) {
      post({ type: 'status', message: `reading the imported model (${model.map((f) => f.name).join(', ')})` });
      initial = importModelFiles(model);
    }
    // Checkpoints: every rank reads the one it resumes from; rank 0 writes one each epoch.
    const store = msg.checkpoints || msg.resumeCheckpoint ? await openCheckpointStore() : null;
    let resumeCheckpoint: TrainingCheckpoint | undefined;
    if (store && msg.resumeCheckpoint) {
      post({ type: 'status', message: `loading checkpoint ${msg.resumeCheckpoint}` });
      resumeCheckpoint = decodeCheckpoint(await store.load(msg.resumeCheckpoint));
    }
    const checkpoints: RunExtras['checkpoints'] = store && msg.checkpoints ? {
      store, runId: msg.checkpoints.runId, keepLast: msg.checkpoints.keepLast,
      extra: { data: describeSource(src) },
      onSaved: (info, deleted) => post({ type: 'checkpoint', info, deleted: deleted.map((d) => d.id) }),
    } : undefined;
    const data = await loadData(src);
    const parallel = { collective, zeroStage: spec.zeroStage, accumulationSteps: spec.gradientAccumulation, fp16: spec.fp16Exchange };
    // Auto batch size: probe with error scopes, cache per model shape and device (gpu-memory.ts).
    const cache = indexedDbCache();
    const cacheKey = autoBatchCacheKey({ ...spec, adapter: picked.adapter, backend: picked.backend, world: rep.world });
    const out = await runFromText(spec, data, post, () => stopRequested, parallel, { probe: gpuStepProbe, cache, cacheKey, initial, resumeCheckpoint, checkpoints, poison: takePoison, ...recovery }).catch(async (e: unknown) => {
      // A remembered size that ran out of memory after all is forgotten: the next run probes again.
      if (spec.autoBatchSize && isOutOfMemory(e)) await cache.delete(cacheKey).catch(() => {});
      throw e;
    });
    const checksum = await paramChecksum(out.params);
    // The trained model leaves as Hugging Face files (replicas hold the same weights: rank 0 speaks).
    if (rep.rank === 0) {
      const files = exportModelFiles(out.config, await readWeights(out.params), out.tokenizer);
      post({ type: 'trained', files });
    }
    disposeParams(out.params);
    const { numTensors, numBytes } = tf.memory();
    post({ type: 'done', reason: out.stopped ? 'stopped' : 'finished', steps: out.steps, elapsedMs: performance.now() - t0, checksum, optimizerBytes: out.optimizerBytes, numTensors, numBytes });
  } finally {
    collective.close();
  }
}

const takePoison = () => {
  const p = poisonNext;
  poisonNext = false;
  return p;
};

/** tfjs-webgpu's device (the backend keeps it as a field). */
const gpuDevice = (): GPUDevice | null => (tf.getBackend() === 'webgpu' ? ((tf.backend() as unknown as { device?: GPUDevice }).device ?? null) : null);

/**
 * A lost GPU device (driver reset, tab in the background too long, device.destroy()) fails every
 * later GPU call, or hangs it: say so at once, with a flag the page uses to resume in a fresh
 * worker (a new worker gets a new device) from the run's last checkpoint.
 */
let watched: GPUDevice | null = null;

/** True when the run's failure came from a lost device (its own message has been posted). */
async function deviceWasLost(): Promise<boolean> {
  if (!watched) return false;
  // An op can fail a moment before device.lost settles: give it that moment.
  return Promise.race([watched.lost.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 500))]);
}

function watchDevice(backend: string): void {
  const device = backend === 'webgpu' ? gpuDevice() : null;
  watched = device;
  void device?.lost.then((info) => {
    stopRequested = true;
    post({ type: 'error', message: `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`, deviceLost: true });
  });
}

function fault(kind: 'nan-loss' | 'lose-device'): void {
  if (kind === 'nan-loss') poisonNext = true;
  else {
    const device = gpuDevice();
    if (device) device.destroy();
    else post({ type: 'status', message: `fault drill: no GPU device to lose on the ${tf.getBackend()} backend` });
  }
}

/** Greedy text from a model: the model panel's "try it" (this worker does nothing else). */
async function generate(msg: Extract<ToWorker, { type: 'generate' }>): Promise<void> {
  const picked = await pickBackend(msg.backend);
  const m = importModelFiles(msg.model);
  const { text, ids } = await tryModel(m, msg.prompt, { maxNewTokens: msg.maxNewTokens, summarize: msg.summarize });
  post({ type: 'generated', text, ids, backend: picked.backend });
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
  if (msg.type === 'fault') {
    fault(msg.kind);
    return;
  }
  if (msg.type === 'generate') {
    generate(msg).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
    return;
  }
  if (running) {
    post({ type: 'error', message: 'a run is already in progress in this worker' });
    return;
  }
  running = true;
  stopRequested = false;
  rank = msg.replica.rank;
  const beat = setInterval(() => post({ type: 'heartbeat' }), HEARTBEAT_MS);
  start(msg.spec, msg.data, msg.replica, { resume: msg.resume, snapshotEvery: msg.replica.rank === 0 ? msg.snapshotEvery : 0 }, msg)
    .catch(async (e: unknown) => {
      if (!(await deviceWasLost())) post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    })
    .finally(() => {
      running = false;
      clearInterval(beat);
    });
};

self.onunhandledrejection = (ev: PromiseRejectionEvent) => {
  post({ type: 'error', message: `unhandled error in the trainer: ${String(ev.reason?.message ?? ev.reason)}` });
};
