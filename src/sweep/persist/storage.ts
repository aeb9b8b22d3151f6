// Studies in IndexedDB (through idb). A trial is saved by putting its whole record, so the runner
// can save on every state change and every intermediate value with no bookkeeping (a repeated
// save is harmless), and a reload finds everything up to the last report. Nothing is deleted
// except by deleteStudy, which only an explicit user action should call. This file is the store's
// operations; the database under them (schema, opening, write transactions) is study-database.ts.
import type { StudyData, TrialData } from '../engine/study-data';
import type { TrialState } from '../engine/trial';
import {
  DB_NAME,
  StudyStoreError,
  openDatabase,
  storageError,
  studyRange,
  trialsAfter,
  write,
  type Db,
  type TrialRecord,
} from './study-database';
import { keepSummary, summarizeTrials, withTrial, type StoredSummary } from './study-summary';
import { listSome } from '../../core/bounded-text';
import {
  StudyFormatError,
  newStudyId,
  studyData,
  type LoadedStudy,
  type StudyMeta,
  type StudyStatus,
} from './study-record';
import { validateStatus, validateStudy, validateStudyName, validateTrial } from './validation';

export const INTERRUPTED_REASON = 'interrupted by a page reload';

/**
 * What createStudy needs; `...study.toJSON()` supplies the engine fields (and any trials).
 * status defaults to 'running' (a study is usually created to be run right away), studyName to name.
 */
export type NewStudy = Pick<StudyMeta, 'name' | 'config' | 'direction' | 'sampler' | 'pruner'> &
  Partial<Pick<StudyMeta, 'studyName' | 'userAttrs' | 'status'>> & { trials?: TrialData[] };

/** Engine state that changes while a study runs (the sampler's RNG position above all). */
export type EngineState = Partial<Pick<StudyData, 'sampler' | 'pruner' | 'userAttrs'>>;

export interface StudySummary extends StudyMeta {
  trialCount: number;
  states: Record<TrialState, number>;
  /** Best value among complete trials (per direction), or null when none is complete. */
  bestValue: number | null;
  bestTrialNumber: number | null;
  /**
   * Why this study cannot be opened (its stored record is damaged), when it cannot; it is still
   * listed, so the user sees it and can delete it, and the other studies are listed as usual.
   */
  problem?: string;
}

/** Trials per read when a study is read in pages (a few hundred KB of records per page). */
export const TRIAL_PAGE = 2000;
/** Trials per write transaction when a study is stored in batches. */
export const TRIAL_BATCH = 5000;

export interface ResumePoint {
  /** Trials now finished; also the number the next trial gets. */
  finished: number;
  /** Trials just marked failed: they were running (or never saved) when the page died. */
  interrupted: number[];
}

export interface StudyStoreOptions {
  /** Clock for createdAt/updatedAt (injectable for tests). */
  now?: () => Date;
}

export async function openStudyStore(name: string = DB_NAME, options: StudyStoreOptions = {}): Promise<StudyStore> {
  const store = new StudyStore(name, options);
  await store.ready(); // so a database that cannot be opened fails here, with its reason
  return store;
}

export class StudyStore {
  private connection: Promise<Db> | null = null;
  private readonly now: () => Date;

