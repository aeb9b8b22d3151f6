import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NopPruner } from '../engine/pruners/nop';
import { RandomSampler } from '../engine/samplers/random';
import { INTERRUPTED_REASON, openStudyStore, type StudyStore } from './storage';
import { DB_NAME, DB_VERSION } from './study-database';
import { Study, TIE_BREAK_ATTR } from '../engine/study';
import { trialToData } from '../engine/study-data';
import type { Trial } from '../engine/trial';

let dbCount = 0;
const freshName = () => `test-studio-${++dbCount}`;
const opened: StudyStore[] = [];
async function open(name: string): Promise<StudyStore> {
  const store = await openStudyStore(name, { now: clock('2024-06-01T09:00:00.000Z', 1000) });
  opened.push(store);
  return store;
}
afterEach(() => {
  opened.splice(0).forEach((s) => s.close());
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function clock(startIso = '2024-05-01T12:00:00.000Z', stepMs = 1500): () => Date {
  let t = Date.parse(startIso) - stepMs;
  return () => new Date((t += stepMs));
}

const CONFIG = {
  searchSpace: [{ name: 'learning_rate', type: 'float', low: 1e-6, high: 1e-4, log: true }],
  nTrials: 6,
};

function newStudy(seed = 7): Study {
  return new Study({ direction: 'maximize', sampler: new RandomSampler(seed), pruner: new NopPruner(), now: clock() });
}

/** Runs trials the way the studio's runner persists them: a save on every change. */
async function runTrials(
  store: StudyStore,
  id: string,
  study: Study,
  outcomes: Array<'complete' | 'pruned' | 'failed' | 'running'>,
): Promise<Trial[]> {
  const save = (t: Trial) =>
    store.saveTrial(id, trialToData(t), { sampler: study.sampler.toJSON(), userAttrs: study.userAttrs });
  const trials: Trial[] = [];
  for (const outcome of outcomes) {
    const t = study.ask();
    await save(t);
    const lr = t.suggestFloat('learning_rate', 1e-6, 1e-4, { log: true });
    t.suggestCategorical('per_device_train_batch_size', [4, 8, 16, 32]);
    await save(t);
    const curve: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const rouge = 0.2 + epoch * 0.05 + lr * 100;
      curve.push(rouge);
      t.report(epoch === 1 && outcome === 'pruned' ? NaN : rouge, epoch);
      t.setUserAttr('rouge_curve', [...curve]);
      t.setUserAttr('samples', [{ document: 'A "quoted", long text', summary: `summary ${epoch}` }]);
      await save(t);
    }
    if (outcome === 'complete') study.tell(t, curve[2]);
    else if (outcome === 'pruned') study.tell(t, 'pruned');
    else if (outcome === 'failed') study.tell(t, 'failed', 'out of memory');
    if (outcome !== 'running') await save(t);
    trials.push(t);
  }
  return trials;
}

describe('StudyStore', () => {
  it('the study list names the same best trial as Study.bestTrial when values tie (lower tie_break first)', async () => {
    const store = await open(freshName());
    const study = newStudy();
    const id = await store.createStudy({ name: 'ties', config: CONFIG, ...study.toJSON() });
    for (const loss of [6.2, 5.1, 5.8]) {
      const t = study.ask();
      t.setUserAttr(TIE_BREAK_ATTR, loss);
      study.tell(t, 0);
      await store.saveTrial(id, trialToData(t), { sampler: study.sampler.toJSON(), userAttrs: study.userAttrs });
    }
    const [summary] = await store.listStudies();
    expect(study.bestTrial?.number).toBe(1);
    expect(summary.bestTrialNumber).toBe(1);
    expect(summary.bestValue).toBe(0);
  });

  it('saves every trial and intermediate value; a new store (a reload) lists and restores the study exactly', async () => {
    const name = freshName();
    const store = await open(name);
    const study = newStudy();
    study.setUserAttr('objective', 'sum');
    const id = await store.createStudy({ name: 'LR sweep', config: CONFIG, ...study.toJSON() });
    await runTrials(store, id, study, ['complete', 'pruned', 'failed', 'complete']);
    store.close();

    const reloaded = await open(name);
    const list = await reloaded.listStudies();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id,
      name: 'LR sweep',
      status: 'running',
      config: CONFIG,
      direction: 'maximize',
      trialCount: 4,
      states: { complete: 2, pruned: 1, failed: 1, running: 0 },
    });
    const best = study.bestTrial!;
    expect(list[0].bestValue).toBe(best.value);
    expect(list[0].bestTrialNumber).toBe(best.number);

    const { meta, data } = await reloaded.loadStudy(id);
    expect(meta.name).toBe('LR sweep');
    expect(data).toEqual(study.toJSON());
    const restored = Study.fromJSON(data);
    expect(JSON.stringify(restored.toJSON())).toBe(JSON.stringify(study.toJSON()));
    expect(restored.trials[1].intermediateValues.get(1)).toBeNaN(); // NaN survives as 'NaN'
    // The sampler's RNG position was saved too: the restored study draws what the original would.
    expect(restored.ask().suggestFloat('learning_rate', 1e-6, 1e-4, { log: true })).toBe(
      study.ask().suggestFloat('learning_rate', 1e-6, 1e-4, { log: true }),
    );
  });

  it('after a reload a running trial becomes failed (kept, with its values) and the resume point is right', async () => {
    const name = freshName();
    const store = await open(name);
    const study = newStudy();
    const id = await store.createStudy({ name: 'interrupted', config: CONFIG, ...study.toJSON() });
    const [, , running] = await runTrials(store, id, study, ['complete', 'complete', 'running']);
    store.close(); // the page dies here

    const reloaded = await open(name);
    expect((await reloaded.listStudies())[0]).toMatchObject({ status: 'running', states: { running: 1, complete: 2 } });
    expect(await reloaded.resumePoint(id)).toEqual({ finished: 3, interrupted: [2] });
    const { data } = await reloaded.loadStudy(id);
    const t = data.trials[2];
    expect(t).toMatchObject({ state: 'failed', failReason: INTERRUPTED_REASON, value: null, params: running.params });
    expect(t.intermediateValues).toEqual([...running.intermediateValues]);
    expect(t.userAttrs.rouge_curve).toEqual(running.userAttrs.rouge_curve);
    expect(t.datetimeComplete).not.toBeNull();
    // A second call finds nothing new; the runner continues with trial 3.
    expect(await reloaded.resumePoint(id)).toEqual({ finished: 3, interrupted: [] });
    const resumed = Study.fromJSON(data);
    expect(resumed.ask().number).toBe(3);
  });

  it('fills a number that never reached the database (a concurrent trial) with a failed placeholder', async () => {
    const store = await open(freshName());
    const study = newStudy();
    const id = await store.createStudy({ name: 'gap', config: null, ...study.toJSON() });
    const a = study.ask();
    study.ask(); // trial 1: the page died before its first save
    const c = study.ask();
    await store.saveTrial(id, trialToData(study.tell(a, 1)));
    await store.saveTrial(id, trialToData(c));
    expect((await store.loadStudy(id)).data.trials.map((t) => t.state)).toEqual(['complete', 'failed', 'running']);
    expect(await store.resumePoint(id)).toEqual({ finished: 3, interrupted: [1, 2] });
    const { data } = await store.loadStudy(id);
    expect(data.trials[1]).toMatchObject({ number: 1, state: 'failed', failReason: INTERRUPTED_REASON, params: {} });
    expect(() => Study.fromJSON(data)).not.toThrow();
  });

  it('rejects bad saves with messages naming the field, and never lets a stale running record replace a finished one', async () => {
    const store = await open(freshName());
    const study = newStudy();
    const id = await store.createStudy({ name: 'guarded', config: CONFIG, ...study.toJSON() });
    const t = study.ask();
    const running = trialToData(t);
    study.tell(t, 0.5);
    await store.saveTrial(id, trialToData(t));
    await store.saveTrial(id, trialToData(t)); // idempotent
    await expect(store.saveTrial(id, running)).rejects.toThrow(/trial 0 of study .*: it is already complete/);
    expect((await store.loadStudy(id)).data.trials[0].state).toBe('complete');

    await expect(store.saveTrial('nope', trialToData(t))).rejects.toThrow('no study with id nope');
    await expect(store.saveTrial(id, { ...trialToData(t), number: -1 })).rejects.toThrow(
      'trial.number: expected a non-negative integer, got -1',
    );
    await expect(store.saveTrial(id, { ...trialToData(t), userAttrs: { loss: NaN } })).rejects.toThrow(
      'trial.userAttrs.loss: NaN cannot be stored as JSON',
    );
    await expect(
      store.saveTrial(id, trialToData(t), { sampler: { kind: 'random', seed: 1.5, draws: 0 } }),
    ).rejects.toThrow('study.sampler.seed: expected an integer, got 1.5');
    await expect(store.createStudy({ name: '  ', config: CONFIG, ...study.toJSON() })).rejects.toThrow(
      'study.name: expected a non-empty name, got "  "',
    );
    await expect(store.setStatus(id, 'done' as never)).rejects.toThrow(
      'status: expected one of running, paused, complete, stopped, got "done"',
    );
    await expect(store.loadStudy('missing')).rejects.toThrow('no study with id missing');
  });

  it('renames, sets status, lists newest first; deleting one study leaves the others intact', async () => {
    const store = await open(freshName());
    const ids: string[] = [];
    for (const n of ['first', 'second', 'third']) {
      const study = newStudy();
      const id = await store.createStudy({ name: n, config: { n }, ...study.toJSON() });
      await runTrials(store, id, study, ['complete', 'complete']);
      ids.push(id);
    }
    await store.renameStudy(ids[0], 'first, renamed');
    await store.setStatus(ids[0], 'complete');
    expect((await store.listStudies()).map((s) => s.name)).toEqual(['third', 'second', 'first, renamed']);

    expect(await store.deleteStudy(ids[1])).toBe(true);
    expect(await store.deleteStudy(ids[1])).toBe(false);
    const list = await store.listStudies();
    expect(list.map((s) => [s.id, s.trialCount, s.status])).toEqual([
      [ids[2], 2, 'running'],
      [ids[0], 2, 'complete'],
    ]);
    await expect(store.loadStudy(ids[1])).rejects.toThrow(`no study with id ${ids[1]}`);
    for (const id of [ids[0], ids[2]]) expect((await store.loadStudy(id)).data.trials).toHaveLength(2);
  });

  it('reports a full disk with the usage and quota from navigator.storage.estimate()', async () => {
    const store = await open(freshName());
    const study = newStudy();
    const id = await store.createStudy({ name: 'big', config: CONFIG, ...study.toJSON() });
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 52_400_000, quota: 52_428_800 }) } });
    const err = await store.saveTrial(id, trialToData(study.ask())).then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(
      /^browser storage is full: could not save trial 0 of study .* This site uses 52\.4 MB of its 52\.4 MB quota\./,
    );
    expect((err.cause as DOMException).name).toBe('QuotaExceededError');

    vi.stubGlobal('navigator', {});
    await expect(store.saveTrial(id, trialToData(study.ask()))).rejects.toThrow(
      'The browser did not report how much space is used.',
    );
    vi.restoreAllMocks();
    expect((await store.loadStudy(id)).data.trials).toHaveLength(0); // nothing half written
  });
});

