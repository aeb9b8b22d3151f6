// Two tabs, one runs database: a run is marked interrupted only when no tab holds its lease. One
// running in another tab stays running here (no edit, no delete), and is read again when it ends.
import { describe, expect, it, vi } from 'vitest';
import { memoryRunDatabase, type RunDatabase } from '../app/run-database';
import { memoryLeases, runLeaseName, type LeaseManager } from '../app/tab-lease';
import { defaultSpec } from '../train/spec';
import { RunHistory } from './run-history';
import type { RunRecord } from './run-record';
import { step } from './run-event-fixtures';

const spec = defaultSpec('tiny');

function tab(db: RunDatabase<RunRecord>, leases?: LeaseManager) {
  let last: RunRecord[] = [];
  const h = new RunHistory({
    open: async () => db,
    onChange: (r) => (last = r),
    onNotice: () => undefined,
    saveEveryMs: 10_000,
    leases,
  });
  return { h, list: () => last, status: (id: string) => last.find((r) => r.id === id)?.status };
}

describe('RunHistory across tabs', () => {
  it('a run live in one tab is not marked interrupted by another; that tab sees it finish', async () => {
    const db = memoryRunDatabase<RunRecord>();
    const leases = memoryLeases();
    const a = tab(db, leases);
    await a.h.load();
    a.h.begin('run-a', spec, 'x');
    a.h.event(step(1, 2.5));
    await a.h.flush();
    expect(await leases.isHeld(runLeaseName('run-a'))).toBe(true);

    const b = tab(db, leases);
    await b.h.load();
    await b.h.flush();
    expect(b.status('run-a')).toBe('running');
    expect(b.h.drivenElsewhere).toEqual(['run-a']);
    expect((await db.getAll())[0].status).toBe('running'); // nothing written over it
    // Read-only here: an edit or a delete would fight the other tab's whole-record writes.
    b.h.edit('run-a', { name: 'renamed in tab B' });
    expect(b.h.remove('run-a')).toBe(false);
    await b.h.flush();
    expect((await db.getAll())[0].name).not.toBe('renamed in tab B');

    a.h.event(step(2, 2.25));
    a.h.event({ type: 'done', reason: 'finished', steps: 2, elapsedMs: 10, checksum: 1, optimizerBytes: 8 });
    await a.h.flush();
    await vi.waitFor(() => expect(b.status('run-a')).toBe('finished'));
    expect(b.list()[0].results.steps).toHaveLength(2);
    expect(b.h.drivenElsewhere).toEqual([]);
    expect(await leases.isHeld(runLeaseName('run-a'))).toBe(false);
  });

  it('a run whose tab died mid-run (lease gone, record still running) is marked interrupted, at once or when the lease goes', async () => {
    const db = memoryRunDatabase<RunRecord>();
    const dead = tab(db); // no leases: as a page that is gone
    await dead.h.load();
    dead.h.begin('run-d', spec, 'x');
    await dead.h.flush();
    const leases = memoryLeases();
    const c = tab(db, leases);
    await c.h.load();
    expect(c.status('run-d')).toBe('interrupted');

    // The same, but its tab was still holding the lease when this one loaded, then crashed.
    dead.h.begin('run-e', spec, 'x');
    await dead.h.flush();
    const holder = await leases.tryAcquire(runLeaseName('run-e'));
    const e = tab(db, leases);
    await e.h.load();
    expect(e.status('run-e')).toBe('running');
    holder!.release();
    await vi.waitFor(() => expect(e.status('run-e')).toBe('interrupted'));
    await e.h.flush();
    expect((await db.getAll()).find((r) => r.id === 'run-e')?.status).toBe('interrupted');
  });

  it('heldElsewhere: a resume refuses a run another tab holds, never the live one', async () => {
    const leases = memoryLeases();
    const a = tab(memoryRunDatabase<RunRecord>(), leases);
    await a.h.load();
    a.h.begin('run-a', spec, 'x');
    await a.h.flush();
    const b = tab(memoryRunDatabase<RunRecord>(), leases);
    expect(await b.h.heldElsewhere('run-a')).toBe(true);
    expect(await a.h.heldElsewhere('run-a')).toBe(false);
    expect(await b.h.heldElsewhere('run-other')).toBe(false);
  });
});
