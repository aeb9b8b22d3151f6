// The baselines a run reports (train/baselines.ts): LEAD as a 'baseline' event, and the model
// before training as the epoch-0 'evaluation'. The reducer keeps them; the protocol admits them.
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../core/session-events';
import { checkFromWorker } from '../runtime/train/protocol';
import { installHeadless, type HeadlessWiring, type StudioApi } from '../app/headless';
import {
  applyEvent,
  beginRun,
  epochZero,
  latestEvaluation,
  leadBaseline,
  leadReferenceLines,
  lossSeries,
  runBaselines,
} from './run-events';
import { replay, step } from './run-event-fixtures';

const evaluation = (epoch: number, rouge1: number): SessionEvent => ({
  type: 'evaluation',
  epoch,
  step: epoch * 2,
  rouge: { rouge1, rouge2: rouge1 / 4, rougeL: rouge1 * 0.8, rougeLsum: rouge1 * 0.85 },
  genLen: 12.5,
  evalLoss: 6 - epoch,
  examples: 32,
  samples: [{ document: `article ${epoch}`, reference: 'r', prediction: `prediction ${epoch}` }],
});

const lead = (rouge1: number): SessionEvent => ({
  type: 'baseline',
  name: 'lead',
  rouge: { rouge1, rouge2: 1.5, rougeL: 11.25, rougeLsum: 11.5 },
  examples: 32,
});

describe('applyEvent: baselines', () => {
  it('keeps the epoch-0 evaluation first on the x axis, before any step, and its samples last', () => {
    const s = replay(beginRun(), [
      lead(16.5),
      evaluation(0, 1.25),
      step(1, 6),
      step(2, 5),
      evaluation(1, 10),
      step(3, 4, { epoch: 2 }),
      evaluation(2, 20),
    ]);
    expect(s.evaluations.map((p) => [p.epoch, p.step, p.rouge1, p.evalLoss])).toEqual([
      [0, 0, 1.25, 6],
      [1, 2, 10, 5],
      [2, 4, 20, 4],
    ]);
    expect(epochZero(s.evaluations)?.rouge1).toBe(1.25);
    expect(latestEvaluation(s.evaluations)?.epoch).toBe(2);
    expect(s.samples.map((x) => x.epoch)).toEqual([2, 1, 0]);
    expect(s.steps.map((p) => p.step)).toEqual([1, 2, 3]); // epoch 0 is no step
  });

  it('keeps one LEAD per run, flattened, replaced when reported again, and clears it for a new run', () => {
    let s = applyEvent(beginRun(), lead(16.5));
    expect(s.baselines).toEqual([
      { name: 'lead', rouge1: 16.5, rouge2: 1.5, rougeL: 11.25, rougeLsum: 11.5, examples: 32 },
    ]);
    s = applyEvent(s, lead(17));
    expect(s.baselines).toHaveLength(1);
    expect(leadBaseline(s.baselines)?.rouge1).toBe(17);
    expect(s.status).toBe('running');
    s = beginRun();
    expect(s.baselines).toEqual([]);
    expect(leadBaseline(s.baselines)).toBeNull();
    expect(epochZero(s.evaluations)).toBeNull();
  });

  it("puts epoch 0's eval loss at step 0 of the loss series, before the first step's train loss", () => {
    const s = replay(beginRun(), [
      evaluation(0, 1.25),
      step(1, 6),
      step(2, 5),
      { type: 'epoch', epoch: 1, trainLoss: 5.5, evalLoss: 5 },
    ]);
    const before = epochZero(s.evaluations)?.evalLoss ?? null;
    expect(lossSeries(s.steps, s.epochs, undefined, before)).toEqual([
      { step: 0, loss: null, evalLoss: 6 },
      { step: 1, loss: 6 },
      { step: 2, loss: 5, evalLoss: 5 },
    ]);
    expect(lossSeries(s.steps, s.epochs)[0]).toEqual({ step: 1, loss: 6 }); // without it, as before
  });

  it('a run without epoch 0 (a resume) has no epoch-0 point', () => {
    const s = replay(beginRun(), [evaluation(3, 30)]);
    expect(epochZero(s.evaluations)).toBeNull();
  });
});

describe('runBaselines and __studio.baselines()', () => {
  it('reads LEAD, epoch 0 and the newest evaluation for a headless driver', () => {
    const s = replay(beginRun(), [lead(16.5), evaluation(0, 1.25), evaluation(1, 10)]);
    const page = () => ({
      data: { status: 'ready', label: 'xsum' },
      sweep: { status: 'idle' as const, message: null, objective: 'sum', view: null },
      baselines: runBaselines(s),
    });
    installHeadless({ page } as unknown as HeadlessWiring);
    const api = (globalThis as unknown as { __studio: StudioApi }).__studio;
    const b = api.baselines();
    expect(b.lead).toMatchObject({ rouge1: 16.5, rougeL: 11.25, examples: 32 });
    expect(b.epoch0).toMatchObject({ epoch: 0, rouge1: 1.25, evalLoss: 6, genLen: 12.5 });
    expect(b.latest).toMatchObject({ epoch: 1, rouge1: 10, evalLoss: 5 });
    expect(runBaselines(beginRun())).toEqual({ lead: null, epoch0: null, latest: null });
  });
});

describe('leadReferenceLines', () => {
  const shown = [
    { key: 'rouge1', label: 'R-1' },
    { key: 'rouge2', label: 'R-2' },
    { key: 'rougeL', label: 'R-L' },
    { key: 'rougeLsum', label: 'R-Lsum' },
  ] as const;

  it('draws one line per distinct LEAD value, labelled with every metric on it', () => {
    const s = applyEvent(beginRun(), {
      type: 'baseline',
      name: 'lead',
      rouge: { rouge1: 16.9805, rouge2: 1.6272, rougeL: 11.9316, rougeLsum: 11.9316 },
      examples: 100,
    });
    expect(leadReferenceLines(leadBaseline(s.baselines), shown)).toEqual([
      { y: 16.9805, keys: ['rouge1'], label: 'LEAD R-1 16.98' },
      { y: 1.6272, keys: ['rouge2'], label: 'LEAD R-2 1.63' },
      { y: 11.9316, keys: ['rougeL', 'rougeLsum'], label: 'LEAD R-L/R-Lsum 11.93' },
    ]);
    expect(leadReferenceLines(leadBaseline(s.baselines), shown.slice(0, 1))).toHaveLength(1);
    expect(leadReferenceLines(null, shown)).toEqual([]);
  });
});

describe('checkFromWorker: baseline', () => {
  it('admits a LEAD report and names what is wrong with a bad one', () => {
    expect(checkFromWorker({ ...lead(16.5), rank: 0 })).toMatchObject({ type: 'baseline', name: 'lead' });
    expect(checkFromWorker({ ...lead(16.5), name: 'oracle' })).toBe(
      'message "baseline": field "name" is missing or has the wrong type',
    );
    expect(checkFromWorker({ ...lead(16.5), rouge: { rouge1: 1 } })).toBe(
      'message "baseline": field "rouge" is missing or has the wrong type',
    );
    expect(
      checkFromWorker({ type: 'baseline', name: 'lead', rouge: { rouge1: 1, rouge2: 1, rougeL: 1, rougeLsum: 1 } }),
    ).toBe('message "baseline": field "examples" is missing or has the wrong type');
  });
});
