// Trials for the sweep dashboard's tests (the view model in store/ and each chart's data in
// ui/sweep/): one small study with every trial state, built the way the tests need.
import type { ParamSpecView, StudyView, TrialView } from '../store/sweep-view';

export const trial = (
  number: number,
  state: TrialView['state'],
  value: number | null,
  params: TrialView['params'] = {},
  extra: Partial<TrialView> = {},
): TrialView => ({
  number,
  state,
  value,
  params,
  epochs: [],
  losses: [],
  samples: [],
  durationMs: null,
  ...extra,
});

export const SPEC: ParamSpecView[] = [
  { name: 'learning_rate', type: 'float', low: 1e-6, high: 1e-4, log: true },
  { name: 'per_device_train_batch_size', type: 'categorical', choices: [4, 8, 16, 32] },
];

export const study = (trials: TrialView[], direction: StudyView['direction'] = 'maximize'): StudyView => ({
  id: 's1',
  name: 'study',
  direction,
  objective: 'sum',
  status: 'running',
  trials,
  importances: null,
  paramSpec: SPEC,
});

export const TRIALS: TrialView[] = [
  trial(0, 'complete', 40, { learning_rate: 1e-5, per_device_train_batch_size: 8 }, { durationMs: 5000 }),
  trial(1, 'pruned', 12, { learning_rate: 1e-6, per_device_train_batch_size: 4 }, { durationMs: 2000 }),
  trial(2, 'complete', 55, { learning_rate: 1e-4, per_device_train_batch_size: 32 }, { durationMs: 9000 }),
  trial(3, 'failed', null, { learning_rate: 3e-5, per_device_train_batch_size: 16 }, { failReason: 'out of memory' }),
  trial(4, 'complete', 55, { learning_rate: 2e-5, per_device_train_batch_size: 16 }, { durationMs: 7000 }),
  trial(5, 'running', null, { learning_rate: 5e-5, per_device_train_batch_size: 8 }),
  trial(6, 'complete', 30, { learning_rate: 2e-6, per_device_train_batch_size: 4 }, { durationMs: 3000 }),
];

/** Per-epoch records whose ROUGE scores are fixed fractions of the objective. */
export const epochs = (objs: number[]) =>
  objs.map((o, i) => ({
    epoch: i + 1,
    rouge1: o / 2,
    rouge2: o / 8,
    rougeL: o / 4,
    rougeLsum: o / 4,
    objective: o,
    evalLoss: null,
  }));
