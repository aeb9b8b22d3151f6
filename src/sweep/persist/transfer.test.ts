import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { trialsToCsv } from '../engine/csv';
import { MedianPruner } from '../engine/pruners/median';
import { TPESampler } from '../engine/samplers/tpe';
import { openStudyStore } from './storage';
import { Study } from '../engine/study';
import type { StudyData } from '../engine/study-data';
import { StudyFormatError, type StudyMeta } from './study-record';
import { exportStudyJSON, exportTrialsCSV, importStudyJSON, studyFileName } from './transfer';
import type { JsonValue } from '../engine/trial';
import { DEFAULT_SWEEP } from '../studio/default-study';
import { defaultSpec } from '../../train/spec';

function clock(startIso = '2024-05-01T12:00:00.000Z', stepMs = 1500): () => Date {
  let t = Date.parse(startIso) - stepMs;
  return () => new Date((t += stepMs));
}

function sampleStudy(): { meta: StudyMeta; data: StudyData; study: Study } {
  const study = new Study({
    direction: 'maximize',
    sampler: new TPESampler({ seed: 3, nStartupTrials: 2 }),
    pruner: new MedianPruner(),
    now: clock(),
  });
  study.setUserAttr('objective', 'sum');
  for (let i = 0; i < 5; i++) {
    const t = study.ask();
    const lr = t.suggestFloat('learning_rate', 1e-6, 1e-4, { log: true });
    const bs = t.suggestCategorical('per_device_train_batch_size', [4, 8, 16, 32]);
    t.report(lr * 1000 + bs / 100, 0);
    t.setUserAttr('eval_loss', [2.5, 2.1]);
    if (i === 3) study.tell(t, 'pruned');
    else if (i === 4) study.tell(t, 'failed', 'GPU device lost');
    else study.tell(t, lr * 1000 + bs / 10);
  }
  const data = study.toJSON();
  const meta: StudyMeta = {
    id: 'study-original',
    name: 'LR × batch size',
    createdAt: '2024-05-01T11:59:00.000Z',
    updatedAt: '2024-05-01T12:10:00.000Z',
    status: 'paused',
    config: { sweep: { ...DEFAULT_SWEEP, nTrials: 20 }, base: defaultSpec('tiny') } as unknown as JsonValue,
    studyName: data.studyName,
    direction: data.direction,
    userAttrs: data.userAttrs,
    sampler: data.sampler,
    pruner: data.pruner,
  };
  return { meta, data, study };
}

