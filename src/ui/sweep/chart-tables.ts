// The sweep dashboard's charts as CSV tables, in long form (one row per trial and x), which pandas,
// R and spreadsheets pivot as they like. Trial numbers are Optuna's 0-based `number`, as in
// trials.csv. Pure: unit-tested in Node.
import type { CsvTable } from '../chart-export';
import { bestSoFar, byNumber, hasResult, type StudyView, type TrialView } from '../../store/sweep-view';
import type { EpochMetric } from './epoch-curves-data';

const paramColumns = (study: StudyView) => study.paramSpec.map((p) => `params_${p.name}`);
const paramCells = (study: StudyView, t: TrialView) => study.paramSpec.map((p) => t.params[p.name] ?? null);

/** Optimization history: every trial's value and state, and the best complete value up to it. */
export function historyTable(study: StudyView): CsvTable {
  const best = new Map(bestSoFar(study).map((b) => [b.number, b.best]));
  return {
    columns: ['number', 'state', 'value', 'best_so_far'],
    rows: [...study.trials].sort(byNumber).map((t) => [t.number, t.state, t.value, best.get(t.number) ?? null]),
  };
}

/** Per-epoch curves (or one ROUGE metric of the picked trials): trial, state, epoch, value. */
export function epochTable(trials: readonly TrialView[], metric: EpochMetric): CsvTable {
  return {
    columns: ['number', 'state', 'epoch', metric],
    rows: [...trials].sort(byNumber).flatMap((t) => t.epochs.map((e) => [t.number, t.state, e.epoch, e[metric]])),
  };
}

/** Every per-epoch record of the trials: the objective, eval loss and the four ROUGE scores. */
export function epochRecordsTable(trials: readonly TrialView[]): CsvTable {
  return {
    columns: ['number', 'state', 'epoch', 'objective', 'eval_loss', 'rouge1', 'rouge2', 'rougeL', 'rougeLsum'],
    rows: [...trials]
      .sort(byNumber)
      .flatMap((t) =>
        t.epochs.map((e) => [
          t.number,
          t.state,
          e.epoch,
          e.objective,
          e.evalLoss,
          e.rouge1,
          e.rouge2,
          e.rougeL,
          e.rougeLsum,
        ]),
      ),
  };
}

/** Training loss by step of the trials (the compare view's loss chart), unthinned. */
export function trialLossTable(trials: readonly TrialView[]): CsvTable {
  return {
    columns: ['number', 'step', 'loss'],
    rows: [...trials].sort(byNumber).flatMap((t) => t.losses.map((p) => [t.number, p.step, p.loss])),
  };
}

/** Parallel coordinates and slice plots: each complete trial's parameters and value. */
export function completeTrialsTable(study: StudyView): CsvTable {
  return {
    columns: ['number', 'value', ...paramColumns(study)],
    rows: study.trials
      .filter(hasResult)
      .sort(byNumber)
      .map((t) => [t.number, t.value, ...paramCells(study, t)]),
  };
}

/** Parameter importances, most important first. */
export function importanceTable(importances: Record<string, number> | null): CsvTable {
  return {
    columns: ['param', 'importance'],
    rows: Object.entries(importances ?? {})
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([name, v]) => [name, v]),
  };
}

/** The compare view's charts in one long table: each trial's loss by step, then its ROUGE by epoch. */
export function compareTable(trials: readonly TrialView[]): CsvTable {
  const sorted = [...trials].sort(byNumber);
  const rouge = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;
  return {
    columns: ['number', 'state', 'series', 'step', 'epoch', 'value'],
    rows: [
      ...sorted.flatMap((t) => t.losses.map((p) => [t.number, t.state, 'loss', p.step, null, p.loss])),
      ...sorted.flatMap((t) => rouge.flatMap((m) => t.epochs.map((e) => [t.number, t.state, m, null, e.epoch, e[m]]))),
    ],
  };
}
