// ±inf objective values through every way a study travels: the engine's best trial, the JSON file
// (JSON has no Infinity: the strings "Infinity" / "-Infinity", read back as numbers), the CSV
// (pandas' inf / -inf), the studies list's summary and the dashboard's view. One meaning throughout
// (Optuna's): a value a complete trial may have, +inf the best when maximizing; NaN fails a trial.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { bestTrial as viewBest } from '../../store/sweep-view';
import { studyView } from '../../store/study-view';
import { defaultSpec } from '../../train/spec';
import { NopPruner } from '../engine/pruners/nop';
import { RandomSampler } from '../engine/samplers/random';
import { Study, type StudyDirection } from '../engine/study';
import type { JsonValue } from '../engine/trial';
import { DEFAULT_SWEEP, objectiveDirection, type SweepConfig } from '../studio/default-study';
import { openStudyStore } from './storage';
import type { StudyMeta } from './study-record';
import { exportStudyJSON, exportTrialsCSV, importStudyJSON } from './transfer';

/** Trials valued 1, +inf, −inf, 2 and one that returned NaN (failed), with intermediate ±inf and NaN. */
function infiniteStudy(direction: StudyDirection) {
  const sweep: SweepConfig = {
    ...DEFAULT_SWEEP,
    objective: direction === 'maximize' ? 'sum' : 'eval_loss',
    direction: objectiveDirection(direction === 'maximize' ? 'sum' : 'eval_loss'),
    sampler: 'random',
    pruner: 'nop',
  };
  const study = new Study({ direction, sampler: new RandomSampler(1), pruner: new NopPruner() });
  for (const v of [1, Infinity, -Infinity, 2, NaN]) {
    const t = study.ask();
    t.suggestFloat('learning_rate', 1e-6, 1e-4, { log: true });
    t.suggestCategorical('per_device_train_batch_size', [4, 8, 16, 32]);
    t.report(v, 0);
    t.report(NaN, 1);
    study.tell(t, v);
  }
  const data = study.toJSON();
  const meta: StudyMeta = {
    id: `study-inf-${direction}`,
    name: `inf ${direction}`,
    createdAt: '2026-12-05T09:00:00.000Z',
    updatedAt: '2026-12-05T09:00:00.000Z',
    status: 'complete',
    config: { sweep, base: defaultSpec('tiny') } as unknown as JsonValue,
    studyName: data.studyName,
    direction: data.direction,
    userAttrs: data.userAttrs,
    sampler: data.sampler,
    pruner: data.pruner,
  };
  return { study, meta, data, sweep };
}

describe('±inf objective values travel exactly', () => {
  it('the engine keeps them as values (NaN fails the trial) and ranks +inf best when maximizing', () => {
    const { study } = infiniteStudy('maximize');
    expect(study.trials.map((t) => [t.state, t.value])).toEqual([
      ['complete', 1],
      ['complete', Infinity],
      ['complete', -Infinity],
      ['complete', 2],
      ['failed', null],
    ]);
    expect(study.bestTrial?.number).toBe(1);
    expect(infiniteStudy('minimize').study.bestTrial?.number).toBe(2);
  });

  it('JSON: written as "Infinity" / "-Infinity" strings, read back as the numbers', () => {
    const { study, meta, data } = infiniteStudy('maximize');
    const text = exportStudyJSON(meta, data);
    const file = JSON.parse(text);
    expect(file.study.trials.map((t: { value: unknown }) => t.value)).toEqual([1, 'Infinity', '-Infinity', 2, null]);
    expect(file.study.trials[1].intermediateValues).toEqual([
      [0, 'Infinity'],
      [1, 'NaN'],
    ]);
    const back = Study.fromJSON(importStudyJSON(text).data);
    expect(back.trials.map((t) => t.value)).toEqual([1, Infinity, -Infinity, 2, null]);
    expect([...back.trials[2].intermediateValues.values()]).toEqual([-Infinity, NaN]);
    expect(back.toJSON().trials).toEqual(study.toJSON().trials);
    expect(back.bestTrial?.number).toBe(1);
  });

  it("CSV: pandas' inf / -inf in the value column", () => {
    const { data } = infiniteStudy('maximize');
    const values = exportTrialsCSV(data)
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => row.split(',')[2]);
    expect(values).toEqual(['1', 'inf', '-inf', '2', '']);
  });

  it('the studies list and the dashboard agree on the best, for both directions', async () => {
    const store = await openStudyStore(`inf-values-${Date.now()}`);
    try {
      for (const [direction, best, value] of [
        ['maximize', 1, Infinity],
        ['minimize', 2, -Infinity],
      ] as const) {
        const { meta, data, sweep } = infiniteStudy(direction);
        const id = await store.importStudy(importStudyJSON(exportStudyJSON(meta, data)));
        const summary = (await store.listStudies()).find((s) => s.id === id)!;
        expect(summary).toMatchObject({ bestValue: value, bestTrialNumber: best });
        const loaded = await store.loadStudy(id);
        const view = studyView(id, meta.name, 'complete', Study.fromJSON(loaded.data), sweep);
        expect(viewBest(view)).toMatchObject({ number: best, value });
      }
    } finally {
      store.close();
    }
  });
});
