import { describe, expect, it } from 'vitest';
import { parseDelimited } from '../../data/readers';
import { toCsv } from '../chart-export';
import type { EvaluationPoint, StepPoint } from '../../store/run-events';
import { emaSmooth } from './loss-smoothing';
import { lossChartTable, rougeChartTable, stepMetricsTable } from './run-tables';

const step = (n: number, epoch: number, loss: number, extra: Partial<StepPoint> = {}): StepPoint => ({
  step: n,
  epoch,
  loss,
  lr: 1e-4 * (1 - n / 10),
  gradNorm: 1 / n,
  tokensPerSec: 900 + n,
  elapsedMs: 1500 * n,
  skipped: false,
  ...extra,
});
const STEPS = [step(1, 1, 4.5), step(2, 1, 4.25), step(3, 2, NaN, { skipped: true }), step(4, 2, 3.75)];

describe('run tables', () => {
  it('per-step metrics: one row per step, the columns a run tracker exports, values exact after a CSV round trip', () => {
    const t = stepMetricsTable(STEPS);
    expect(t.columns).toEqual(['step', 'epoch', 'loss', 'lr', 'grad_norm', 'tokens_per_sec', 'elapsed_s', 'skipped']);
    const back = parseDelimited(toCsv(t), ',').map((r) => r.fields);
    expect(back).toHaveLength(5);
    expect(back[1]).toEqual(['1', '1', '4.5', String(0.9e-4), '1', '901', '1.5', 'false']);
    expect(back[3][2]).toBe('nan'); // the skipped step's loss, as pandas reads it
    expect(Number(back[2][4])).toBe(1 / 2);
  });

  it('loss chart: each step raw and smoothed, eval loss on its epoch’s last step, the untrained model at step 0', () => {
    const t = lossChartTable(
      STEPS,
      [
        { epoch: 1, trainLoss: 4.4, evalLoss: 4.1 },
        { epoch: 2, trainLoss: 3.9, evalLoss: null },
      ],
      5.2,
      0.5,
    );
    expect(t.columns).toEqual(['step', 'epoch', 'loss', 'loss_smoothed_0.5', 'eval_loss']);
    const smooth = emaSmooth([4.5, 4.25, NaN, 3.75], 0.5);
    expect(t.rows).toEqual([
      [0, 0, null, null, 5.2],
      [1, 1, 4.5, smooth[0], null],
      [2, 1, 4.25, smooth[1], 4.1],
      [3, 2, NaN, NaN, null],
      [4, 2, 3.75, smooth[3], null],
    ]);
  });

  it('ROUGE chart: the model per evaluation, then the LEAD baseline', () => {
    const ev: EvaluationPoint = {
      epoch: 0,
      step: 0,
      rouge1: 10,
      rouge2: 1,
      rougeL: 8,
      rougeLsum: 8.5,
      genLen: 20,
      evalLoss: 5,
      examples: 4,
    };
    const t = rougeChartTable([ev], [{ name: 'lead', rouge1: 17, rouge2: 2, rougeL: 12, rougeLsum: 12, examples: 4 }]);
    expect(t.rows).toEqual([
      ['model', 0, 0, 10, 1, 8, 8.5, 20, 5, 4],
      ['lead', null, null, 17, 2, 12, 12, null, null, 4],
    ]);
    expect(t.rows.every((r) => r.length === t.columns.length)).toBe(true);
  });
});
