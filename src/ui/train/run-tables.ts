// The Train tab's data as CSV tables: every optimizer step of the run, and what the loss and ROUGE
// charts plot. Full precision (the chart thins a long run; its CSV does not). Pure: unit-tested.
import type { CsvTable } from '../chart-export';
import type { BaselinePoint, EpochPoint, EvaluationPoint, StepPoint } from '../../store/run-events';
import { emaSmooth } from './loss-smoothing';

/** Per-step metrics of a run, one row per optimizer step, as a run tracker exports them. */
export function stepMetricsTable(steps: readonly StepPoint[]): CsvTable {
  return {
    columns: ['step', 'epoch', 'loss', 'lr', 'grad_norm', 'tokens_per_sec', 'elapsed_s', 'skipped'],
    rows: steps.map((p) => [p.step, p.epoch, p.loss, p.lr, p.gradNorm, p.tokensPerSec, p.elapsedMs / 1000, p.skipped]),
  };
}

/**
 * The loss chart's data: the training loss of every step and its smoothed value (the weight the
 * chart shows), each epoch's eval loss on that epoch's last step, and the untrained model's eval
 * loss (`before`) on a step-0 row.
 */
export function lossChartTable(
  steps: readonly StepPoint[],
  epochs: readonly EpochPoint[],
  before: number | null,
  smoothing: number,
): CsvTable {
  const smoothed = emaSmooth(
    steps.map((p) => p.loss),
    smoothing,
  );
  const evalAt = new Map<number, number | null>();
  for (const ep of epochs) {
    if (ep.evalLoss === null) continue;
    const last = steps.filter((p) => p.epoch === ep.epoch).at(-1);
    if (last) evalAt.set(last.step, ep.evalLoss);
  }
  const rows: (number | null)[][] = [];
  if (before !== null) rows.push([0, 0, null, null, before]);
  steps.forEach((p, i) => rows.push([p.step, p.epoch, p.loss, smoothed[i], evalAt.get(p.step) ?? null]));
  return { columns: ['step', 'epoch', 'loss', `loss_smoothed_${smoothing}`, 'eval_loss'], rows };
}

/** The ROUGE chart's data: one row per evaluation (epoch 0 = before training), then each baseline (LEAD). */
export function rougeChartTable(points: readonly EvaluationPoint[], baselines: readonly BaselinePoint[]): CsvTable {
  return {
    columns: ['series', 'epoch', 'step', 'rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'gen_len', 'eval_loss', 'examples'],
    rows: [
      ...points.map((p) => [
        'model',
        p.epoch,
        p.step,
        p.rouge1,
        p.rouge2,
        p.rougeL,
        p.rougeLsum,
        p.genLen,
        p.evalLoss,
        p.examples,
      ]),
      ...baselines.map((b) => [b.name, null, null, b.rouge1, b.rouge2, b.rougeL, b.rougeLsum, null, null, b.examples]),
    ],
  };
}
