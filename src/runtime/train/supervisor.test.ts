import { describe, expect, it } from 'vitest';
import { defaultSpec, type RunSpec } from '../../train/spec';
import { MAX_DEVICE_RECOVERIES, RunSupervisor, survivorSpec } from './supervisor';

const spec = (patch: Partial<RunSpec> = {}): RunSpec => ({ ...defaultSpec('tiny'), replicas: 3, ...patch });
const weights = new Float32Array([1, 2, 3]);

describe('a replica is lost', () => {
  it('a 3-replica group losing one resumes with 2 and batch × 3/2 when that is whole, keeping the global batch', () => {
    expect(survivorSpec(spec({ batchSize: 2 }), 3)).toMatchObject({ replicas: 2, batchSize: 3 }); // 2 × 3 = 3 × 2
    expect(survivorSpec(spec({ batchSize: 4 }), 3)).toMatchObject({ replicas: 2, batchSize: 6 });
    expect(survivorSpec(spec({ batchSize: 8, replicas: 0 }), 2)).toMatchObject({ replicas: 1, batchSize: 16 }); // 0 = one per adapter: now exactly 1
  });

  it('keeps the per-device batch when the global batch does not divide evenly', () => {
    expect(survivorSpec(spec({ batchSize: 3 }), 3)).toMatchObject({ replicas: 2, batchSize: 3 }); // 4.5 is not a batch
    expect(survivorSpec(spec({ batchSize: 5 }), 4)).toMatchObject({ replicas: 3, batchSize: 5 });
  });

  it('changes nothing else in the spec, and leaves the given one alone', () => {
    const s = spec({ batchSize: 2, learningRate: 0.003, seed: 9 });
    const next = survivorSpec(s, 3)!;
    expect({ ...next, replicas: s.replicas, batchSize: s.batchSize }).toEqual(s);
    expect(s).toMatchObject({ replicas: 3, batchSize: 2 });
  });

  it('a group of one has no survivors', () => {
    expect(survivorSpec(spec({ replicas: 1 }), 1)).toBeNull();
  });

  it("the supervisor shrinks from rank 0's last snapshot, and says so", () => {
    const sup = new RunSupervisor();
    sup.begin();
    expect(sup.resume).toBeUndefined();
    const fresh = sup.replicaLost(spec({ batchSize: 2 }), 3, 'worker 1 stopped answering');
    expect(fresh).toEqual({
      action: 'shrink',
      spec: { ...spec(), batchSize: 3, replicas: 2 },
      message: 'worker 1 stopped answering; resuming from step 0 with 2 replicas',
    });
    sup.snapshotTaken({ step: 20, weights });
    const d = sup.replicaLost(spec({ batchSize: 3, replicas: 2 }), 2, 'worker 1: out of memory');
    expect(d).toMatchObject({
      action: 'shrink',
      spec: { replicas: 1, batchSize: 6 },
      message: 'worker 1: out of memory; resuming from step 20 with 1 replica',
    });
    expect(sup.resume).toEqual({ step: 20, weights });
  });

  it('gives up with the message when one replica was left, or when the user asked to stop', () => {
    const sup = new RunSupervisor();
    sup.begin();
    expect(sup.replicaLost(spec({ replicas: 1 }), 1, 'the worker failed')).toEqual({
      action: 'give-up',
      message: 'the worker failed',
    });
    sup.stop();
    expect(sup.replicaLost(spec(), 3, 'worker 2 failed')).toEqual({ action: 'give-up', message: 'worker 2 failed' });
    sup.begin(); // a new run forgets the stop
    expect(sup.replicaLost(spec(), 3, 'worker 2 failed').action).toBe('shrink');
  });
});

describe('a GPU device is lost', () => {
  it('is refused without a checkpoint to resume from, or when the run saves none', () => {
    const sup = new RunSupervisor();
    sup.begin();
    expect(sup.deviceLost(true, 'the GPU device was lost')).toBeNull();
    sup.checkpointSaved('run-a-e1');
    expect(sup.deviceLost(false, 'the GPU device was lost')).toBeNull();
  });

  it('recovers from the newest checkpoint, dropping the snapshot (the checkpoint has the moments too)', () => {
    const sup = new RunSupervisor();
    sup.begin();
    sup.snapshotTaken({ step: 10, weights });
    sup.checkpointSaved('run-a-e1');
    sup.checkpointSaved('run-a-e2');
    expect(sup.deviceLost(true, 'the GPU device was lost (destroyed)')).toEqual({
      action: 'recover',
      resumeCheckpoint: 'run-a-e2',
      message: 'the GPU device was lost (destroyed); resuming in a fresh worker from checkpoint run-a-e2',
    });
    expect(sup.resume).toBeUndefined();
  });

  it(`is refused after ${MAX_DEVICE_RECOVERIES} recoveries, until a new run begins`, () => {
    const sup = new RunSupervisor();
    sup.begin();
    sup.checkpointSaved('c1');
    for (let i = 0; i < MAX_DEVICE_RECOVERIES; i++) expect(sup.deviceLost(true, 'lost')?.action).toBe('recover');
    expect(sup.deviceLost(true, 'lost')).toBeNull();
    sup.begin();
    expect(sup.deviceLost(true, 'lost')).toBeNull(); // the new run has no checkpoint yet
    sup.checkpointSaved('c2');
    expect(sup.deviceLost(true, 'lost')?.resumeCheckpoint).toBe('c2');
  });

  it('is refused once the user asked to stop', () => {
    const sup = new RunSupervisor(5);
    sup.begin();
    sup.checkpointSaved('c1');
    sup.stop();
    expect(sup.deviceLost(true, 'lost')).toBeNull();
  });
});
