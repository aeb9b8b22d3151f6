import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NopPruner } from '../engine/pruners/nop';
import { RandomSampler } from '../engine/samplers/random';
import { Study, TIE_BREAK_ATTR } from '../engine/study';
import { trialToData, type TrialData } from '../engine/study-data';
import { openStudyStore, type StudyStore, type StudySummary } from './storage';
import { DB_VERSION } from './study-database';
import { summarizeTrials, withTrial } from './study-summary';
import type { StudyMeta } from './study-record';

// The summaries store (schema v2): counts and the best trial per study, kept by every write so the
// study list never reads trials. The oracle is the engine itself: Study.bestTrial and the states of
// the study as loaded back in full.

let dbCount = 0;
const freshName = () => `summary-test-${++dbCount}`;
const opened: StudyStore[] = [];
function clock(stepMs = 1000): () => Date {
  let t = Date.parse('2024-06-01T09:00:00.000Z') - stepMs;
  return () => new Date((t += stepMs));
}
async function open(name: string): Promise<StudyStore> {
  const store = await openStudyStore(name, { now: clock() });
  opened.push(store);
  return store;
}
afterEach(() => {
  opened.splice(0).forEach((s) => s.close());
  vi.restoreAllMocks();
});

const CONFIG = { searchSpace: [{ name: 'x', type: 'float', low: 0, high: 1 }], nTrials: 3 };
const newStudy = (seed = 3, direction: 'maximize' | 'minimize' = 'maximize') =>
  new Study({ direction, sampler: new RandomSampler(seed), pruner: new NopPruner(), now: clock() });

/** What the list must say, worked out from the whole study as loaded back. */
async function expected(store: StudyStore, id: string) {
  const { data } = await store.loadStudy(id);
  const study = Study.fromJSON(data);
  const states = { running: 0, complete: 0, pruned: 0, failed: 0 };
  for (const t of data.trials) states[t.state]++;
  return {
    trialCount: data.trials.length,
    states,
    bestTrialNumber: study.bestTrial?.number ?? null,
    bestValue: study.bestTrial?.value ?? null,
  };
}
const listedOf = (list: StudySummary[], id: string) => {
  const s = list.find((x) => x.id === id)!;
  return { trialCount: s.trialCount, states: s.states, bestTrialNumber: s.bestTrialNumber, bestValue: s.bestValue };
};

/** Counts reads of the trials store while `body` runs (getAll, get, cursors). */
async function trialReads<T>(body: () => Promise<T>): Promise<{ result: T; reads: number }> {
  let reads = 0;
  const count = function (this: IDBObjectStore) {
    if (this.name === 'trials') reads++;
  };
  const originals = (['getAll', 'get', 'openCursor', 'count'] as const).map((m) => {
    const orig = IDBObjectStore.prototype[m] as (...a: unknown[]) => unknown;
    vi.spyOn(IDBObjectStore.prototype, m).mockImplementation(function (this: IDBObjectStore, ...a: unknown[]) {
      count.call(this);
      return orig.apply(this, a) as never;
    });
    return orig;
  });
  try {
    return { result: await body(), reads };
  } finally {
    void originals;
    vi.restoreAllMocks();
  }
}

