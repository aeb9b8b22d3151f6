// Which tab drives what: two tabs of the studio share one IndexedDB and one OPFS, so a study or a
// Train run must be driven by one tab only (a second tab resuming the same study saved over its
// trials; two tabs marked each other's runs "interrupted"). A lease is held for as long as the tab
// drives the thing; the browser drops it when the tab closes or crashes, so a reload can take over
// at once.
//
// Web Locks (navigator.locks) where the browser has them: request with ifAvailable, never steal,
// and the lock is held until release() (or the tab's end). Where they are missing (an insecure
// context, an old browser) the fallback is a lease in localStorage renewed every few seconds: a
// lease not renewed for LEASE_TTL_MS is free. Where localStorage is unusable too, leases are kept
// in this page only, and `shared` says that tabs cannot see each other's.
//
// Injectable: the sessions take a LeaseManager, so Node tests give two "tabs" one memory manager.

export interface TabLease {
  readonly name: string;
  /** Lets the lease go (idempotent). */
  release(): void;
}

export interface LeaseManager {
  /** True when leases are seen by every tab of the origin (false: this page only). */
  readonly shared: boolean;
  /** Takes the lease when no tab holds it, else null; never waits, never steals. */
  tryAcquire(name: string): Promise<TabLease | null>;
  /** Whether any tab (this one included) holds the lease now. */
  isHeld(name: string): Promise<boolean>;
  /** Resolves once nobody holds the lease (a tab that drove it finished, closed or crashed). */
  whenFree(name: string): Promise<void>;
}

/** Lease names: one namespace per kind of thing a tab drives. */
export const studyLeaseName = (studyId: string) => `training-studio/study/${studyId}`;
export const runLeaseName = (runId: string) => `training-studio/run/${runId}`;

/** What the second tab says, for studies and for runs. */
export const STUDY_HELD_MESSAGE =
  'Another tab is running this study: it is shown here read-only. Resume it in that tab, or here once that tab has closed or paused it.';
export const RUN_ELSEWHERE_NOTE = 'Another tab is running this run: edit it there, or here once it has ended.';
export const RUN_HELD_MESSAGE =
  'Another tab is running this run: its checkpoints cannot be resumed here until that tab has finished or closed.';

// ---- Web Locks ----------------------------------------------------------------------------------

/** The part of the Web Locks API the leases use (LockManager). */
export interface LocksLike {
  request(
    name: string,
    options: { ifAvailable?: boolean; steal?: boolean; mode?: 'exclusive' | 'shared' },
    callback: (lock: unknown) => Promise<unknown> | unknown,
  ): Promise<unknown>;
  query(): Promise<{ held?: { name?: string }[]; pending?: { name?: string }[] }>;
}

export function webLockLeases(locks: LocksLike): LeaseManager {
  return {
    shared: true,
    tryAcquire(name) {
      return new Promise<TabLease | null>((resolve, reject) => {
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        locks
          .request(name, { ifAvailable: true, steal: false, mode: 'exclusive' }, (lock) => {
            if (lock === null) {
              resolve(null);
              return undefined;
            }
            let released = false;
            resolve({
              name,
              release: () => {
                if (released) return;
                released = true;
                release();
              },
            });
            return held; // the lock is held until this settles
          })
          .catch(reject);
      });
    },
    async isHeld(name) {
      const state = await locks.query();
      return (state.held ?? []).some((l) => l.name === name);
    },
    async whenFree(name) {
      // Waits in the queue for the lock, then lets it go at once: granted means nobody held it.
      await locks.request(name, { mode: 'exclusive' }, () => undefined);
    },
  };
}

// ---- localStorage fallback ----------------------------------------------------------------------

/** A lease not renewed for this long is free (its tab closed or hung). */
export const LEASE_TTL_MS = 10_000;
const RENEW_MS = 3_000;
const KEY_PREFIX = 'training-studio/lease/';

/** The part of Storage the fallback uses. */
export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

interface StoredLease {
  owner: string;
  until: number;
}

