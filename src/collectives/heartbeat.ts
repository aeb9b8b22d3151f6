// Liveness of data-parallel ranks: a rank that stops beating (crashed worker, lost GPU device,
// hung tab) is reported instead of the group waiting forever. Pure — the caller passes the clock —
// so it is testable without timers and works the same on the page and in a worker.

export class HeartbeatMonitor {
  readonly world: number;
  readonly timeoutMs: number;
  private readonly last: Map<number, number>;

  /** Every rank counts as seen at `startedAt`, so one that never beats is reported too. */
  constructor(world: number, timeoutMs: number, startedAt: number) {
    if (!Number.isInteger(world) || world < 1)
      throw new Error(`HeartbeatMonitor: world must be a positive integer, got ${world}`);
    if (!(timeoutMs > 0)) throw new Error(`HeartbeatMonitor: timeoutMs must be positive, got ${timeoutMs}`);
    if (!Number.isFinite(startedAt))
      throw new Error(`HeartbeatMonitor: startedAt must be a finite time, got ${startedAt}`);
    this.world = world;
    this.timeoutMs = timeoutMs;
    this.last = new Map(Array.from({ length: world }, (_, r) => [r, startedAt]));
  }

  /** Records a sign of life. Late-delivered beats (older than one already seen) never move time back. Beats from removed ranks are ignored. */
  beat(rank: number, now: number): void {
    this.check(rank);
    const prev = this.last.get(rank);
    if (prev === undefined) return;
    if (now > prev) this.last.set(rank, now);
  }

  /** Ranks (ascending) silent for more than timeoutMs at `now`. */
  missing(now: number): number[] {
    const out: number[] = [];
    for (const [rank, t] of this.last) if (now - t > this.timeoutMs) out.push(rank);
    return out.sort((a, b) => a - b);
  }

  /** Stops watching a rank (it left cleanly, or was already dealt with). */
  remove(rank: number): void {
    this.check(rank);
    this.last.delete(rank);
  }

  /** Last time rank was seen, or undefined once removed. */
  lastSeen(rank: number): number | undefined {
    this.check(rank);
    return this.last.get(rank);
  }

  private check(rank: number): void {
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.world)
      throw new Error(`HeartbeatMonitor: rank ${rank} is outside 0..${this.world - 1}`);
  }
}
