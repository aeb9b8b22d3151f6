// The kept Train runs: every run is recorded as it goes (its record written whole, at most every
// `saveEveryMs` while steps arrive and at once on the facts that matter: backend, epochs,
// evaluations, the end), so a reload finds its curves up to the last save. A storage failure
// (IndexedDB unavailable, the disk full) never reaches the run: the history says so once and goes
// on in memory. The database is injected (app/run-database.ts), so Node tests use the in-memory one.
// Tabs share the database: the tab running a run holds its lease (app/tab-lease.ts) for as long as
// it runs, and a run is "interrupted" only when no tab holds its lease; one running in another tab
// stays "running" here, read-only, and is read again once that tab lets it go.
import type { SessionEvent } from '../core/session-events';
import type { RunSpec } from '../train/spec';
import type { RunDatabase } from '../app/run-database';
import { errorMessage } from '../core/errors';
import { markInterrupted, newRunRecord, recordEvent, type RunRecord } from './run-record';
import { runLeaseName, type LeaseManager, type TabLease } from '../app/tab-lease';

export interface RunHistoryOptions {
  open: () => Promise<RunDatabase<RunRecord>>;
  /** Every change to the records (newest list), for the store to render. */
  onChange: (records: RunRecord[]) => void;
  /** Said once: the runs could not be kept and live in memory only. */
  onNotice: (message: string) => void;
  /** The trained model's label when a run ends (the page's trained slot), if it has one. */
  finalModel?: () => string | null;
  now?: () => Date;
  saveEveryMs?: number;
  /** Which tab runs which run (the page: browserLeases()); without it no other tab is assumed. */
  leases?: LeaseManager;
}

/** Events whose record is written at once rather than with the next batch of steps. */
const SAVE_NOW = new Set<SessionEvent['type']>(['backend', 'model', 'epoch', 'evaluation', 'done', 'error']);

export class RunHistory {
  private readonly records = new Map<string, RunRecord>();
  private db: RunDatabase<RunRecord> | null = null;
  private opening: Promise<void> | null = null;
  private failed = false;
  private liveId: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Writes go one after another, so an older copy of a record never lands after a newer one. */
  private writes: Promise<void> = Promise.resolve();
  private readonly now: () => Date;
  /** The live run's lease: taken before its first write, let go when it ends. */
  private liveLease: Promise<TabLease | null> | null = null;
  /** Runs another tab is running: kept as they are, not edited or marked here. */
  private readonly elsewhere = new Set<string>();

