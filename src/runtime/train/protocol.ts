// Messages between the page and the training worker: one union type per direction, checked on
// receipt (a message that does not match is dropped and logged, never acted on).
// Events are facts ("step finished"), not commands to the UI.
import type { ModelFile } from '../../model/io/model-files';
import { isFileList, isFiles, isNum, isObj, isStr } from '../message-checks';
import type { CheckpointInfo } from '../../train/checkpoint/store';
import type { RunEvent } from '../../core/events';
import type { RunSpec } from '../../train/spec';
import type { DataSource, FaultKind } from '../../core/run-types';
import type { RunOutcomeEvent } from '../../core/session-events';

/** Where a worker sits in the data-parallel group, given by the page that spawned the group. */
export interface ReplicaAssignment {
  rank: number;
  world: number;
  memory: WebAssembly.Memory | null; // the SabCollective group's shared memory (createSabGroup) when the page is cross-origin isolated
  channel: string; // the group id: names the BroadcastChannel (the payload fallback) with the secret
  /**
   * The run's secret for the BroadcastChannel fallback (newGroupSecret): made by the page per run
   * and given only to its own workers, so a message another page posts is dropped, not summed.
   * Required when world > 1 without shared memory.
   */
  secret?: string;
  powerPreference: 'high-performance' | 'low-power'; // which GPU adapter this worker asks for
}

export type ToWorker =
  | {
      type: 'start';
      spec: RunSpec;
      data: DataSource;
      replica: ReplicaAssignment;
      resume?: { step: number; weights: Float32Array }; // continue from rank 0's last snapshot
      snapshotEvery?: number; // rank 0 sends its weights every N steps, for recovery
      model?: ModelFile[]; // fine-tune this imported model (HF files) instead of a fresh preset
      modelBase?: { id: string; revision: string }; // the Hub repo and commit `model` came from (InitialModel.base)
      checkpoints?: { runId: string; keepLast: number }; // save one each epoch (rank 0), keep the last keepLast
      resumeCheckpoint?: string; // id in the checkpoint store: continue that run exactly
      evaluateBeforeTraining?: boolean; // epoch 0 before the first step (default true; sweep trials turn it off)
    }
  | { type: 'stop' }
  // Fault drills (tests, the console): the next step's loss becomes NaN, or the GPU device is destroyed.
  | { type: 'fault'; kind: FaultKind };

export type FromWorker =
  | RunEvent
  | RunOutcomeEvent // backend, done, error, replicas
  | { type: 'heartbeat' } // a worker is alive (sent every few seconds)
  // rank 0's final model as Hugging Face files, before 'done'; LoRA: the PEFT adapter, with `files`
  // the base's (empty when the page already has the base it sent)
  | { type: 'trained'; files: ModelFile[]; adapter?: ModelFile[] }
  | { type: 'checkpoint'; info: CheckpointInfo; deleted: string[] }; // saved at an epoch's end (ids rotation removed)

