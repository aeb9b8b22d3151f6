import { describe, expect, it } from 'vitest';
import type { ReplicaInfo } from '../core/run-types';
import type { SessionEvent } from '../core/session-events';
import { applyEvent, beginRun, initialRunState } from './run-events';
import { replay } from './run-event-fixtures';

describe('applyEvent: replicas', () => {
  const replica = (rank: number, extra: Partial<ReplicaInfo> = {}): ReplicaInfo => ({
    rank,
    state: 'starting',
    backend: '',
    adapter: '',
    checksum: null,
    optimizerBytes: null,
    ...extra,
  });
  const replicas = (...rs: ReplicaInfo[]): SessionEvent => ({ type: 'replicas', replicas: rs });

  it('starts with no replicas', () => {
    expect(initialRunState.replicas).toEqual([]);
    expect(beginRun().replicas).toEqual([]);
    expect(initialRunState.optimizerBytes).toBeNull();
  });

  it('stores the latest summary whole, each replica as reported', () => {
    let s = applyEvent(beginRun(), replicas(replica(0), replica(1)));
    expect(s.replicas).toEqual([replica(0), replica(1)]);
    s = applyEvent(
      s,
      replicas(
        replica(0, { state: 'running', backend: 'webgpu', adapter: 'NVIDIA H100' }),
        replica(1, { state: 'running', backend: 'wasm', adapter: '' }),
      ),
    );
    expect(s.replicas.map((r) => [r.rank, r.state, r.backend, r.adapter])).toEqual([
      [0, 'running', 'webgpu', 'NVIDIA H100'],
      [1, 'running', 'wasm', ''],
    ]);
    // Checksums are compared bit for bit across replicas: kept as the exact numbers reported.
    const checksum = 0.1 + 0.2;
    s = applyEvent(
      s,
      replicas(
        replica(0, { state: 'done', backend: 'webgpu', checksum, optimizerBytes: 1_234_567 }),
        replica(1, { state: 'failed', backend: 'wasm' }),
      ),
    );
    expect(s.replicas[0]).toEqual(
      replica(0, { state: 'done', backend: 'webgpu', checksum, optimizerBytes: 1_234_567 }),
    );
    expect(Object.is(s.replicas[0].checksum, checksum)).toBe(true);
    expect(s.replicas[1].state).toBe('failed');
    expect(s.replicas[1].checksum).toBeNull();
    expect(s.status).toBe('running'); // the summary is not the run's verdict; 'done'/'error' are
  });

  it('orders replicas by rank and keeps only the known fields', () => {
    const extra = { ...replica(0), html: '<script>' } as ReplicaInfo;
    const s = applyEvent(beginRun(), replicas(replica(2), extra, replica(1)));
    expect(s.replicas.map((r) => r.rank)).toEqual([0, 1, 2]);
    expect(s.replicas[0]).toEqual(replica(0));
    expect('html' in s.replicas[0]).toBe(false);
  });

  it('keeps the replicas after the run ends, and a new run clears them', () => {
    let s = replay(beginRun(), [
      replicas(replica(0, { state: 'done', checksum: 7, optimizerBytes: 64 })),
      { type: 'done', reason: 'finished', steps: 1, elapsedMs: 10, checksum: 7, optimizerBytes: 64 },
    ]);
    expect(s.status).toBe('finished');
    expect(s.replicas).toHaveLength(1);
    expect(s.optimizerBytes).toBe(64);
    s = beginRun();
    expect(s.replicas).toEqual([]);
    expect(s.optimizerBytes).toBeNull();
  });

  it('keeps a failed replica and the error together', () => {
    const s = replay(beginRun(), [
      replicas(replica(0, { state: 'running' }), replica(1, { state: 'failed' })),
      { type: 'error', message: 'worker 1: device lost' },
      { type: 'done', reason: 'finished', steps: 2, elapsedMs: 20, checksum: 3, optimizerBytes: 16 },
    ]);
    expect(s.status).toBe('error');
    expect(s.replicas.map((r) => r.state)).toEqual(['running', 'failed']);
    expect(s.optimizerBytes).toBe(16);
  });

  it('does not mutate the state or the event it is given', () => {
    const s = applyEvent(beginRun(), replicas(replica(0)));
    const snapshot = JSON.stringify(s);
    const e = replicas(replica(1), replica(0, { state: 'running' }));
    const eSnapshot = JSON.stringify(e);
    const next = applyEvent(s, e);
    expect(JSON.stringify(s)).toBe(snapshot);
    expect(JSON.stringify(e)).toBe(eSnapshot);
    expect(next.replicas).not.toBe((e as Extract<SessionEvent, { type: 'replicas' }>).replicas);
    expect(initialRunState.replicas).toEqual([]);
  });
});
