// The barrier of a SabCollective group, over the group header's words (sab-group.ts): a
// generation-counting barrier that never blocks the thread (Atomics.waitAsync, so several ranks
// can share one thread in tests), with a timeout that names the ranks that never arrived, and an
// abort word that poisons the group, so peers fail with a reason instead of waiting forever.
//
// Self-contained but for sab-group.ts (itself import-free): the worker_threads test transpiles them.
import { H_ABORT, H_COUNT, H_FIXED, H_GEN, H_REASON } from './sab-group';

export const ABORT_CLOSED = 1;
export const ABORT_TIMEOUT = 2;
export const ABORT_FAULT = 3;

type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: boolean; value: 'ok' | 'not-equal' | 'timed-out' | Promise<'ok' | 'timed-out'> };
// Typed by hand: the project's lib (ES2023) predates Atomics.waitAsync.
const waitAsync: WaitAsync | undefined = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync?.bind(Atomics);

export class GroupBarrier {
  private arrivals: number; // barriers this rank has entered (mirrored in the header for diagnostics)

  constructor(
    private readonly h: Int32Array,
    private readonly rank: number,
    private readonly world: number,
    private readonly timeoutMs: number,
  ) {
    this.arrivals = Atomics.load(h, H_FIXED + rank);
  }

  /** Resolves once every rank has arrived. The last arriver resets the counter and bumps the generation. */
  async arrive(): Promise<void> {
    const h = this.h;
    this.arrivals += 1;
    Atomics.store(h, H_FIXED + this.rank, this.arrivals);
    const gen = Atomics.load(h, H_GEN); // cannot advance before our own arrival below
    if (Atomics.add(h, H_COUNT, 1) + 1 === this.world) {
      Atomics.store(h, H_COUNT, 0); // before the bump: nobody re-arrives until they see it
      Atomics.add(h, H_GEN, 1);
      Atomics.notify(h, H_GEN);
      return;
    }
    const deadline = Date.now() + this.timeoutMs;
    // A pending Atomics.waitAsync does not keep a Node event loop alive: a worker_threads rank
    // whose only work is this wait would exit. A parked timer holds the loop open (no-op in browsers).
    const keepAlive = setTimeout(() => undefined, 0x7fffffff);
    try {
      while (Atomics.load(h, H_GEN) === gen) {
        this.checkAbort();
        const left = deadline - Date.now();
        if (left <= 0) this.timeOut();
        if (waitAsync) {
          const w = waitAsync(h, H_GEN, gen, Number.isFinite(left) ? left : undefined);
          if (w.async) await w.value;
        } else {
          // No waitAsync (older engines): poll, yielding so other ranks on this thread can run.
          await new Promise((r) => setTimeout(r, 0));
        }
      }
    } finally {
      clearTimeout(keepAlive);
    }
  }

  private timeOut(): never {
    const missing: number[] = [];
    for (let r = 0; r < this.world; r++) if (Atomics.load(this.h, H_FIXED + r) < this.arrivals) missing.push(r);
    this.poison(ABORT_TIMEOUT);
    throw new Error(
      `SabCollective rank ${this.rank}: timed out after ${this.timeoutMs} ms waiting at a barrier for rank(s) ${missing.join(', ')}`,
    );
  }

  /** Marks the group unusable (the first poisoner's rank and reason stick) and wakes every waiter. */
  poison(reason: number): void {
    if (Atomics.compareExchange(this.h, H_ABORT, 0, this.rank + 1) === 0) Atomics.store(this.h, H_REASON, reason);
    Atomics.notify(this.h, H_GEN);
  }

  /** Throws, naming the rank and why, once the group is poisoned. */
  checkAbort(): void {
    const who = Atomics.load(this.h, H_ABORT);
    if (who === 0) return;
    const reason = Atomics.load(this.h, H_REASON);
    const why =
      reason === ABORT_TIMEOUT
        ? 'timed out waiting for a peer'
        : reason === ABORT_FAULT
          ? 'failed in a collective (see its error)'
          : 'closed the group';
    throw new Error(`SabCollective rank ${this.rank}: group is unusable: rank ${who - 1} ${why}`);
  }
}