describe('schema', () => {
  it(`creates version ${DB_VERSION} from an empty (version 0) database`, async () => {
    const name = freshName();
    const store = await open(name);
    store.close();
    const db = await openDB(name);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['studies', 'summaries', 'trials']);
    expect(db.transaction('trials').store.keyPath).toEqual(['studyId', 'number']);
    expect(db.transaction('studies').store.keyPath).toBe('id');
    db.close();
    expect(DB_NAME).toBe('training-studio');
  });

  it('adds its stores to an existing database that lacks them, leaving what is there untouched', async () => {
    const name = freshName();
    const foreign = await openDB(name, 1, { upgrade: (db) => void db.createObjectStore('notes') });
    await foreign.put('notes', 'keep me', 'k');
    foreign.close();
    const store = await open(name);
    const study = newStudy();
    const id = await store.createStudy({ name: 'coexists', config: CONFIG, ...study.toJSON() });
    store.close();
    const db = await openDB(name);
    // The foreign version 1 was taken for ours: v2's migration ran, then the repair added the rest.
    expect(db.version).toBe(DB_VERSION + 1);
    expect(await db.get('notes', 'k')).toBe('keep me');
    db.close();
    // Reopening at DB_VERSION (now older than the database) still works and finds the study.
    expect((await (await open(name)).listStudies()).map((s) => s.id)).toEqual([id]);
  });

  it('opens a database a newer studio upgraded, as long as its stores are there', async () => {
    const name = freshName();
    const store = await open(name);
    const id = await store.createStudy({ name: 'from the past', config: CONFIG, ...newStudy().toJSON() });
    store.close();
    const newer = await openDB(name, DB_VERSION + 3, { upgrade: (db) => void db.createObjectStore('futureStore') });
    newer.close();
    expect((await (await open(name)).loadStudy(id)).meta.name).toBe('from the past');
  });

  it('closes its connection when another tab needs a newer schema, and reopens on the next call', async () => {
    const name = freshName();
    const store = await open(name);
    const id = await store.createStudy({ name: 'multi-tab', config: CONFIG, ...newStudy().toJSON() });
    const other = await openDB(name, DB_VERSION + 1); // would hang if the store kept its connection open
    other.close();
    expect((await store.loadStudy(id)).meta.name).toBe('multi-tab');
  });
});
