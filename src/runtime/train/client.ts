// The page's side of the training workers: one worker per data-parallel replica. It spawns the
// group (with a shared WebAssembly.Memory for payloads when the page is cross-origin isolated),
// passes on rank 0's events, assembles what it knows of every replica, and watches heartbeats — a
// worker that crashes or stops answering is reported and the group is stopped, never a silent hang.
import { createSabGroup } from '../../collectives/sab-collective';
import { HeartbeatMonitor } from '../../collectives/heartbeat';
import type { RunSpec } from '../../train/spec';
import { discoverAdapters } from '../adapters';
import type { ModelFile } from '../../model/io/model-files';
import type { DataSource, FaultKind, ReplicaInfo } from '../../core/run-types';
import { checkFromWorker, type FromWorker, type ToWorker } from './protocol';

/** What a run may add to spec and data (see ToWorker 'start'). */
export interface StartExtras {
  model?: ModelFile[]; // an imported model's HF files to fine-tune; absent = a fresh model of spec.preset
  checkpoints?: { runId: string; keepLast: number };
  resumeCheckpoint?: string;
}

export interface TrainingClient {
  start(spec: RunSpec, data: DataSource, extras?: StartExtras): void;
  stop(): void;
  dispose(): void;
  /** Terminates one worker without a word, as a crash or a hung tab would (fault drills, tests). */
  killWorker(rank: number): void;
  /** Fault drills: rank 0's next step gets a NaN loss, or its GPU device is destroyed. */
  injectFault(kind: FaultKind): void;
}

/** Rank 0 sends its weights this often, so a run that loses a replica resumes close to where it was. */
export const SNAPSHOT_EVERY_STEPS = 10;

/** Floats per shared-memory slot: copy-path collectives move in chunks of this size (4 MiB). */
const SAB_CHUNK_FLOATS = 1 << 20;