describe('study summaries', () => {
  it('stay right after every save (ties, pruned, failed, re-saves), and listing reads no trial', async () => {
    const store = await open(freshName());
    const study = newStudy();
    const id = await store.createStudy({ name: 's', config: CONFIG, ...study.toJSON() });
    const save = (t: ReturnType<Study['ask']>) =>
      store.saveTrial(id, trialToData(t), { sampler: study.sampler.toJSON(), userAttrs: study.userAttrs });
    const outcomes = [0.5, 'pruned', 0.7, 'failed', 0.7, 0.2, 'running', 0.9] as const;
    for (const [i, o] of outcomes.entries()) {
      const t = study.ask();
      await save(t); // running first, as the runner saves
      t.suggestFloat('x', 0, 1);
      if (o === 0.7 && i === 4) t.setUserAttr(TIE_BREAK_ATTR, 1); // ties the 0.7 before it, and wins on tie-break
      await save(t);
      if (o === 'pruned') study.tell(t, 'pruned');
      else if (o === 'failed') study.tell(t, 'failed', 'boom');
      else if (o !== 'running') study.tell(t, o);
      await save(t);
      await save(t); // a repeated save changes nothing
      const { result: list, reads } = await trialReads(() => store.listStudies());
      expect(reads).toBe(0);
      expect(listedOf(list, id)).toEqual(await expected(store, id));
    }
    expect(listedOf(await store.listStudies(), id)).toMatchObject({ bestTrialNumber: 7, bestValue: 0.9 });
  });

  it('are stored with an import (one transaction or in batches), dropped with the study, and rebuilt after resumePoint', async () => {
    const store = await open(freshName());
    const study = newStudy(5, 'minimize');
    for (let i = 0; i < 10; i++) {
      const t = study.ask();
      t.suggestFloat('x', 0, 1);
      if (i === 9) continue; // left running: resumePoint fails it
      study.tell(t, i % 4 === 1 ? 'pruned' : 1 + ((i * 7) % 5));
    }
    const data = study.toJSON();
    const meta = (id: string): StudyMeta => ({
      id,
      name: id,
      createdAt: '2024-06-01T00:00:00.000Z',
      updatedAt: '2024-06-01T00:00:00.000Z',
      status: 'paused',
      config: CONFIG,
      studyName: data.studyName,
      direction: data.direction,
      userAttrs: data.userAttrs,
      sampler: data.sampler,
      pruner: data.pruner,
    });
    await store.importStudy({ meta: meta('one'), data });
    const progress: number[] = [];
    await store.importStudyInBatches({ meta: meta('batched'), data }, (n) => progress.push(n), 3);
    expect(progress).toEqual([3, 6, 9, 10]);
    let list = await store.listStudies();
    for (const id of ['one', 'batched']) expect(listedOf(list, id)).toEqual(await expected(store, id));
    expect(listedOf(list, 'batched')).toMatchObject({ states: { running: 1 }, trialCount: 10 });
    expect((await store.loadStudy('batched')).data).toEqual((await store.loadStudy('one')).data);

    await store.resumePoint('batched');
    list = await store.listStudies();
    expect(listedOf(list, 'batched')).toEqual(await expected(store, 'batched'));
    expect(listedOf(list, 'batched').states).toMatchObject({ running: 0, failed: 1 });

    expect(await store.deleteStudy('batched')).toBe(true);
    const db = await openDB(store.name, DB_VERSION);
    expect(await db.get('summaries', 'batched')).toBeUndefined();
    expect(await db.count('trials')).toBe(10); // only 'one' is left
    db.close();
    expect((await store.listStudies()).map((s) => s.id)).toEqual(['one']);
  });

  it('a batched import that fails part way leaves no trace, and the other studies as they were', async () => {
    const store = await open(freshName());
    const study = newStudy();
    const keep = await store.createStudy({ name: 'kept', config: CONFIG, ...study.toJSON() });
    for (let i = 0; i < 7; i++) study.tell(study.ask(), i);
    const data = study.toJSON();
    const meta = { ...(await store.loadMeta(keep)), id: 'failing', name: 'failing' };
    const put = IDBObjectStore.prototype.put;
    let puts = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...a) {
      // The first put of the second batch (a throw mid-batch would orphan the batch's other requests).
      if (this.name === 'trials' && ++puts === 4) throw new DOMException('disk full', 'QuotaExceededError');
      return put.apply(this, a);
    });
    await expect(store.importStudyInBatches({ meta, data }, undefined, 3)).rejects.toThrow(/browser storage is full/);
    vi.restoreAllMocks();
    const db = await openDB(store.name, DB_VERSION);
    expect(await db.count('trials')).toBe(0);
    expect(await db.get('studies', 'failing')).toBeUndefined();
    db.close();
    expect((await store.listStudies()).map((s) => s.name)).toEqual(['kept']);
  });

  it('a summary that is missing or stale (written by older code) is rebuilt from the trials in pages', async () => {
    const store = await open(freshName());
    const study = newStudy();
    const id = await store.createStudy({ name: 'old tab', config: CONFIG, ...study.toJSON() });
    for (let i = 0; i < 5; i++) {
      const t = study.ask();
      study.tell(t, i === 2 ? 9 : i);
      await store.saveTrial(id, trialToData(t));
    }
    // Another tab running v1 code saves a trial: the trial and the study's updatedAt, no summary.
    const db = await openDB(store.name, DB_VERSION);
    const t = study.ask();
    study.tell(t, 42);
    await db.put('trials', { studyId: id, ...trialToData(t) });
    const meta = await db.get('studies', id);
    await db.put('studies', { ...meta, updatedAt: '2030-01-01T00:00:00.000Z' });
    const { result: list } = await trialReads(() => store.listStudies());
    expect(listedOf(list, id)).toEqual(await expected(store, id));
    expect(listedOf(list, id)).toMatchObject({ trialCount: 6, bestValue: 42 });
    // The rebuilt summary was stored: the next list reads no trial.
    expect((await trialReads(() => store.listStudies())).reads).toBe(0);
    // A missing one (a database from before v2) is rebuilt the same way.
    await db.delete('summaries', id);
    db.close();
    expect(listedOf(await store.listStudies(), id)).toEqual(await expected(store, id));
  });

  it('a damaged study is listed with a short message naming the problem; the others are listed as usual', async () => {
    const store = await open(freshName());
    const good = await store.createStudy({ name: 'good', config: CONFIG, ...newStudy().toJSON() });
    const db = await openDB(store.name, DB_VERSION);
    const meta = await db.get('studies', good);
    await db.put('studies', { ...meta, id: 'bad-1', name: 'bad one', direction: 'sideways', sampler: null });
    await db.put('studies', { id: 'bad-2', createdAt: 7 }); // hardly a study at all
    db.close();
    const list = await store.listStudies();
    expect(list.map((s) => s.id).sort()).toEqual(['bad-1', 'bad-2', good].sort());
    expect(list.find((s) => s.id === good)?.problem).toBeUndefined();
    const bad = list.find((s) => s.id === 'bad-1')!;
    expect(bad.problem).toMatch(/cannot be opened: .*direction/);
    expect(bad.name).toBe('bad one');
    expect(list.find((s) => s.id === 'bad-2')!.name).toBe('bad-2');
    for (const s of list) expect((s.problem ?? '').length).toBeLessThan(500);
    // And it can still be deleted.
    expect(await store.deleteStudy('bad-1')).toBe(true);
  });
});

