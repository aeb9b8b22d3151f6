// The lease wrapper: at most one holder per name across "tabs", never stolen, free on release;
// Web Locks through a fake LockManager with the API's semantics, and the localStorage fallback.
import { describe, expect, it, vi } from 'vitest';
import {
  memoryLeases,
  storageLeases,
  webLockLeases,
  type LeaseManager,
  type LocksLike,
  type StorageLike,
} from './tab-lease';

/** A LockManager with the spec's exclusive-mode behaviour: ifAvailable grants or calls back with null. */
function fakeLocks(): LocksLike {
  const held = new Set<string>();
  const queue = new Map<string, (() => void)[]>();
  const grant = async (name: string, cb: (lock: unknown) => unknown) => {
    held.add(name);
    try {
      return await cb({ name });
    } finally {
      held.delete(name);
      const next = queue.get(name)?.shift();
      next?.();
    }
  };
  return {
    async request(name, options, cb) {
      if (options.steal) throw new Error('leases must never steal');
      if (!held.has(name)) return grant(name, cb);
      if (options.ifAvailable) return cb(null);
      await new Promise<void>((r) => queue.set(name, [...(queue.get(name) ?? []), r]));
      return grant(name, cb);
    },
    async query() {
      return { held: [...held].map((name) => ({ name })) };
    },
  };
}

function mapStorage(): StorageLike {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
  };
}

async function contract(tabA: LeaseManager, tabB: LeaseManager) {
  const a = await tabA.tryAcquire('study/1');
  expect(a).not.toBeNull();
  expect(await tabB.tryAcquire('study/1')).toBeNull(); // held: the other tab is refused, not queued
  expect(await tabB.isHeld('study/1')).toBe(true);
  expect(await tabB.isHeld('study/2')).toBe(false);
  const b2 = await tabB.tryAcquire('study/2'); // other names are independent
  expect(b2).not.toBeNull();
  let freed = false;
  const watch = tabB.whenFree('study/1').then(() => (freed = true));
  await new Promise((r) => setTimeout(r, 5));
  expect(freed).toBe(false);
  a!.release();
  a!.release(); // idempotent
  await watch;
  expect(await tabB.isHeld('study/1')).toBe(false);
  const b1 = await tabB.tryAcquire('study/1');
  expect(b1).not.toBeNull();
  expect(await tabA.tryAcquire('study/1')).toBeNull();
  b1!.release();
  b2!.release();
}

describe('tab leases', () => {
  it('Web Locks: one holder, no stealing, free on release', async () => {
    const locks = fakeLocks();
    await contract(webLockLeases(locks), webLockLeases(locks));
  });

  it('memory (one page, or Node tests sharing one manager)', async () => {
    const m = memoryLeases();
    expect(m.shared).toBe(false);
    await contract(m, m);
  });

  it('localStorage fallback: one holder between two tabs, and a lease its tab stopped renewing expires', async () => {
    const storage = mapStorage();
    let t = 1_000_000;
    const now = () => t;
    await contract(
      storageLeases(storage, { owner: 'A', now, pollMs: 1 }),
      storageLeases(storage, { owner: 'B', now, pollMs: 1 }),
    );
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const a = await storageLeases(storage, { owner: 'A', now, ttlMs: 10_000 }).tryAcquire('run/9');
      const b = storageLeases(storage, { owner: 'B', now, ttlMs: 10_000 });
      expect(await b.tryAcquire('run/9')).toBeNull();
      t += 9_000;
      vi.advanceTimersByTime(3_000); // A renews while its tab lives
      t += 9_000;
      expect(await b.tryAcquire('run/9')).toBeNull();
      // A's tab dies: no more renewals; after the TTL the lease is free.
      vi.clearAllTimers();
      t += 10_001;
      const took = await b.tryAcquire('run/9');
      expect(took).not.toBeNull();
      a!.release(); // A's late release must not free B's lease
      expect(await b.isHeld('run/9')).toBe(true);
      took!.release();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a corrupt stored lease counts as free', async () => {
    const storage = mapStorage();
    storage.setItem('training-studio/lease/x', '{not json');
    expect(await storageLeases(storage).isHeld('x')).toBe(false);
    expect(await storageLeases(storage).tryAcquire('x')).not.toBeNull();
  });
});