  constructor(
    readonly name: string,
    options: StudyStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async ready(): Promise<void> {
    await this.run('open the study database', async () => undefined);
  }

  close(): void {
    const c = this.connection;
    this.connection = null;
    void c?.then(
      (db) => db.close(),
      () => undefined,
    );
  }

  async createStudy(init: NewStudy): Promise<string> {
    const now = this.now();
    const createdAt = now.toISOString();
    const { name, config, direction, sampler, pruner, status = 'running', studyName = name, userAttrs = {} } = init;
    const meta: StudyMeta = {
      id: newStudyId(now),
      name,
      createdAt,
      updatedAt: createdAt,
      status,
      config,
      studyName,
      direction,
      userAttrs,
      sampler,
      pruner,
    };
    return this.insert(meta, studyData(meta, init.trials ?? []), `cannot create study "${String(init.name)}"`);
  }

  /** Stores an imported study (importStudyJSON gives it a fresh id); never overwrites one. */
  async importStudy(study: LoadedStudy): Promise<string> {
    return this.insert(study.meta, study.data, `cannot import study "${String(study.meta?.name)}"`);
  }

  /**
   * Stores an imported study as importStudy does, but its trials in batches of `batch`, each its own
   * transaction, so a 10^5-trial study is never one huge transaction. The study itself (its record
   * and summary) is added last: it is listed only once every trial is stored. If a batch fails the
   * trials written so far are removed, and every other study is left as it was.
   */
  async importStudyInBatches(
    study: LoadedStudy,
    progress: (stored: number, total: number) => void = () => undefined,
    batch = TRIAL_BATCH,
  ): Promise<string> {
    const { meta, data } = study;
    const context = `cannot import study "${String(meta?.name)}"`;
    const issues = validateStudy(meta, data);
    if (issues.length > 0) throw new StudyFormatError(issues, context);
    const exists = () =>
      this.run(`store study ${meta.id}`, async (db) => (await db.getKey('studies', meta.id)) !== undefined);
    if (await exists()) throw new StudyStoreError(`${context}: a study with id ${meta.id} already exists`);
    const total = data.trials.length;
    try {
      for (let i = 0; i < total; i += batch) {
        const part = data.trials.slice(i, i + batch);
        await this.run(`store trials ${i}–${i + part.length - 1} of study ${meta.id}`, (db) =>
          write(db, async (tx) => {
            const trials = tx.objectStore('trials');
            await Promise.all(part.map((t) => trials.put({ studyId: meta.id, ...t })));
          }),
        );
        progress(i + part.length, total);
      }
      const summary = summarizeTrials(meta.id, meta.updatedAt, data.trials, meta.direction);
      return await this.insert(meta, studyData(meta, []), context, summary);
    } catch (err) {
      // Only trials this import wrote: the id is fresh, and insert refuses one that exists.
      if (!(await exists().catch(() => true)))
        await this.run(`remove the partly imported study ${meta.id}`, (db) =>
          write(db, (tx) => tx.objectStore('trials').delete(studyRange(meta.id))),
        ).catch(() => undefined);
      throw err;
    }
  }

  /**
   * All studies, newest first, each with trial counts and its best value, read from the summaries
   * store (never every trial). A summary that is missing or stale is rebuilt from the study's trials
   * in pages; a study whose record is damaged is listed with its `problem`, never hiding the others.
   */
  async listStudies(): Promise<StudySummary[]> {
    const [metas, summaries] = await this.run('list studies', async (db) => {
      const tx = db.transaction(['studies', 'summaries'], 'readonly');
      return Promise.all([tx.objectStore('studies').getAll(), tx.objectStore('summaries').getAll()]);
    });
    const byId = new Map(summaries.map((s) => [s.id, s]));
    const out: StudySummary[] = [];
    for (const meta of metas) out.push(await this.listed(meta, byId.get(meta?.id)));
    const key = (s: StudySummary) => (typeof s.createdAt === 'string' ? s.createdAt : '');
    return out.sort((a, b) => key(b).localeCompare(key(a)) || String(b.id).localeCompare(String(a.id)));
  }

  /** One study's line in the list; a damaged one gets its problem instead of failing the list. */
  private async listed(meta: StudyMeta, stored: StoredSummary | undefined): Promise<StudySummary> {
    const issues = validateStudy(meta, studyData(meta, []));
    const id = typeof meta?.id === 'string' ? meta.id : String(meta?.id);
    if (issues.length > 0) {
      const named = typeof meta?.name === 'string' && meta.name !== '' ? meta.name : id;
      return {
        ...meta,
        id,
        name: named,
        trialCount: stored?.trialCount ?? 0,
        states: stored?.states ?? { running: 0, complete: 0, pruned: 0, failed: 0 },
        bestValue: null,
        bestTrialNumber: null,
        problem: `its stored record is damaged and it cannot be opened: ${listSome(issues, 3, 160)}`,
      };
    }
    let summary = stored;
    if (summary === undefined || summary.updatedAt !== meta.updatedAt) {
      try {
        summary = await this.rebuildSummary(meta);
      } catch (err) {
        const e = await storageError(err, `read the trials of study ${id}`);
        return { ...fromSummary(meta, summarizeTrials(id, meta.updatedAt, [], meta.direction)), problem: e.message };
      }
    }
    return fromSummary(meta, summary);
  }

  /** Reads the study's trials page by page and stores their summary (unless the study changed meanwhile). */
  private async rebuildSummary(meta: StudyMeta): Promise<StoredSummary> {
    const trials: TrialData[] = [];
    await this.readAllTrials(meta.id, (page) => void trials.push(...page));
    const summary = summarizeTrials(meta.id, meta.updatedAt, trials, meta.direction);
    await this.run(`summarize study ${meta.id}`, (db) =>
      write(db, async (tx) => {
        const now = await tx.objectStore('studies').get(meta.id);
        if (now?.updatedAt === meta.updatedAt) await tx.objectStore('summaries').put(summary);
      }),
    );
    return summary;
  }

  /** The study's record apart from its trials (cheap whatever its size). */
  async loadMeta(id: string): Promise<StudyMeta> {
    return this.run(`load study ${id}`, async (db) => {
      const meta = await db.get('studies', id);
      if (meta === undefined) throw notFound(id);
      return meta;
    });
  }

  /** Up to `limit` trials numbered above `after` (-1: from the first), in number order: one page of a paged read. */
  async readTrials(id: string, after = -1, limit = TRIAL_PAGE): Promise<TrialData[]> {
    return this.run(`read the trials of study ${id}`, async (db) =>
      (await db.getAll('trials', trialsAfter(id, after), limit)).map(stripStudyId),
    );
  }

  /** Every trial of the study, handed over a page at a time (each page its own short read). */
  async readAllTrials(id: string, page: (trials: TrialData[]) => void, pageSize = TRIAL_PAGE): Promise<void> {
    for (let after = -1; ;) {
      const trials = await this.readTrials(id, after, pageSize);
      if (trials.length === 0) return;
      page(trials);
      after = trials[trials.length - 1].number;
      if (trials.length < pageSize) return;
    }
  }

  /** The study's meta and the StudyData for Study.fromJSON. */
  async loadStudy(id: string): Promise<LoadedStudy> {
    return this.run(`load study ${id}`, async (db) => {
      const tx = db.transaction(['studies', 'trials'], 'readonly');
      const [meta, records] = await Promise.all([
        tx.objectStore('studies').get(id),
        tx.objectStore('trials').getAll(studyRange(id)),
      ]);
      if (meta === undefined) throw notFound(id);
      // Without resumePoint a gap can remain; filling it (in memory only) keeps fromJSON working.
      return { meta, data: studyData(meta, withoutGaps(records, meta.updatedAt).trials.map(stripStudyId)) };
    });
  }

  /**
   * Saves one trial (a put: idempotent), optionally with the engine's changed state in the same
   * transaction, e.g. saveTrial(id, trialToData(t), { sampler: study.sampler.toJSON() }).
   * A finished trial is never overwritten by a 'running' record: that would be a stale save.
   */
  async saveTrial(studyId: string, trial: TrialData, engine: EngineState = {}): Promise<void> {
    const what = `save trial ${String(trial?.number)} of study ${studyId}`;
    const issues = validateTrial(trial);
    if (issues.length > 0) throw new StudyFormatError(issues, `cannot ${what}`);
    await this.run(what, (db) =>
      write(db, async (tx) => {
        const meta = await tx.objectStore('studies').get(studyId);
        if (meta === undefined) throw notFound(studyId);
        const trials = tx.objectStore('trials');
        const old = await trials.get([studyId, trial.number]);
        if (old !== undefined && old.state !== 'running' && trial.state === 'running') {
          throw new StudyStoreError(
            `cannot ${what}: it is already ${old.state}; a 'running' record must not replace it (a stale save, or another tab running this study)`,
          );
        }
        await trials.put({ studyId, ...trial });
        const next = { ...withEngine(meta, engine, `cannot ${what}`), updatedAt: this.now().toISOString() };
        await tx.objectStore('studies').put(next);
        await keepSummary(tx, meta, next, (s) => withTrial(s, old, trial, meta.direction));
      }),
    );
  }

  /** Saves the engine's changed state alone (e.g. userAttrs set after the last trial). */
  async saveEngineState(id: string, engine: EngineState): Promise<void> {
    const what = `save the state of study ${id}`;
    await this.update(id, what, (meta) => withEngine(meta, engine, `cannot ${what}`));
  }

  async setStatus(id: string, status: StudyStatus): Promise<void> {
    const issues = validateStatus(status);
    if (issues.length > 0) throw new StudyFormatError(issues, `cannot set the status of study ${id}`);
    await this.update(id, `set the status of study ${id}`, (meta) => ({ ...meta, status }));
  }

  async renameStudy(id: string, name: string): Promise<void> {
    const issues = validateStudyName(name);
    if (issues.length > 0) throw new StudyFormatError(issues, `cannot rename study ${id}`);
    await this.update(id, `rename study ${id}`, (meta) => ({ ...meta, name }));
  }

  /** Deletes a study and its trials (explicit user action only). False if there was none. */
  async deleteStudy(id: string): Promise<boolean> {
    return this.run(`delete study ${id}`, (db) =>
      write(db, async (tx) => {
        if ((await tx.objectStore('studies').getKey(id)) === undefined) return false;
        // One range delete, whatever the study's size.
        await tx.objectStore('trials').delete(studyRange(id));
        await tx.objectStore('summaries').delete(id);
        await tx.objectStore('studies').delete(id);
        return true;
      }),
    );
  }

  /**
   * Prepares a study to continue after a reload: trials that were running when the page died
   * are marked failed with INTERRUPTED_REASON (kept, never deleted: their intermediate values
   * and user attrs may be all the user has of them), and numbers that never reached the
   * database (a concurrent trial that died before its first save) get a failed placeholder, so
   * numbering stays 0..n-1. Call it only while no other tab runs this study (e.g. hold a
   * navigator.locks lock per study): a trial running elsewhere would be failed too.
   */
  async resumePoint(id: string): Promise<ResumePoint> {
    return this.run(`resume study ${id}`, (db) =>
      write(db, async (tx) => {
        const meta = await tx.objectStore('studies').get(id);
        if (meta === undefined) throw notFound(id);
        const trials = tx.objectStore('trials');
        // updatedAt is the last time this study saved anything: the best known time it died.
        const { trials: all, filled } = withoutGaps(await trials.getAll(studyRange(id)), meta.updatedAt);
        const lost = all.filter((t) => t.state === 'running' || filled.has(t.number));
        await Promise.all(lost.map((t) => trials.put(t.state === 'running' ? interruptedCopy(t, meta.updatedAt) : t)));
        const interrupted = lost.map((t) => t.number);
        if (interrupted.length > 0) {
          const next = { ...meta, updatedAt: this.now().toISOString() };
          await tx.objectStore('studies').put(next);
          const fixed = all.map((t) => (t.state === 'running' ? interruptedCopy(t, meta.updatedAt) : t));
          await tx.objectStore('summaries').put(summarizeTrials(id, next.updatedAt, fixed, meta.direction));
        }
        return { finished: all.length, interrupted };
      }),
    );
  }

  /** Adds the study and its trials in one transaction; `summary` when its trials were stored before (in batches). */
  private async insert(meta: StudyMeta, data: StudyData, context: string, summary?: StoredSummary): Promise<string> {
    const issues = validateStudy(meta, data);
    if (issues.length > 0) throw new StudyFormatError(issues, context);
    return this.run(`store study ${meta.id}`, (db) =>
      write(db, async (tx) => {
        // Checked, then add (never put): an id collision must fail, not overwrite someone's study.
        if ((await tx.objectStore('studies').getKey(meta.id)) !== undefined)
          throw new StudyStoreError(`${context}: a study with id ${meta.id} already exists`);
        await tx.objectStore('studies').add(meta);
        await Promise.all(data.trials.map((t) => tx.objectStore('trials').put({ studyId: meta.id, ...t })));
        await tx
          .objectStore('summaries')
          .put(summary ?? summarizeTrials(meta.id, meta.updatedAt, data.trials, meta.direction));
        return meta.id;
      }),
    );
  }

  private async update(id: string, what: string, change: (meta: StudyMeta) => StudyMeta): Promise<void> {
    await this.run(what, (db) =>
      write(db, async (tx) => {
        const meta = await tx.objectStore('studies').get(id);
        if (meta === undefined) throw notFound(id);
        const next = { ...change(meta), updatedAt: this.now().toISOString() };
        await tx.objectStore('studies').put(next);
        await keepSummary(tx, meta, next, (s) => s);
      }),
    );
  }

  /** Runs an operation on the (lazily re-)opened database; storage errors get context. */
  private async run<T>(what: string, op: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await op(await this.db());
    } catch (err) {
      throw await storageError(err, what);
    }
  }