/** An exported file as an object, to break in one place. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests break the JSON anywhere, at any depth
type Exported = Record<string, any>;

function exported(): Exported {
  const { meta, data } = sampleStudy();
  return JSON.parse(exportStudyJSON(meta, data));
}

describe('export / import', () => {
  it('round trips exactly, under a new id', () => {
    const { meta, data, study } = sampleStudy();
    const text = exportStudyJSON(meta, data, { now: () => new Date('2024-05-02T00:00:00.000Z') });
    const file = JSON.parse(text);
    expect(file).toMatchObject({ format: 'training-studio-study', version: 1, exportedAt: '2024-05-02T00:00:00.000Z' });
    expect(file.study.trials[3].state).toBe('pruned');

    const imported = importStudyJSON(text);
    expect(imported.meta.id).not.toBe(meta.id);
    expect(imported.meta.id).toMatch(/^study-/);
    expect({ ...imported.meta, id: meta.id }).toEqual(meta);
    expect(imported.data).toEqual(data);
    expect(Study.fromJSON(imported.data).toJSON()).toEqual(study.toJSON());
    expect(importStudyJSON(text).meta.id).not.toBe(imported.meta.id); // every import is a new study
  });

  it('imports a study exported while running as paused; a byte-order mark is fine', () => {
    const file = exported();
    file.study.status = 'running';
    expect(importStudyJSON('\uFEFF' + JSON.stringify(file)).meta.status).toBe('paused');
  });

  it('an imported study is stored beside the original, overwriting nothing', async () => {
    const store = await openStudyStore('transfer-import-test');
    const { meta, data } = sampleStudy();
    const originalId = await store.createStudy({ ...meta, trials: data.trials });
    const original = await store.loadStudy(originalId);
    const copyId = await store.importStudy(importStudyJSON(exportStudyJSON(original.meta, original.data)));
    expect(copyId).not.toBe(originalId);
    expect((await store.listStudies()).map((s) => s.id).sort()).toEqual([originalId, copyId].sort());
    expect(await store.loadStudy(originalId)).toEqual(original);
    expect((await store.loadStudy(copyId)).data).toEqual(original.data);
    await expect(store.importStudy({ ...original, meta: { ...original.meta } })).rejects.toThrow(
      `a study with id ${originalId} already exists`,
    );
    store.close();
  });

  it('exports trials as CSV through trialsToCsv, and gives a safe file name', () => {
    const { meta, data, study } = sampleStudy();
    expect(exportTrialsCSV(data)).toBe(trialsToCsv(study));
    expect(exportTrialsCSV(data).split('\n')[0]).toBe(
      'number,state,value,params_learning_rate,params_per_device_train_batch_size,datetime_start,datetime_complete,duration',
    );
    expect(studyFileName(meta, 'json')).toBe('lr-batch-size-2024-05-01.json');
    expect(studyFileName({ ...meta, name: '★★★' }, 'csv')).toBe('study-2024-05-01.csv');
  });

  it('refuses to export data that JSON would silently change', () => {
    const { meta, data } = sampleStudy();
    expect(() => exportStudyJSON({ ...meta }, { ...data, userAttrs: { best: NaN } })).toThrow(
      'cannot export study "LR × batch size": study.userAttrs.best: NaN cannot be stored as JSON',
    );
  });
});

describe('bad imports name what is wrong', () => {
  const edit = (change: (f: Exported) => void): string => {
    const f = exported();
    change(f);
    return JSON.stringify(f);
  };
  const cases: Array<[string, string, string | RegExp]> = [
    ['empty file', '  \n', 'cannot import this file: the file is empty'],
    ['not JSON', '{"format": "training-studio-study",', /^cannot import this file: not valid JSON \(/],
    ['not an object', '[1, 2]', 'expected a JSON object with format "training-studio-study", got an array of 2'],
    [
      'bare StudyData',
      JSON.stringify(sampleStudy().data),
      'format: this is a bare sweep-study StudyData (Study.toJSON()), not a studio export',
    ],
    [
      'another format',
      edit((f) => (f.format = 'optuna-journal')),
      'format: expected "training-studio-study", got "optuna-journal"',
    ],
    ['no format', '{"hello": 1}', 'format: missing; this is not a training-studio study export'],
    [
      'newer version',
      edit((f) => (f.version = 2)),
      'version: this file is version 2 of the study format; this studio reads only version 1 (a newer studio wrote it)',
    ],
    ['version as a string', edit((f) => (f.version = '1')), 'version: expected 1, got "1"'],
    ['no study', edit((f) => delete f.study), 'study: missing, expected a study object'],
    [
      'bad trial state',
      edit((f) => (f.study.trials[3].state = 'done')),
      'study.trials[3].state: expected one of running, complete, pruned, failed, got "done"',
    ],
    [
      'trial numbers out of order',
      edit((f) => (f.study.trials[1].number = 5)),
      'study.trials[1].number: expected 1 (trials are numbered 0, 1, 2, … in order), got 5',
    ],
    [
      'bad direction',
      edit((f) => (f.study.direction = 'up')),
      'study.direction: expected one of maximize, minimize, got "up"',
    ],
    ['empty name', edit((f) => (f.study.name = '')), 'study.name: expected a non-empty name, got ""'],
    [
      'bad date',
      edit((f) => (f.study.createdAt = 'yesterday')),
      'study.createdAt: expected an ISO 8601 date, got "yesterday"',
    ],
    [
      'bad status',
      edit((f) => (f.study.status = 'finished')),
      'study.status: expected one of running, paused, complete, stopped, got "finished"',
    ],
    [
      'missing config',
      edit((f) => delete f.study.config),
      'cannot import this file: study.config: missing, expected the sweep config {sweep, base} (the search and the run settings)',
    ],
    [
      'param outside its range',
      edit((f) => (f.study.trials[0].params.learning_rate = 0.5)),
      'study.trials[0].params.learning_rate: 0.5 is outside its distribution FloatDistribution(low=1e-6, high=1e-4, log=true, step=null)',
    ],
    [
      'param without distribution',
      edit((f) => (f.study.trials[2].params.warmup = 3)),
      'study.trials[2].params.warmup: has no distribution in study.trials[2].distributions',
    ],
    [
      'bad categorical choice',
      edit((f) => (f.study.trials[1].params.per_device_train_batch_size = 12)),
      'study.trials[1].params.per_device_train_batch_size: 12 is not one of the choices [4,8,16,32]',
    ],
    [
      'inverted range',
      edit((f) => (f.study.trials[0].distributions.learning_rate.attributes.low = 1e-3)),
      'study.trials[0].distributions.learning_rate: low 1e-3 is greater than high 1e-4',
    ],
    [
      'kind changes between trials',
      edit(
        (f) =>
          (f.study.trials[2].distributions.learning_rate = {
            name: 'IntDistribution',
            attributes: { low: 0, high: 10, log: false, step: 1 },
          }),
      ),
      'study.trials[2].distributions.learning_rate: parameter "learning_rate": cannot change from a float distribution to an int distribution',
    ],
    [
      'unknown distribution',
      edit((f) => (f.study.trials[0].distributions.learning_rate.name = 'LogUniform')),
      'study.trials[0].distributions.learning_rate.name: expected one of FloatDistribution, IntDistribution, CategoricalDistribution, got "LogUniform"',
    ],
    [
      'complete without value',
      edit((f) => (f.study.trials[0].value = null)),
      'study.trials[0].value: a complete trial needs a value that is not NaN, got null',
    ],
    [
      'failed with a value',
      edit((f) => (f.study.trials[4].value = 1)),
      'study.trials[4].value: a failed trial has no value; expected null, got 1',
    ],
    [
      'bad value',
      edit((f) => (f.study.trials[0].value = 'high')),
      'study.trials[0].value: expected a finite number or "NaN", "Infinity", "-Infinity", got "high"',
    ],
    [
      'negative step',
      edit((f) => (f.study.trials[0].intermediateValues = [[-1, 0.3]])),
      'study.trials[0].intermediateValues[0][0]: expected a non-negative integer step, got -1',
    ],
    [
      'repeated step',
      edit(
        (f) =>
          (f.study.trials[0].intermediateValues = [
            [0, 0.3],
            [0, 0.4],
          ]),
      ),
      'study.trials[0].intermediateValues[1][0]: step 0 is reported twice',
    ],
    [
      'user attrs not an object',
      edit((f) => (f.study.trials[0].userAttrs = [1])),
      'study.trials[0].userAttrs: expected an object, got an array of 1',
    ],
    [
      'unknown sampler',
      edit((f) => (f.study.sampler.kind = 'cmaes')),
      'study.sampler.kind: expected one of tpe, random, grid, got "cmaes"',
    ],
    [
      'bad sampler field',
      edit((f) => (f.study.sampler.nEiCandidates = 0)),
      'study.sampler: nEiCandidates must be a positive integer, got 0',
    ],
    [
      'bad pruner field',
      edit((f) => (f.study.pruner.nWarmupSteps = 'none')),
      'study.pruner.nWarmupSteps: expected a non-negative integer, got "none"',
    ],
    [
      'trials not a list',
      edit((f) => (f.study.trials = {})),
      'study.trials: expected an array of trials, got an object',
    ],
  ];

  it.each(cases)('%s', (_label, text, message) => {
    let error: unknown;
    try {
      importStudyJSON(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StudyFormatError);
    const m = (error as Error).message;
    if (typeof message === 'string') expect(m).toContain(message);
    else expect(m).toMatch(message);
  });

  it('lists several problems at once, each with its path', () => {
    const text = edit((f) => {
      f.study.direction = 'up';
      f.study.trials[0].state = 'done';
      f.study.trials[1].datetimeStart = 42;
    });
    let error: StudyFormatError | undefined;
    try {
      importStudyJSON(text);
    } catch (err) {
      error = err as StudyFormatError;
    }
    expect(error?.issues).toEqual([
      'study.direction: expected one of maximize, minimize, got "up"',
      'study.trials[0].state: expected one of running, complete, pruned, failed, got "done"',
      'study.trials[1].datetimeStart: expected an ISO 8601 date or null, got 42',
    ]);
    expect(error?.message).toMatch(/^cannot import this file: 3 problems: study\.direction/);
  });
});