export function storageLeases(
  storage: StorageLike,
  opts: { owner?: string; now?: () => number; ttlMs?: number; pollMs?: number } = {},
): LeaseManager {
  const owner = opts.owner ?? randomId();
  const now = opts.now ?? (() => Date.now());
  const ttl = opts.ttlMs ?? LEASE_TTL_MS;
  const read = (name: string): StoredLease | null => {
    try {
      const v = JSON.parse(storage.getItem(KEY_PREFIX + name) ?? 'null') as Partial<StoredLease> | null;
      return v && typeof v.owner === 'string' && typeof v.until === 'number' ? (v as StoredLease) : null;
    } catch {
      return null; // unreadable: treated as free
    }
  };
  const live = (name: string) => {
    const l = read(name);
    return l && l.until > now() ? l : null;
  };
  const write = (name: string) =>
    storage.setItem(KEY_PREFIX + name, JSON.stringify({ owner, until: now() + ttl } satisfies StoredLease));
  return {
    shared: true,
    async tryAcquire(name) {
      const l = live(name);
      if (l && l.owner !== owner) return null;
      write(name);
      // Two tabs may write at once: the last write wins, and the loser sees it on reading back.
      await new Promise((r) => setTimeout(r, 0));
      if (read(name)?.owner !== owner) return null;
      const timer = setInterval(() => {
        if (read(name)?.owner === owner) write(name);
      }, RENEW_MS);
      let released = false;
      return {
        name,
        release() {
          if (released) return;
          released = true;
          clearInterval(timer);
          if (read(name)?.owner === owner) storage.removeItem(KEY_PREFIX + name);
        },
      };
    },
    async isHeld(name) {
      return live(name) !== null;
    },
    async whenFree(name) {
      while (live(name)) await new Promise((r) => setTimeout(r, opts.pollMs ?? 1_000));
    },
  };
}

// ---- this page only -----------------------------------------------------------------------------

/** Leases inside one JS realm: Node tests (two "tabs" share one) and the last-resort fallback. */
export function memoryLeases(): LeaseManager {
  const held = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  return {
    shared: false,
    async tryAcquire(name) {
      if (held.has(name)) return null;
      held.add(name);
      let released = false;
      return {
        name,
        release() {
          if (released) return;
          released = true;
          held.delete(name);
          for (const w of waiting.get(name) ?? []) w();
          waiting.delete(name);
        },
      };
    },
    async isHeld(name) {
      return held.has(name);
    },
    whenFree(name) {
      if (!held.has(name)) return Promise.resolve();
      return new Promise((r) => waiting.set(name, [...(waiting.get(name) ?? []), r]));
    },
  };
}

// ---- the page's choice ---------------------------------------------------------------------------

let pageLeases: LeaseManager | null = null;

/**
 * The page's leases, chosen on first use (so importing a store in a Node test touches no browser
 * API): Web Locks, else localStorage, else this page only (said once on the console).
 */
export function browserLeases(): LeaseManager {
  return {
    get shared() {
      return chooseLeases().shared;
    },
    tryAcquire: (name) => chooseLeases().tryAcquire(name),
    isHeld: (name) => chooseLeases().isHeld(name),
    whenFree: (name) => chooseLeases().whenFree(name),
  };
}

function chooseLeases(): LeaseManager {
  if (pageLeases) return pageLeases;
  const g = globalThis as { navigator?: { locks?: LocksLike }; localStorage?: StorageLike };
  if (g.navigator?.locks && typeof g.navigator.locks.request === 'function')
    return (pageLeases = webLockLeases(g.navigator.locks));
  try {
    const ls = g.localStorage;
    if (ls) {
      const probe = `${KEY_PREFIX}probe`;
      ls.setItem(probe, '1');
      ls.removeItem(probe);
      console.warn('This browser has no Web Locks: tabs agree on who runs a study through localStorage leases.');
      return (pageLeases = storageLeases(ls));
    }
  } catch {
    // full or disabled: fall through
  }
  console.warn(
    'This browser has neither Web Locks nor usable localStorage: this tab cannot tell whether another tab runs the same study.',
  );
  return (pageLeases = memoryLeases());
}

function randomId(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