  private db(): Promise<Db> {
    if (this.connection === null) {
      // Only forget this connection: a late event must not drop a newer one.
      const drop = () => {
        if (this.connection === opening) this.connection = null;
      };
      const opening = openDatabase(this.name, {
        // Another tab wants a newer schema: step aside (the next call reopens) rather than block it.
        blocking: () => {
          drop();
          void opening.then((db) => db.close());
        },
        terminated: drop, // e.g. the user cleared site data; the next call reopens
      });
      opening.catch(drop); // a failed open is retried on the next call
      this.connection = opening;
    }
    return this.connection;
  }
}

function stripStudyId(record: TrialRecord): TrialData {
  const { studyId: _, ...trial } = record;
  return trial;
}

/** Trials sorted by number with failed placeholders for missing numbers (`filled`). */
function withoutGaps(records: TrialRecord[], when: string): { trials: TrialRecord[]; filled: Set<number> } {
  const byNumber = new Map(records.map((r) => [r.number, r]));
  const count = records.reduce((n, r) => Math.max(n, r.number + 1), 0);
  const filled = new Set<number>();
  const trials: TrialRecord[] = [];
  for (let n = 0; n < count; n++) {
    const r = byNumber.get(n);
    if (r !== undefined) trials.push(r);
    else {
      filled.add(n);
      trials.push(
        interruptedCopy(
          {
            studyId: records[0].studyId,
            number: n,
            state: 'running',
            value: null,
            params: {},
            distributions: {},
            intermediateValues: [],
            datetimeStart: null,
            datetimeComplete: null,
            userAttrs: {},
            systemAttrs: {},
            failReason: null,
          },
          when,
        ),
      );
    }
  }
  return { trials, filled };
}

