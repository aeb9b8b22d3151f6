import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readWeights } from '../model/params';
import { MAX_MESSAGE_CHARS } from '../core/bounded-text';
import {
  checkpointStorageError,
  MemoryCheckpointStore,
  unavailableCheckpointStore,
  type CheckpointInfo,
} from './checkpoint/store';
import { checkpointsOffMessage } from './checkpoint/epoch-checkpoints';
import { runTraining } from './run';
import { defaultSpec, type RunSpec } from './spec';
import type { RunEvent } from '../core/events';
import { xsumRunData as data } from '../testing/xsum-run-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

/** A disk with room for `room` checkpoints: every save after that throws QuotaExceededError, as IndexedDB does. */
class FullAfter extends MemoryCheckpointStore {
  attempts = 0;
  constructor(private room: number) {
    super();
  }
  override async save(info: CheckpointInfo, bytes: Uint8Array): Promise<void> {
    this.attempts++;
    if (this.room-- <= 0) throw quotaError();
    await super.save(info, bytes);
  }
}

// 8 pairs, batch 4: 2 steps an epoch, 3 epochs, a checkpoint at steps 2, 4 and 6.
const spec: RunSpec = {
  ...defaultSpec('tiny'),
  maxTrainSamples: 8,
  batchSize: 4,
  epochs: 3,
  maxSourceLength: 24,
  maxTargetLength: 8,
  validationSize: 0,
};

const OFF_AT_STEP_4 =
  'Checkpoints are off for the rest of this run: storage is full: could not save checkpoint run-a.step-00000004. This site uses 12.0 MB of its 50.0 MB quota. Delete older checkpoints or runs to free space. Training goes on with the model in memory (it still reaches the page when the run ends), and the checkpoints saved before are kept.';

describe('a run whose checkpoint cannot be saved (storage full)', () => {
  it('trains to the end with the same weights as a run without checkpoints, keeps what it saved, and says so once', async () => {
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 12e6, quota: 50e6 }) } });
    const plain = await runTraining({ spec, data: data(), emit: () => {} });

    const store = new FullAfter(1);
    const failures: string[] = [];
    const saved: number[] = [];
    const steps: number[] = [];
    const out = await runTraining({
      spec,
      data: data(),
      emit: (e: RunEvent) => e.type === 'step' && steps.push(e.step),
      checkpoints: {
        store,
        runId: 'run-a',
        onSaved: (info) => saved.push(info.step),
        onFailed: (m) => failures.push(m),
      },
    });

    // The run went on to its last step and ends with its model, the same one a run without checkpoints trains.
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(out.steps).toBe(6);
    expect(out.stopped).toBe(false);
    const a = await readWeights(plain.params);
    const b = await readWeights(out.params);
    expect(b.size).toBe(a.size);
    for (const [name, w] of a) expect(b.get(name), name).toEqual(w);

    // Said once, in the quota's words; no third attempt (checkpoints are off), the first checkpoint kept.
    expect(failures).toEqual([OFF_AT_STEP_4]);
    expect(failures[0].length).toBeLessThan(MAX_MESSAGE_CHARS);
    expect(store.attempts).toBe(2);
    expect(saved).toEqual([2]);
    expect((await store.list('run-a')).map((c) => c.step)).toEqual([2]);
  });

  it('without a listener the run says it as a status line and still finishes', async () => {
    const statuses: string[] = [];
    const out = await runTraining({
      spec: { ...spec, epochs: 1 },
      data: data(),
      emit: (e) => e.type === 'status' && statuses.push(e.message),
      checkpoints: { store: new FullAfter(0), runId: 'run-b' },
    });
    expect(out.steps).toBe(2);
    expect(
      statuses.filter((m) => m.startsWith('Checkpoints are off for the rest of this run: storage is full')),
    ).toHaveLength(1);
  });

  it('storage that could not even be opened: the stand-in store refuses each save, the run finishes and says why', async () => {
    const why = new Error(
      'no persistent storage for checkpoints: this browser offers neither the Origin Private File System nor IndexedDB',
    );
    const failures: string[] = [];
    const out = await runTraining({
      spec: { ...spec, epochs: 2 },
      data: data(),
      emit: () => {},
      checkpoints: { store: unavailableCheckpointStore(why), runId: 'run-c', onFailed: (m) => failures.push(m) },
    });
    expect(out.steps).toBe(4);
    expect(failures).toEqual([
      'Checkpoints are off for the rest of this run: no persistent storage for checkpoints: this browser offers neither the Origin Private File System nor IndexedDB. Training goes on with the model in memory (it still reaches the page when the run ends), and the checkpoints saved before are kept.',
    ]);
  });
});

describe('checkpointsOffMessage', () => {
  it('keeps the store\'s own "storage is full" wording (OPFS and IndexedDB wrap the quota error)', async () => {
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 12e6, quota: 50e6 }) } });
    const wrapped = await checkpointStorageError(quotaError(), 'save checkpoint run-a.step-00000004 (2.0 MB)');
    expect(await checkpointsOffMessage(wrapped, 'save checkpoint run-a.step-00000004')).toBe(
      OFF_AT_STEP_4.replace('step-00000004.', 'step-00000004 (2.0 MB).'),
    );
  });

  it('names any other failure, bounded', async () => {
    expect(await checkpointsOffMessage(new Error('disk on fire'), 'save checkpoint x')).toBe(
      'Checkpoints are off for the rest of this run: could not save checkpoint x: disk on fire. Training goes on with the model in memory (it still reaches the page when the run ends), and the checkpoints saved before are kept.',
    );
    const long = await checkpointsOffMessage(new Error('y'.repeat(100_000)), 'save checkpoint x');
    expect(long.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  });
});