/** A per-run secret: 128 random bits as hex (crypto.getRandomValues), unguessable by another page. */
export function newGroupSecret(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const isSecret = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{32,128}$/.test(v);

/** Every worker message carries its sender's rank beside the event fields. */
export type FromWorkerEnvelope = FromWorker & { rank: number };

const isRouge = (v: unknown) => isObj(v) && ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'].every((k) => isNum(v[k]));

/** Field checks per event type; numbers may be Infinity (a diverged loss is still a fact). */
const fromWorkerShape: Record<FromWorker['type'], Record<string, (v: unknown) => boolean>> = {
  status: { message: isStr },
  backend: { backend: (v) => v === 'webgpu' || v === 'wasm' || v === 'cpu', reason: isStr, adapter: isStr },
  model: { paramCount: isNum, vocabSize: isNum, preset: isStr, trainExamples: isNum, validationExamples: isNum },
  step: {
    step: isNum,
    totalSteps: isNum,
    epoch: isNum,
    loss: (v) => typeof v === 'number',
    lr: isNum,
    gradNorm: (v) => typeof v === 'number',
    tokensPerSec: isNum,
    elapsedMs: isNum,
    skipped: (v) => typeof v === 'boolean',
  },
  epoch: {
    epoch: isNum,
    trainLoss: (v) => typeof v === 'number',
    evalLoss: (v) => v === null || typeof v === 'number',
  },
  evaluation: {
    epoch: isNum,
    step: isNum,
    genLen: isNum,
    examples: isNum,
    evalLoss: (v) => v === null || typeof v === 'number',
    rouge: isRouge,
    samples: (v) =>
      Array.isArray(v) && v.every((x) => isObj(x) && isStr(x.document) && isStr(x.reference) && isStr(x.prediction)),
  },
  baseline: { name: (v) => v === 'lead', rouge: isRouge, examples: isNum },
  // auto batch size (train/auto-batch/)
  autoBatch: {
    batchSize: isNum,
    gradientAccumulation: isNum,
    cached: (v) => typeof v === 'boolean',
    tried: (v) =>
      Array.isArray(v) &&
      v.every(
        (t) =>
          isObj(t) && isNum(t.batchSize) && typeof t.ok === 'boolean' && (t.reason === undefined || isStr(t.reason)),
      ),
  },
  done: {
    reason: (v) => v === 'finished' || v === 'stopped',
    steps: isNum,
    elapsedMs: isNum,
    checksum: isNum,
    optimizerBytes: isNum,
    numTensors: (v) => v === undefined || isNum(v),
    numBytes: (v) => v === undefined || isNum(v),
  },
  error: { message: isStr, deviceLost: (v) => v === undefined || typeof v === 'boolean' },
  heartbeat: {},
  snapshot: { step: isNum, weights: (v) => v instanceof Float32Array },
  // Without an adapter the files are the model; with one they may be empty (the page has the base).
  trained: { files: isFileList, adapter: (v) => v === undefined || isFiles(v) },
  checkpoint: {
    info: (v) =>
      isObj(v) &&
      isStr(v.id) &&
      isStr(v.runId) &&
      isNum(v.step) &&
      isNum(v.epoch) &&
      isStr(v.createdAt) &&
      isNum(v.bytes),
    deleted: (v) => Array.isArray(v) && v.every(isStr),
  },
  replicas: {
    replicas: (v) =>
      Array.isArray(v) &&
      v.every((r) => isObj(r) && isNum(r.rank) && isStr(r.state) && isStr(r.backend) && isStr(r.adapter)),
  },
};

/** Returns the message typed, or a string saying what is wrong with it. */
export function checkFromWorker(msg: unknown): FromWorker | string {
  if (!isObj(msg) || !isStr(msg.type)) return 'message is not an object with a string "type"';
  const shape = fromWorkerShape[msg.type as FromWorker['type']];
  if (!shape) return `unknown message type "${msg.type}"`;
  for (const [field, ok] of Object.entries(shape)) {
    if (!ok(msg[field])) return `message "${msg.type}": field "${field}" is missing or has the wrong type`;
  }
  if (msg.type === 'trained' && (msg.files as unknown[]).length === 0 && msg.adapter === undefined)
    return 'message "trained": no model files and no adapter';
  return msg as FromWorker;
}

/** Why v is not a shared WebAssembly.Memory (a SabCollective group), or '' when it is one. */
function notSharedMemory(v: unknown): string {
  if (typeof WebAssembly !== 'object' || !(v instanceof WebAssembly.Memory))
    return v === undefined ? 'it is missing' : `got ${Object.prototype.toString.call(v).slice(8, -1)}`;
  const shared = typeof SharedArrayBuffer !== 'undefined' && (v.buffer as ArrayBufferLike) instanceof SharedArrayBuffer;
  return shared ? '' : 'got a WebAssembly.Memory that is not shared';
}

export function checkToWorker(msg: unknown): ToWorker | string {
  if (!isObj(msg) || !isStr(msg.type)) return 'message is not an object with a string "type"';
  if (msg.type === 'stop') return { type: 'stop' };
  if (msg.type === 'fault')
    return msg.kind === 'nan-loss' || msg.kind === 'lose-device'
      ? { type: 'fault', kind: msg.kind }
      : `message "fault": unknown kind ${JSON.stringify(msg.kind)}`;
  if (msg.type !== 'start') return `unknown message type "${msg.type}"`;
  if (!isObj(msg.spec)) return 'message "start": field "spec" is missing';
  const data = msg.data;
  if (!isObj(data)) return 'message "start": field "data" is missing';
  const rep = msg.replica;
  if (
    !isObj(rep) ||
    !isNum(rep.rank) ||
    !isNum(rep.world) ||
    rep.rank < 0 ||
    rep.rank >= rep.world ||
    !isStr(rep.channel)
  ) {
    return 'message "start": field "replica" must give rank < world and a channel name';
  }
  const memory = rep.memory === null ? '' : notSharedMemory(rep.memory);
  if (memory) return `message "start": replica.memory must be a shared WebAssembly.Memory or null: ${memory}`;
  if (rep.secret !== undefined ? !isSecret(rep.secret) : rep.world > 1 && rep.memory === null)
    return 'message "start": replica.secret must be 32 to 128 hex digits (required for a group over BroadcastChannel)';
  const resume = msg.resume;
  if (resume !== undefined && (!isObj(resume) || !isNum(resume.step) || !(resume.weights instanceof Float32Array)))
    return 'message "start": resume must be {step, weights: Float32Array}';
  const ck = msg.checkpoints;
  if (
    ck !== undefined &&
    (!isObj(ck) || !isStr(ck.runId) || !/^[A-Za-z0-9._-]+$/.test(ck.runId) || !isNum(ck.keepLast) || ck.keepLast < 1)
  )
    return 'message "start": checkpoints must be {runId: [A-Za-z0-9._-]+, keepLast >= 1}';
  if (msg.resumeCheckpoint !== undefined && !isStr(msg.resumeCheckpoint))
    return 'message "start": resumeCheckpoint must be a checkpoint id';
  if (msg.evaluateBeforeTraining !== undefined && typeof msg.evaluateBeforeTraining !== 'boolean')
    return 'message "start": evaluateBeforeTraining must be a boolean';
  if (msg.model !== undefined && !isFiles(msg.model))
    return 'message "start": model must be a non-empty list of {name, bytes: Uint8Array}';
  const mb = msg.modelBase;
  if (mb !== undefined && (msg.model === undefined || !isObj(mb) || !isStr(mb.id) || !isStr(mb.revision)))
    return 'message "start": modelBase must be {id, revision} strings, beside a model';
  const badData = notDataSource(data);
  if (badData) return `message "start": ${badData}`;
  return msg as unknown as ToWorker;
}

/** Why v is not a list of {input, target} strings, or '' when it is one. */
function notPairs(v: unknown): string {
  if (!Array.isArray(v)) return v === undefined ? 'it is missing' : `got ${typeof v}, not a list`;
  for (let i = 0; i < v.length; i++) {
    const p: unknown = v[i];
    if (!isObj(p)) return `item ${i} is not an object`;
    if (!isStr(p.input)) return `item ${i} has no string "input"`;
    if (!isStr(p.target)) return `item ${i} has no string "target"`;
  }
  return '';
}

/** What is wrong with a DataSource, or '' when nothing is. */
function notDataSource(data: Record<string, unknown>): string {
  if (data.kind === 'url') return isStr(data.trainUrl) ? '' : 'data.trainUrl must be a string';
  if (data.kind !== 'pairs') return 'data.kind must be "url" or "pairs"';
  if (!isStr(data.name)) return 'data.name must be a string';
  const train = notPairs(data.train);
  if (train) return `data.train must be a list of {input, target} strings: ${train}`;
  const validation = data.validation === undefined ? '' : notPairs(data.validation);
  return validation ? `data.validation must be a list of {input, target} strings: ${validation}` : '';
}
