import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../train/spec';
import { newRunRecord, recordEvent, type RunRecord } from '../../store/run-record';
import { step } from '../../store/run-event-fixtures';
import type { SessionEvent } from '../../core/session-events';
import type { TrialView } from '../../store/sweep-view';
import { differingSettings, epochRows, lastLoss, lossRows, runItem, trialItem } from './run-compare-data';

const at = new Date('2026-12-05T08:00:00Z');
function run(id: string, lr: number, events: SessionEvent[]): RunRecord {
  const fresh = newRunRecord(id, { ...defaultSpec('tiny'), learningRate: lr }, 'x', at);
  return events.reduce((r, e) => recordEvent(r, e, at), fresh);
}
const evaluation = (epoch: number, rougeL: number, prediction: string): SessionEvent => ({
  type: 'evaluation',
  epoch,
  step: epoch * 2,
  rouge: { rouge1: 1, rouge2: 2, rougeL, rougeLsum: 4 },
  genLen: 5,
  evalLoss: 2,
  examples: 3,
  samples: [{ document: 'doc', reference: 'ref', prediction }],
});

describe('run comparison rows', () => {
  const a = runItem(
    run('a', 0.01, [
      step(1, 3),
      step(2, 2.5),
      { type: 'epoch', epoch: 1, trainLoss: 2.8, evalLoss: 2.7 },
      evaluation(1, 10, 'a1'),
      evaluation(2, 12, 'a2'),
    ]),
  );
  const bRecord = run('b', 0.02, [step(1, 3.2), step(3, Number.NaN), evaluation(1, 11, 'b1')]);
  const b = runItem(bRecord);

  it('overlays the losses by step, one key per item in picked order; non-finite losses are gaps', () => {
    expect(lossRows([a, b])).toEqual([
      { step: 1, t0: 3, t1: 3.2 },
      { step: 2, t0: 2.5 },
    ]);
    expect(lastLoss(bRecord)).toBe(3.2);
  });

  it('per-epoch eval loss and ROUGE-L rows (eval loss from epochs, ROUGE from evaluations), newest samples', () => {
    expect(epochRows([a, b], 'rougeL')).toEqual([
      { epoch: 1, t0: 10, t1: 11 },
      { epoch: 2, t0: 12 },
    ]);
    expect(epochRows([a, b], 'evalLoss')).toEqual([{ epoch: 1, t0: 2.7 }]);
    expect(a.samples.map((s) => s.prediction)).toEqual(['a2']);
  });

  it('lists only the settings that differ; a trial compares with a run alike', () => {
    expect(differingSettings([a, b])).toEqual(['learningRate']);
    expect(differingSettings([a, a])).toEqual([]);
    const trial: TrialView = {
      number: 0,
      state: 'pruned',
      value: 2.5,
      params: { learningRate: 0.03 },
      epochs: [{ epoch: 1, objective: 2.5, evalLoss: 2.5, rouge1: 1, rouge2: 2, rougeL: 9, rougeLsum: 4 }],
      losses: [{ step: 1, loss: 3.1 }],
      samples: [],
      durationMs: 10,
    };
    const t = trialItem({ id: 's1', name: 'lr study' }, trial);
    expect([t.id, t.name, t.dashed]).toEqual(['trial:s1:0', 'lr study trial #0', true]);
    expect(lossRows([a, t])[0]).toEqual({ step: 1, t0: 3, t1: 3.1 });
    // Beside a run, a trial's parameters are what is compared (the run's other settings are not the trial's).
    expect(differingSettings([a, t])).toEqual(['learningRate']);
    expect(differingSettings([t, a])).toEqual(['learningRate']);
  });
});
