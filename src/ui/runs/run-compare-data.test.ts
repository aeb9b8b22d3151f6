import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../train/spec';
import { newRunRecord, recordEvent, type RunRecord } from '../../store/run-record';
import { step } from '../../store/run-event-fixtures';
import type { SessionEvent } from '../../core/session-events';
import { differingSettings, epochRows, lastLoss, lossRows, newestSamples } from './run-compare-data';

const at = new Date('2026-12-05T08:00:00Z');
function run(id: string, lr: number, events: SessionEvent[]): RunRecord {
  return events.reduce(
    (r, e) => recordEvent(r, e, at),
    newRunRecord(id, { ...defaultSpec('tiny'), learningRate: lr }, 'x', at),
  );
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
  const a = run('a', 0.01, [step(1, 3), step(2, 2.5), evaluation(1, 10, 'a1'), evaluation(2, 12, 'a2')]);
  const b = run('b', 0.02, [step(1, 3.2), step(3, Number.NaN), evaluation(1, 11, 'b1')]);

  it('overlays the losses by step, one key per run in picked order; non-finite losses are gaps', () => {
    expect(lossRows([a, b])).toEqual([
      { step: 1, t0: 3, t1: 3.2 },
      { step: 2, t0: 2.5 },
    ]);
    expect(lastLoss(b)).toBe(3.2);
  });

  it('per-epoch ROUGE-L rows, and each run’s newest samples', () => {
    expect(epochRows([a, b], 'rougeL')).toEqual([
      { epoch: 1, t0: 10, t1: 11 },
      { epoch: 2, t0: 12 },
    ]);
    expect(newestSamples(a).map((s) => s.prediction)).toEqual(['a2']);
  });

  it('lists only the settings that differ', () => {
    expect(differingSettings([a, b])).toEqual(['learningRate']);
    expect(differingSettings([a, a])).toEqual([]);
  });
});
