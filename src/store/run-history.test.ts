import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { memoryRunDatabase, openRunDatabase, type RunDatabase } from '../app/run-database';
import { defaultSpec } from '../train/spec';
import type { SessionEvent } from '../core/session-events';
import { RunHistory } from './run-history';
import { filterRuns, parseTags, type RunRecord } from './run-record';
import { step } from './run-event-fixtures';

const spec = defaultSpec('tiny');
const done: SessionEvent = {
  type: 'done',
  reason: 'finished',
  steps: 3,
  elapsedMs: 300,
  checksum: 42,
  optimizerBytes: 8,
};

function history(db: RunDatabase<RunRecord> | (() => Promise<RunDatabase<RunRecord>>), extra = {}) {
  const notices: string[] = [];
  let last: RunRecord[] = [];
  const h = new RunHistory({
    open: typeof db === 'function' ? db : async () => db,
    onChange: (r) => (last = r),
    onNotice: (m) => notices.push(m),
    now: () => new Date('2026-12-05T08:00:00Z'),
    saveEveryMs: 10_000, // steps wait for the next save-now event or flush
    ...extra,
  });
  return { h, notices, list: () => last };
}

describe('RunHistory', () => {
  it('keeps a run as it goes: a reload finds its steps and marks it interrupted', async () => {
    const db = memoryRunDatabase<RunRecord>();
    const { h } = history(db);
    await h.load();
    h.begin('run-a', spec, 'a fresh tiny model');
    h.event({ type: 'backend', backend: 'wasm', reason: 'forced', adapter: 'wasm simd' });
    h.event(step(1, 2.5));
    h.event(step(2, 2.25));
    await h.flush();

    const { h: after, list } = history(db);
    await after.load();
    const [r] = list();
    expect(r.status).toBe('interrupted');
    expect(r.results.steps.map((p) => p.loss)).toEqual([2.5, 2.25]);
    expect(r.results.backend).toEqual({ backend: 'wasm', reason: 'forced', adapter: 'wasm simd' });
    expect(r.spec).toEqual(spec);
    expect(r.modelSource).toBe('a fresh tiny model');
    // The mark itself is kept: a third load still says interrupted.
    await after.flush();
    expect((await db.getAll())[0].status).toBe('interrupted');
  });

  it('a finished run stays finished after a reload, with its final model', async () => {
    const db = memoryRunDatabase<RunRecord>();
    const { h } = history(db, { finalModel: () => 'Trained from a fresh tiny model' });
    await h.load();
    h.begin('run-a', spec, 'a fresh tiny model');
    h.event(step(1, 2.5));
    h.event(done);
    await h.flush();
    const [r] = await db.getAll();
    expect(r.status).toBe('finished');
    expect(r.finalModel).toBe('Trained from a fresh tiny model');
    expect(r.results.checksum).toBe(42);
    const { h: after, list } = history(db);
    await after.load();
    expect(list()[0].status).toBe('finished');
  });

  it('an error ends the run as error, and a later done does not repaint it', async () => {
    const db = memoryRunDatabase<RunRecord>();
    const { h, list } = history(db);
    await h.load();
    h.begin('run-a', spec, 'x');
    h.event({ type: 'error', message: 'boom' });
    h.event(done);
    expect(list()[0].status).toBe('error');
    expect(list()[0].results.error).toBe('boom');
  });

  it('IndexedDB unavailable: says so once, and the run is still kept in memory', async () => {
    const { h, notices, list } = history(() => Promise.reject(new Error('IndexedDB is not available')));
    await h.load();
    h.begin('run-a', spec, 'x');
    h.event(step(1, 2.5));
    h.event(done);
    await h.flush();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('IndexedDB is not available');
    expect(list()[0].status).toBe('finished');
    expect(list()[0].results.steps).toHaveLength(1);
  });

  it('a write failing mid-run (quota) is said once; the run goes on in memory', async () => {
    const db = memoryRunDatabase<RunRecord>();
    const { h, notices, list } = history(db);
    await h.load();
    h.begin('run-a', spec, 'x');
    await h.flush();
    const put = vi.spyOn(db, 'put').mockRejectedValue(new Error('the browser storage is full'));
    h.event({ type: 'epoch', epoch: 1, trainLoss: 2, evalLoss: 2.1 });
    h.event({ type: 'epoch', epoch: 2, trainLoss: 1.9, evalLoss: 2 });
    h.event(done);
    await h.flush();
    expect(notices).toEqual([expect.stringContaining('the browser storage is full')]);
    expect(put).toHaveBeenCalledTimes(1); // after the failure nothing more is tried
    expect(list()[0].results.epochs).toHaveLength(2);
    expect(list()[0].status).toBe('finished');
  });

  it('rename, notes, tags and delete are kept; the live run cannot be deleted', async () => {
    const db = memoryRunDatabase<RunRecord>();
    const { h } = history(db);
    await h.load();
    h.begin('run-a', spec, 'x');
    h.event(done);
    h.begin('run-b', spec, 'x');
    h.edit('run-a', { name: '  baseline  ', notes: 'lr too high', tags: parseTags('Keep, lr sweep') });
    h.edit('run-a', { name: '   ' }); // an empty name keeps the old one
    expect(h.remove('run-b')).toBe(false);
    await h.flush();
    const a = (await db.getAll()).find((r) => r.id === 'run-a')!;
    expect([a.name, a.notes, a.tags]).toEqual(['baseline', 'lr too high', ['keep', 'lr', 'sweep']]);
    expect(h.remove('run-a')).toBe(true);
    await h.flush();
    expect((await db.getAll()).map((r) => r.id)).toEqual(['run-b']);
  });
});