  constructor(private readonly options: RunHistoryOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Opens the database and reads the kept runs; a run a reload cut off is marked interrupted. */
  load(): Promise<void> {
    this.opening ??= (async () => {
      try {
        this.db = await this.options.open();
        const kept = await this.db.getAll();
        for (const r of kept) if (!this.records.has(r.id)) this.records.set(r.id, r);
        for (const r of markInterrupted([...this.records.values()], this.liveId)) {
          if (await this.heldElsewhere(r.id)) {
            this.watch(r.id);
            continue;
          }
          this.records.set(r.id, r);
          this.save(r);
        }
        // A run that began before the database opened is written now.
        if (this.liveId) this.save(this.records.get(this.liveId)!);
      } catch (err) {
        this.fail(err);
      }
      this.changed();
    })();
    return this.opening;
  }

  /** Whether another tab runs `id` now (its lease is held, and not by this tab's live run). */
  async heldElsewhere(id: string): Promise<boolean> {
    if (!this.options.leases || id === this.liveId) return false;
    return this.options.leases.isHeld(runLeaseName(id));
  }

  /** Runs another tab was found running when this one loaded (shown read-only). */
  get drivenElsewhere(): string[] {
    return [...this.elsewhere];
  }

  /** Another tab runs `id`: once it lets go, read the record it left (and mark it if that tab died mid-run). */
  private watch(id: string): void {
    if (this.elsewhere.has(id) || !this.options.leases) return;
    this.elsewhere.add(id);
    void this.options.leases
      .whenFree(runLeaseName(id))
      .then(async () => {
        this.elsewhere.delete(id);
        const latest = this.db ? (await this.db.getAll()).find((r) => r.id === id) : undefined;
        if (latest && this.records.has(id) && id !== this.liveId) {
          const [cut] = markInterrupted([latest], null);
          this.records.set(id, cut ?? latest);
          if (cut) this.save(cut);
        }
        this.changed();
      })
      .catch((err: unknown) => this.fail(err));
  }

  /** The live run takes its lease; its writes wait for it, so no tab sees it running without one. */
  private hold(id: string): void {
    this.letGo();
    if (!this.options.leases) return;
    const taking = this.options.leases.tryAcquire(runLeaseName(id)).catch(() => null);
    this.liveLease = taking;
    this.writes = this.writes.then(() => taking.then(() => undefined));
  }

  private letGo(): void {
    const lease = this.liveLease;
    this.liveLease = null;
    void lease?.then((l) => l?.release());
  }

  list(): RunRecord[] {
    return [...this.records.values()];
  }

  get(id: string): RunRecord | undefined {
    return this.records.get(id);
  }

  /** A new run starts: its record exists (and is written) before its first event. */
  begin(id: string, spec: RunSpec, modelSource: string): void {
    this.flushTimer();
    const r = newRunRecord(id, spec, modelSource, this.now());
    this.records.set(id, r);
    this.liveId = id;
    this.hold(id);
    this.save(r);
    this.changed();
  }

  /**
   * A run continues from its checkpoint at `from` (step, epoch): its kept record goes on (what it
   * reported after that point is dropped, as the resumed run reports it again); a run not kept here
   * gets a new record under its id.
   */
  resume(id: string, from: { step: number; epoch: number }, spec: RunSpec, modelSource: string): void {
    const kept = this.records.get(id);
    if (!kept) return this.begin(id, spec, modelSource);
    this.flushTimer();
    const res = kept.results;
    const r: RunRecord = {
      ...kept,
      status: 'running',
      spec,
      finalModel: null,
      updatedAt: this.now().toISOString(),
      results: {
        ...res,
        steps: res.steps.filter((p) => p.step <= from.step),
        epochs: res.epochs.filter((e) => e.epoch <= from.epoch),
        evaluations: res.evaluations.filter((e) => e.epoch <= from.epoch),
        samples: res.samples.filter((e) => e.epoch <= from.epoch),
        error: null,
        finalElapsedMs: null,
        checksum: null,
      },
    };
    this.records.set(id, r);
    this.liveId = id;
    this.elsewhere.delete(id);
    this.hold(id);
    this.save(r);
    this.changed();
  }

  /** One event of the live run. */
  event(e: SessionEvent): void {
    const id = this.liveId;
    const before = id ? this.records.get(id) : undefined;
    if (!id || !before) return;
    let r = recordEvent(before, e, this.now());
    if (r === before) return;
    if (e.type === 'done' || e.type === 'error') {
      if (e.type === 'done') r = { ...r, finalModel: this.options.finalModel?.() ?? null };
      this.liveId = null;
    }
    this.records.set(id, r);
    this.changed();
    if (SAVE_NOW.has(e.type)) {
      this.flushTimer();
      this.save(r);
      // The lease goes once the final record has landed: a tab that sees it free reads the end.
      if (this.liveId === null) {
        const lease = this.liveLease;
        this.liveLease = null;
        this.writes = this.writes.then(() => void lease?.then((l) => l?.release()));
      }
    } else this.timer ??= setTimeout(() => this.flushTimer(), this.options.saveEveryMs ?? 1000);
  }

  /** Edits what the user owns (name, notes, tags); anything else in `patch` is ignored. */
  edit(id: string, patch: Partial<Pick<RunRecord, 'name' | 'notes' | 'tags'>>): void {
    const r = this.records.get(id);
    // Another tab writes that record whole as its run goes: an edit here would be lost, or lose its steps.
    if (!r || this.elsewhere.has(id)) return;
    const next: RunRecord = {
      ...r,
      ...(patch.name !== undefined ? { name: patch.name.trim() || r.name } : {}),
      ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
      ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
      updatedAt: this.now().toISOString(),
    };
    this.records.set(id, next);
    this.save(next);
    this.changed();
  }

  /** Deletes a kept run (only an explicit user action calls this); the live run cannot be deleted. */
  remove(id: string): boolean {
    if (id === this.liveId || this.elsewhere.has(id) || !this.records.delete(id)) return false;
    this.queue((db) => db.delete(id));
    this.changed();
    return true;
  }

  /** Resolves when every write so far has landed (or failed over to memory). */
  async flush(): Promise<void> {
    this.flushTimer();
    await this.writes;
  }

  private flushTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    const live = this.liveId ? this.records.get(this.liveId) : undefined;
    if (live) this.save(live);
  }

  private save(r: RunRecord): void {
    this.queue((db) => db.put(r));
  }

  /** The database is looked up when the write's turn comes: after a failure, queued writes are skipped. */
  private queue(write: (db: RunDatabase<RunRecord>) => Promise<void>): void {
    if (!this.db) return;
    this.writes = this.writes
      .then(() => (this.db ? write(this.db) : undefined))
      .catch((err: unknown) => this.fail(err));
  }

  /** Storage failed: keep everything in memory from now on, and say so once. */
  private fail(err: unknown): void {
    this.db = null;
    if (this.failed) return;
    this.failed = true;
    this.options.onNotice(
      `Runs are not being saved in this browser (${errorMessage(err)}): they are kept in memory until the page closes.`,
    );
  }

  private changed(): void {
    this.options.onChange(this.list());
  }
}
