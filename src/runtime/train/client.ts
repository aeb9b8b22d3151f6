// The page's side of the training workers: one worker per data-parallel replica. It spawns the
// group (with a shared WebAssembly.Memory for payloads when the page is cross-origin isolated),
// passes on rank 0's events, assembles what it knows of every replica, and watches heartbeats — a
// worker that crashes or stops answering is reported and the group is stopped, never a silent hang.
// What happens next (shrink the group, recover a lost device, give up) is supervisor.ts's call.
import { createSabGroup } from '../../collectives/sab-collective';
import { HeartbeatMonitor } from '../../collectives/heartbeat';
import type { RunSpec } from '../../train/spec';
import { discoverAdapters } from '../adapters';
import type { ModelFile } from '../../model/io/model-files';
import type { DataSource, FaultKind, ReplicaInfo } from '../../core/run-types';
import { checkFromWorker, newGroupSecret, type FromWorker, type ToWorker } from './protocol';
import { RunSupervisor, type FaultDecision } from './supervisor';
import { errorMessage } from '../../core/errors';

/** What a run may add to spec and data (see ToWorker 'start'). */
export interface StartExtras {
  model?: ModelFile[]; // an imported model's HF files to fine-tune; absent = a fresh model of spec.preset
  modelBase?: { id: string; revision: string }; // where `model` came from (a Hub repo and commit): InitialModel.base
  checkpoints?: { runId: string; keepLast: number };
  resumeCheckpoint?: string;
  evaluateBeforeTraining?: boolean; // epoch 0 (default true)
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
  const supervisor = new RunSupervisor();

  const publish = () => onEvent({ type: 'replicas', replicas: replicas.map((r) => ({ ...r })) });

  const teardown = () => {
    for (const w of workers) w.terminate();
    workers = [];
    if (watchdog) clearInterval(watchdog);
    watchdog = null;
    monitor = null;
  };

  /** Carries out the supervisor's decision: the next group of workers, or the run's end. */
  const act = (d: FaultDecision) => {
    if (d.action === 'give-up' || !current) {
      onEvent({ type: 'error', message: d.message });
      return;
    }
    if (d.action === 'shrink') current = { ...current, spec: d.spec };
    else {
      current = { ...current, extras: { ...current.extras, resumeCheckpoint: d.resumeCheckpoint } };
      console.warn(`training: ${d.message}`); // the status line moves on at once; the console keeps it
    }
    onEvent({ type: 'status', message: d.message });
    const id = ++runId;
    launch(current.spec, current.data, id, current.extras).catch((e: unknown) =>
      onEvent({ type: 'error', message: `could not resume: ${errorMessage(e)}` }),
    );
  };

  const fail = (rank: number, message: string) => {
    if (replicas[rank]) replicas[rank].state = 'failed';
    publish();
    teardown();
    act(current ? supervisor.replicaLost(current.spec, replicas.length, message) : { action: 'give-up', message });
  };

  /** Lost GPU: fresh workers (fresh devices) resume from the run's last checkpoint. False: nothing to resume from. */
  const recoverDevice = (message: string): boolean => {
    const d = current ? supervisor.deviceLost(current.extras.checkpoints !== undefined, message) : null;
    if (!d) return false;
    teardown();
    act(d);
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
        if (rank === 0) supervisor.snapshotTaken({ step: msg.step, weights: msg.weights });
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
        if (rank === 0) supervisor.checkpointSaved(msg.info.id);
        break;
      case 'done':
        Object.assign(r, { state: 'done', checksum: msg.checksum, optimizerBytes: msg.optimizerBytes });
        monitor?.remove(rank);
        publish();
        if (++finished === replicas.length) {
          teardown();
          // The run is done when every replica is: report rank 0's figures.
          onEvent({
            ...msg,
            checksum: replicas[0].checksum ?? msg.checksum,
            optimizerBytes: replicas[0].optimizerBytes ?? msg.optimizerBytes,
          });
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
    // Handed only to this group's workers: messages without it on the channel are dropped.
    const secret = newGroupSecret();
    replicas = Array.from({ length: world }, (_, rank) => ({
      rank,
      state: 'starting',
      backend: '',
      adapter: '',
      checksum: null,
      optimizerBytes: null,
    }));
    finished = 0;
    publish();
    // Generous by default (a first WebGPU step may compile shaders for ~30 s); a setting.
    const timeoutMs = spec.workerTimeoutSec * 1000;
    monitor = new HeartbeatMonitor(world, timeoutMs, performance.now());
    watchdog = setInterval(
      () => {
        const silent = monitor?.missing(performance.now()) ?? [];
        if (silent.length > 0)
          fail(
            silent[0],
            `worker ${silent.join(', ')} stopped answering (no heartbeat for ${spec.workerTimeoutSec} s)`,
          );
      },
      Math.min(5_000, timeoutMs / 4),
    );
    for (let rank = 0; rank < world; rank++) {
      const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: `trainer-${rank}` });
      w.onmessage = (ev: MessageEvent) => handle(rank, ev.data);
      w.onerror = (ev: ErrorEvent) => {
        ev.preventDefault();
        fail(rank, `training worker ${rank} failed: ${ev.message || 'script error (see the browser console)'}`);
      };
      w.onmessageerror = () => console.warn(`training worker ${rank}: a message could not be deserialized`);
      workers.push(w);
      const powerPreference =
        adapters.length > 0 ? adapters[rank % adapters.length].powerPreference : 'high-performance';
      const start: ToWorker = {
        type: 'start',
        spec,
        data,
        replica: { rank, world, memory, channel, secret, powerPreference },
        resume: supervisor.resume,
        snapshotEvery: world > 1 ? SNAPSHOT_EVERY_STEPS : 0,
        ...extras,
      };
      w.postMessage(start);
    }
  };

  return {
    start(spec, data, extras = {}) {
      // Fresh workers per run: nothing (tensors, a lost device, a broken group) leaks between runs.
      teardown();
      current = { spec, data, extras };
      supervisor.begin();
      const id = ++runId;
      launch(spec, data, id, extras).catch((e: unknown) => {
        teardown();
        onEvent({
          type: 'error',
          message: `could not start the workers: ${errorMessage(e)}`,
        });
      });
    },
    stop() {
      supervisor.stop();
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