describe('filterRuns', () => {
  const rec = (id: string, createdAt: string, name: string, tags: string[]): RunRecord => ({
    ...({} as RunRecord),
    id,
    name,
    tags,
    notes: '',
    createdAt,
    status: 'finished',
    spec,
    modelSource: 'a fresh tiny model',
    results: { backend: null } as RunRecord['results'],
  });
  const runs = [
    rec('1', '2026-01-01', 'first try', ['keep']),
    rec('2', '2026-01-02', 'second', ['keeper']),
    rec('3', '2026-01-03', 'third try', []),
  ];
  it('matches every word, newest first; tag: matches a tag exactly', () => {
    expect(filterRuns(runs, '').map((r) => r.id)).toEqual(['3', '2', '1']);
    expect(filterRuns(runs, 'TRY').map((r) => r.id)).toEqual(['3', '1']);
    expect(filterRuns(runs, 'try keep').map((r) => r.id)).toEqual(['1']);
    expect(filterRuns(runs, 'tag:keep').map((r) => r.id)).toEqual(['1']);
    expect(filterRuns(runs, 'nothing')).toEqual([]);
  });
});

describe('openRunDatabase (fake IndexedDB)', () => {
  it('round-trips records and deletes them', async () => {
    const db = await openRunDatabase<{ id: string; n: number }>('runs-test-db');
    await db.put({ id: 'a', n: 1 });
    await db.put({ id: 'a', n: 2 });
    await db.put({ id: 'b', n: 3 });
    await db.delete('b');
    expect(await db.getAll()).toEqual([{ id: 'a', n: 2 }]);
  });
});

describe('RunHistory.resume', () => {
  it('continues the kept run from its checkpoint: later steps dropped, status running, then finished', async () => {
    const db = memoryRunDatabase<RunRecord>();
    const { h } = history(db);
    await h.load();
    h.begin('run-a', spec, 'x');
    for (const n of [1, 2, 3]) h.event(step(n, 3 - n / 10));
    await h.flush();
    const { h: after, list } = history(db);
    await after.load();
    expect(list()[0].status).toBe('interrupted');
    after.resume('run-a', { step: 2, epoch: 1 }, spec, 'x');
    expect(list()).toHaveLength(1);
    expect(list()[0].status).toBe('running');
    expect(list()[0].results.steps.map((p) => p.step)).toEqual([1, 2]);
    after.event(step(3, 2.7));
    after.event(done);
    await after.flush();
    const [r] = await db.getAll();
    expect(r.status).toBe('finished');
    expect(r.results.steps.map((p) => p.step)).toEqual([1, 2, 3]);
  });

  it('a run not kept here starts a record under the checkpoint run id', async () => {
    const { h, list } = history(memoryRunDatabase<RunRecord>());
    await h.load();
    h.resume('run-z', { step: 4, epoch: 1 }, spec, 'x');
    expect(list().map((r) => [r.id, r.status])).toEqual([['run-z', 'running']]);
  });
});
