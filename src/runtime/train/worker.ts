// The training worker: a thin shell that picks a backend, joins its group, loads the data, runs the
// engine (train/run.ts) and posts its events. Every failure is posted back as an 'error' event: an
// exception in an async message handler is otherwise silent, and the page would wait forever.
/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs-core';
import { ChannelCollective } from '../../collectives/channel-collective';
import type { Collective } from '../../collectives/collective';
import { createLocalGroup } from '../../collectives/local-collective';
import { SabCollective } from '../../collectives/sab-collective';
import { paramChecksum, weightsHash } from '../../model/checksum';
import { isLoraName } from '../../model/lora-config';
import { exportModelFiles } from '../../model/io/model-files';
import { importAdaptedModel } from '../../model/io/adapted-model';
import { adapterBaseOf, exportPeftAdapter } from '../../model/io/peft';
import { splitAdapters, withoutLora } from '../../model/lora';
import { disposeParams, readWeights } from '../../model/params';
import { runTraining, type RunOptions } from '../../train/run';
import { validateSpec } from '../../train/spec';
import { decodeCheckpoint } from '../../train/checkpoint/checkpoint';
import { openCheckpointStore } from '../../train/checkpoint/open';
import { isOutOfMemory } from '../../train/auto-batch/oom';
import { autoBatchCacheKey } from '../../train/auto-batch/resolve';
import { pickBackend } from '../backend';
import { gpuStepProbe, indexedDbCache } from '../gpu-memory';
import { describeSource, loadRunData } from './data-source';
import { DeviceWatch } from './device-loss';
import { FaultDrill } from './fault-drill';
import {
  checkToWorker,
  type FromWorker,
  type FromWorkerEnvelope,
  type ReplicaAssignment,
  type ToWorker,
} from './protocol';
import { errorMessage } from '../../core/errors';

let rank = 0;
// Every message carries this worker's rank, so the page can tell replicas apart.
const post = (m: FromWorker) =>
  (self as unknown as DedicatedWorkerGlobalScope).postMessage({ ...m, rank } satisfies FromWorkerEnvelope);
let stopRequested = false;
let running = false;
const drill = new FaultDrill((message) => post({ type: 'status', message }));
const device = new DeviceWatch();
/** How often a worker says it is alive (the page gives up after HEARTBEAT_TIMEOUT_MS of silence). */
const HEARTBEAT_MS = 2_000;

/** Payloads through the page's shared WebAssembly.Memory when it gave one, else chunked over BroadcastChannel. */
async function joinGroup(rep: ReplicaAssignment): Promise<Collective> {
  if (rep.world === 1) return createLocalGroup(1)[0];
  if (rep.memory) return new SabCollective(rep.rank, rep.world, rep.memory);
  return ChannelCollective.connect(rep.channel, rep.rank, rep.world, {
    timeoutMs: 120_000,
    secret: rep.secret,
    // Said once in the run's status (rank 0 speaks for the group; every rank hears the channel).
    onDrop: (count, why) => {
      if (count === 1)
        post({
          type: 'status',
          message: `Ignored a message on this run's replica channel (${why}); messages not from this run's own replicas are dropped and counted, never used.`,
        });
    },
  });
}

type StartMessage = Extract<ToWorker, { type: 'start' }>;