function interruptedCopy(t: TrialRecord, when: string): TrialRecord {
  const complete = t.datetimeStart !== null && t.datetimeStart > when ? t.datetimeStart : when;
  return { ...t, state: 'failed', value: null, failReason: INTERRUPTED_REASON, datetimeComplete: complete };
}

function fromSummary(meta: StudyMeta, s: StoredSummary): StudySummary {
  return {
    ...meta,
    trialCount: s.trialCount,
    states: { ...s.states },
    bestValue: s.best?.value ?? null,
    bestTrialNumber: s.best?.number ?? null,
  };
}

/** The meta with the engine's new state, checked as a whole (the study must stay loadable). */
function withEngine(meta: StudyMeta, engine: EngineState, context: string): StudyMeta {
  // Only these keys: a caller passing all of study.toJSON() must not put its trials into meta.
  const { sampler = meta.sampler, pruner = meta.pruner, userAttrs = meta.userAttrs } = engine;
  if (sampler === meta.sampler && pruner === meta.pruner && userAttrs === meta.userAttrs) return meta;
  const next = { ...meta, sampler, pruner, userAttrs };
  const issues = validateStudy(next, studyData(next, []));
  if (issues.length > 0) throw new StudyFormatError(issues, context);
  return next;
}

function notFound(id: string): StudyStoreError {
  return new StudyStoreError(`no study with id ${id} (it may have been deleted, or this is another browser profile)`);
}