describe('withTrial', () => {
  const t = (number: number, state: TrialData['state'], value: TrialData['value']): TrialData => ({
    number,
    state,
    value,
    params: {},
    distributions: {},
    intermediateValues: [],
    datetimeStart: null,
    datetimeComplete: null,
    userAttrs: {},
    systemAttrs: {},
    failReason: null,
  });

  it('asks for a rebuild when the best trial is rewritten worse, and counts NaN and Infinity as the engine does', () => {
    const s = summarizeTrials(
      's',
      'u',
      [t(0, 'complete', 3), t(1, 'complete', 5), t(2, 'complete', 'NaN')],
      'maximize',
    );
    expect(s.best).toMatchObject({ number: 1, value: 5 });
    expect(withTrial(s, t(1, 'complete', 5), t(1, 'failed', null), 'maximize')).toBeNull();
    expect(withTrial(s, t(1, 'complete', 5), t(1, 'complete', 5), 'maximize')).toEqual(s);
    expect(withTrial(s, t(0, 'complete', 3), t(0, 'failed', null), 'maximize')?.states).toMatchObject({
      complete: 2,
      failed: 1,
    });
    expect(withTrial(s, undefined, t(3, 'complete', 'Infinity'), 'maximize')?.best?.value).toBe(Infinity);
    // An equal value found later does not take the best from an earlier trial.
    expect(withTrial(s, undefined, t(4, 'complete', 5), 'maximize')?.best?.number).toBe(1);
  });
});
