import { describe, expect, it } from 'vitest';
import { study, TRIALS } from '../../testing/sweep-trials';
import { parallelCoordinates } from './parallel-coordinates-data';

describe('parallelCoordinates', () => {
  it('draws one line per complete trial, best shaded 1 and drawn last', () => {
    const pc = parallelCoordinates(study(TRIALS));
    expect(pc.axes[1].ticks).toEqual([
      { at: 0, label: '4' },
      { at: 1 / 3, label: '8' },
      { at: 2 / 3, label: '16' },
      { at: 1, label: '32' },
    ]);
    expect(pc.axes[0].ticks.map((t) => t.at)).toEqual([0, 0.5, 1]);
    expect(pc.axes.map((a) => a.name)).toEqual(['learning_rate', 'per_device_train_batch_size', 'objective']);
    expect(pc.lines.map((l) => l.number).sort()).toEqual([0, 2, 4, 6]);
    const last = pc.lines.at(-1)!;
    expect(last.number).toBe(2);
    expect(last.shade).toBe(1);
    expect(last.points).toEqual([1, 1, 1]);
    const worst = pc.lines[0];
    expect(worst.number).toBe(6);
    expect(worst.shade).toBe(0);
    expect(worst.points[2]).toBe(0);
    const minimize = parallelCoordinates(study(TRIALS, 'minimize'));
    expect(minimize.lines.at(-1)!.number).toBe(6);
  });
});