async function start(msg: StartMessage): Promise<void> {
  const { replica: rep, model } = msg;
  const spec = validateSpec(msg.spec);
  const t0 = performance.now();
  post({ type: 'status', message: 'starting a tfjs backend' });
  // tfjs-webgpu picks its adapter from this flag when the backend first starts.
  tf.env().set('WEBGPU_USE_LOW_POWER_GPU', rep.powerPreference === 'low-power');
  // Replicas share the machine's cores: each takes its share of wasm threads, not all of them.
  const picked = await pickBackend(
    spec.backend,
    Math.max(1, Math.floor((navigator.hardwareConcurrency || 1) / rep.world)),
  );
  post({ type: 'backend', ...picked });
  device.watch(picked.backend, (message) => {
    stopRequested = true;
    post({ type: 'error', message, deviceLost: true });
  });
  post({ type: 'status', message: rep.world > 1 ? `joining a group of ${rep.world} replicas` : 'loading data' });
  const collective = await joinGroup(rep);
  try {
    let initial: RunOptions['initial'];
    if (model) {
      post({ type: 'status', message: `reading the imported model (${model.map((f) => f.name).join(', ')})` });
      initial = importAdaptedModel(model); // a base, or a base with a PEFT adapter to train on
      // A Hub base is named by its repo and commit, and by a hash of the weights it loaded.
      // The hash covers the base's own tensors (as train/lora-run.ts hashes a base), never adapter ones.
      if (msg.modelBase) {
        const base = new Map([...initial.weights].filter(([name]) => !isLoraName(name)));
        initial.base = { ...msg.modelBase, hash: weightsHash(base) };
      }
    }
    // Checkpoints: every rank reads the one it resumes from; rank 0 writes one each epoch.
    const store = msg.checkpoints || msg.resumeCheckpoint ? await openCheckpointStore() : null;
    let resumeCheckpoint: RunOptions['resumeCheckpoint'];
    if (store && msg.resumeCheckpoint) {
      post({ type: 'status', message: `loading checkpoint ${msg.resumeCheckpoint}` });
      resumeCheckpoint = decodeCheckpoint(await store.load(msg.resumeCheckpoint));
    }
    const checkpoints: RunOptions['checkpoints'] =
      store && msg.checkpoints
        ? {
            store,
            runId: msg.checkpoints.runId,
            keepLast: msg.checkpoints.keepLast,
            extra: { data: describeSource(msg.data) },
            onSaved: (info, deleted) => post({ type: 'checkpoint', info, deleted: deleted.map((d) => d.id) }),
          }
        : undefined;
    const data = await loadRunData(msg.data, post);
    // Auto batch size: probe with error scopes, cache per model shape and device (gpu-memory.ts).
    const cache = indexedDbCache();
    const cacheKey = autoBatchCacheKey({ ...spec, adapter: picked.adapter, backend: picked.backend, world: rep.world });
    const out = await runTraining({
      spec,
      data,
      emit: post,
      shouldStop: () => stopRequested,
      parallel: { collective, zeroStage: spec.zeroStage, fp16: spec.fp16Exchange },
      autoBatch: { probe: gpuStepProbe, cache, cacheKey },
      initial,
      resumeCheckpoint,
      checkpoints,
      poison: drill.poison,
      resume: msg.resume,
      snapshotEvery: rep.rank === 0 ? msg.snapshotEvery : 0,
      evaluateBeforeTraining: msg.evaluateBeforeTraining,
    }).catch(async (e: unknown) => {
      // A remembered size that ran out of memory after all is forgotten: the next run probes again.
      if (spec.autoBatchSize && isOutOfMemory(e)) await cache.delete(cacheKey).catch(() => {});
      throw e;
    });
    const checksum = await paramChecksum(out.params);
    // The trained model leaves as Hugging Face files (replicas hold the same weights: rank 0 speaks).
    // LoRA: the PEFT adapter, plus the base's files only when the page does not have them (a fresh preset base).
    if (rep.rank === 0) {
      const weights = await readWeights(out.params);
      if (out.config.lora) {
        const { base, adapters } = splitAdapters(weights);
        const adapter = exportPeftAdapter(out.config, adapters, adapterBaseOf(out.base));
        const files = model ? [] : exportModelFiles(withoutLora(out.config), base, out.tokenizer);
        post({ type: 'trained', files, adapter });
      } else post({ type: 'trained', files: exportModelFiles(out.config, weights, out.tokenizer) });
    }
    disposeParams(out.params);
    const { numTensors, numBytes } = tf.memory();
    post({
      type: 'done',
      reason: out.stopped ? 'stopped' : 'finished',
      steps: out.steps,
      elapsedMs: performance.now() - t0,
      checksum,
      optimizerBytes: out.optimizerBytes,
      numTensors,
      numBytes,
    });
  } finally {
    collective.close();
  }
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
    drill.inject(msg.kind);
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
  start(msg)
    .catch(async (e: unknown) => {
      if (!(await device.wasLost())) post({ type: 'error', message: errorMessage(e) });
    })
    .finally(() => {
      running = false;
      clearInterval(beat);
    });
};

self.onunhandledrejection = (ev: PromiseRejectionEvent) => {
  post({ type: 'error', message: `unhandled error in the trainer: ${String(ev.reason?.message ?? ev.reason)}` });
};
