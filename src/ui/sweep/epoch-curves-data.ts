// The per-epoch curves' rows: one metric per epoch, one line per trial.
// Pure TS (no React): unit-tested in Node.
import type { TrialView } from '../../store/sweep-view';
import { mergeSeries } from './trial-series';

export type EpochMetric = 'objective' | 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum' | 'evalLoss';

export const epochRows = (trials: readonly TrialView[], metric: EpochMetric) =>
  mergeSeries(
    trials.map((t) => ({ number: t.number, points: t.epochs.map((e) => ({ x: e.epoch, y: e[metric] })) })),
    'epoch',
  );