export function createTrainingClient(onEvent: (e: FromWorker) => void): TrainingClient {
  let workers: Worker[] = [];
  let replicas: ReplicaInfo[] = [];
  let monitor: HeartbeatMonitor | null = null;
  let watchdog: ReturnType<typeof setInterval> | null = null;
  let finished = 0;
  let runId = 0;
  let current: { spec: RunSpec; data: DataSource; extras: StartExtras } | null = null;
  let snapshot: { step: number; weights: Float32Array } | undefined;
  let stopRequested = false;
  let lastCheckpoint: string | null = null; // this run's newest epoch checkpoint
  let deviceRecoveries = 0;
  /** A lost GPU device gets this many fresh starts from the last checkpoint before the run gives up. */
  const MAX_DEVICE_RECOVERIES = 2;

  const publish = () => onEvent({ type: 'replicas', replicas: replicas.map((r) => ({ ...r })) });

  const teardown = () => {
    for (const w of workers) w.terminate();
    workers = [];
    if (watchdog) clearInterval(watchdog);
    watchdog = null;
    monitor = null;
  };

  const fail = (rank: number, message: string) => {
    if (replicas[rank]) replicas[rank].state = 'failed';
    publish();
    teardown();
    const world = replicas.length;
    if (world > 1 && current && !stopRequested) {
      // Go on without the lost replica: the survivors restart from rank 0's last snapshot (every
      // replica held the same weights), with the same global batch spread over one fewer.
      const spec = { ...current.spec, replicas: world - 1 };
      const from = snapshot?.step ?? 0;
      onEvent({ type: 'status', message: `${message}; resuming from step ${from} with ${world - 1} replica${world - 1 > 1 ? 's' : ''}` });
      const id = ++runId;
      const scale = world / (world - 1);
      // Per-device batch × replicas is the global batch: keep it when it divides evenly.
      if (Number.isInteger(spec.batchSize * scale)) spec.batchSize *= scale;
      current = { ...current, spec };
      launch(spec, current.data, id, current.extras).catch((e: unknown) => onEvent({ type: 'error', message: `could not resume: ${e instanceof Error ? e.message : String(e)}` }));
      return;
    }
    onEvent({ type: 'error', message });
  };

  /** Lost GPU: fresh workers (fresh devices) resume from the run's last checkpoint. False: nothing to resume from. */
  const recoverDevice = (message: string): boolean => {
    if (!current || stopRequested || !lastCheckpoint || !current.extras.checkpoints || deviceRecoveries >= MAX_DEVICE_RECOVERIES) return false;
    deviceRecoveries += 1;
    teardown();
    snapshot = undefined; // the checkpoint carries the moments too: resume from it exactly
    current = { ...current, extras: { ...current.extras, resumeCheckpoint: lastCheckpoint } };
    const line = `${message}; resuming in a fresh worker from checkpoint ${lastCheckpoint}`;
    console.warn(`training: ${line}`); // the status line moves on at once; the console keeps it
    onEvent({ type: 'status', message: line });
    const id = ++runId;
    launch(current.spec, current.data, id, current.extras).catch((e: unknown) => onEvent({ type: 'error', message: `could not resume: ${e instanceof Error ? e.message : String(e)}` }));
    return true;
  };

  const handle = (rank: number, raw: unknown) => {
    const msg = checkFromWorker(raw);
    if (typeof msg === 'string') {
      console.warn(`training worker ${rank}: dropped a bad message: ${msg}`);
      return;
    }
    monitor?.beat(rank, performance.now());
    const r = replicas[rank];
    switch (msg.type) {
      case 'heartbeat':
      case 'replicas': // only the client makes these
        return;
      case 'snapshot':
        if (rank === 0) snapshot = { step: msg.step, weights: msg.weights };
        return;
      case 'backend':
        Object.assign(r, { state: 'running', backend: msg.backend, adapter: msg.adapter });
        publish();
        break;
      case 'error':
        if (msg.deviceLost && recoverDevice(msg.message)) return;
        fail(rank, replicas.length > 1 ? `worker ${rank}: ${msg.message}` : msg.message);
        return;
      case 'checkpoint':
        if (rank === 0) lastCheckpoint = msg.info.id;
        break;
      case 'done':
        Object.assign(r, { state: 'done', checksum: msg.checksum, optimizerBytes: msg.optimizerBytes });
        monitor?.remove(rank);
        publish();
        if (++finished === replicas.length) {
          teardown();
          // The run is done when every replica is: report rank 0's figures.
          onEvent({ ...msg, checksum: replicas[0].checksum ?? msg.checksum, optimizerBytes: replicas[0].optimizerBytes ?? msg.optimizerBytes });
        }
        return;
    }
    if (rank === 0) onEvent(msg); // replicas hold the same model: one voice is enough
  };

  const launch = async (spec: RunSpec, data: DataSource, id: number, extras: StartExtras) => {
    const adapters = await discoverAdapters();
    if (id !== runId) return; // a newer start or a dispose came in while we waited
    const world = spec.replicas > 0 ? spec.replicas : Math.max(1, adapters.length);
    // The group's shared memory; the gradient buffers are laid out in it later (sharedArray), growing it.
    const memory = world > 1 && globalThis.crossOriginIsolated ? createSabGroup(world, SAB_CHUNK_FLOATS) : null;
    const channel = `studio-run-${Date.now()}-${id}`;
    replicas = Array.from({ length: world }, (_, rank) => ({ rank, state: 'starting', backend: '', adapter: '', checksum: null, optimizerBytes: null }));
    finished = 0;
    publish();
    // Generous by default (a first WebGPU step may compile shaders for ~30 s); a setting.
    const timeoutMs = spec.workerTimeoutSec * 1000;
    monitor = new HeartbeatMonitor(world, timeoutMs, performance.now());
    watchdog = setInterval(() => {
      const silent = monitor?.missing(performance.now()) ?? [];
      if (silent.length > 0) fail(silent[0], `worker ${silent.join(', ')} stopped answering (no heartbeat for ${spec.workerTimeoutSec} s)`);
    }, Math.min(5_000, timeoutMs / 4));
    for (let rank = 0; rank < world; rank++) {
      const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: `trainer-${rank}` });
      w.onmessage = (ev: MessageEvent) => handle(rank, ev.data);
      w.onerror = (ev: ErrorEvent) => {
        ev.preventDefault();
        fail(rank, `training worker ${rank} failed: ${ev.message || 'script error (see the browser console)'}`);
      };
      w.onmessageerror = () => console.warn(`training worker ${rank}: a message could not be deserialized`);
      workers.push(w);
      const powerPreference = adapters.length > 0 ? adapters[rank % adapters.length].powerPreference : 'high-performance';
      const start: ToWorker = { type: 'start', spec, data, replica: { rank, world, memory, channel, powerPreference }, resume: snapshot, snapshotEvery: world > 1 ? SNAPSHOT_EVERY_STEPS : 0, ...extras };
      w.postMessage(start);
    }
  };

  return {
    start(spec, data, extras = {}) {
      // Fresh workers per run: nothing (tensors, a lost device, a broken group) leaks between runs.
      teardown();
      current = { spec, data, extras };
      snapshot = undefined;
      lastCheckpoint = null;
      deviceRecoveries = 0;
      stopRequested = false;
      const id = ++runId;
      launch(spec, data, id, extras).catch((e: unknown) => {
        teardown();
        onEvent({ type: 'error', message: `could not start the workers: ${e instanceof Error ? e.message : String(e)}` });
      });
    },
    stop() {
      stopRequested = true;
      const m: ToWorker = { type: 'stop' };
      for (const w of workers) w.postMessage(m);
    },
    dispose() {
      runId++;
      current = null;
      teardown();
    },
    killWorker(rank) {
      workers[rank]?.terminate();
    },
    injectFault(kind) {
      const m: ToWorker = { type: 'fault', kind };
      workers[0]?.postMessage(m);
    },
  };
}
