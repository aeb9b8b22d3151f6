import { describe, expect, it } from 'vitest';
import { CategoricalDistribution, FloatDistribution, type ParamValue } from './distributions';
import { trialsToCsv } from './csv';
import { TrialPruned } from './errors';
import { MedianPruner } from './pruners/median';
import { NopPruner } from './pruners/nop';
import { SuccessiveHalvingPruner } from './pruners/successive-halving';
import type { Sampler } from './samplers/base';
import { GridSampler } from './samplers/grid';
import { RandomSampler } from './samplers/random';
import { TPESampler } from './samplers/tpe';
import { Study } from './study';
import type { Trial } from './trial';

function clock(startIso = '2024-05-01T12:00:00.000Z', stepMs = 1500): () => Date {
  let t = Date.parse(startIso) - stepMs;
  return () => new Date((t += stepMs));
}

describe('Study ask/tell', () => {
  it('records states and values; best trial respects direction and keeps the earliest on ties', () => {
    const s = new Study({ direction: 'maximize', sampler: new RandomSampler(1), pruner: new NopPruner() });
    expect(s.bestTrial).toBeUndefined();
    expect(s.bestValue).toBeUndefined();
    const a = s.ask();
    a.suggestFloat('x', 0, 1);
    s.tell(a, 0.5);
    const b = s.ask();
    s.tell(b, 0.9);
    const c = s.ask();
    s.tell(c.number, 0.9);
    const d = s.ask();
    s.tell(d, NaN);
    expect(d.state).toBe('failed');
    expect(d.value).toBeNull();
    expect(d.failReason).toBe('The value NaN is not acceptable.');
    expect(s.bestTrial).toBe(b);
    expect(s.bestValue).toBe(0.9);
    expect(s.bestParams).toEqual({});
    expect(() => s.tell(a, 1)).toThrow('cannot tell trial 0: it is already complete');
    expect(() => a.suggestFloat('y', 0, 1)).toThrow('trial 0 has already finished (complete) and cannot be updated');

    const m = new Study({ direction: 'minimize', sampler: new RandomSampler(1), pruner: new NopPruner() });
    for (const v of [3, -1, 2]) m.tell(m.ask(), v);
    expect(m.bestValue).toBe(-1);
    expect(m.bestTrial?.number).toBe(1);
  });

  it('tell(pruned) stores the last intermediate value unless it is NaN; tell(failed) keeps the reason', () => {
    const s = new Study({ sampler: new RandomSampler(1), pruner: new NopPruner() });
    const p = s.ask();
    p.report(0.7, 0);
    p.report(0.6, 3);
    p.report(0.9, 3); // a repeated step is ignored, as in Optuna
    s.tell(p, 'pruned');
    expect(p.state).toBe('pruned');
    expect(p.value).toBe(0.6);
    const q = s.ask();
    q.report(NaN, 1);
    s.tell(q, 'pruned');
    expect(q.value).toBeNull();
    const f = s.ask();
    s.tell(f, 'failed', 'CUDA out of memory');
    expect([f.state, f.failReason]).toEqual(['failed', 'CUDA out of memory']);
    expect(() => s.ask().report(1, -1)).toThrow('step must be a non-negative integer, got -1');
  });
});

describe('Study.optimize', () => {
  it('records pruned and failed trials with their states, values and messages', async () => {
    const s = new Study({ direction: 'minimize', sampler: new RandomSampler(3), pruner: new NopPruner() });
    await s.optimize(
      async (t) => {
        const x = t.suggestFloat('x', 0, 1);
        if (t.number === 1) {
          t.report(0.7, 0);
          t.report(0.6, 3);
          throw new TrialPruned();
        }
        if (t.number === 2) throw new Error('out of memory at batch 32');
        if (t.number === 3) {
          t.report(NaN, 0);
          throw new TrialPruned();
        }
        if (t.number === 4) return 'oops' as unknown as number;
        return x;
      },
      { nTrials: 6, catch: true },
    );
    expect(s.trials.map((t) => t.state)).toEqual(['complete', 'pruned', 'failed', 'pruned', 'failed', 'complete']);
    expect(s.trials[1].value).toBe(0.6);
    expect(s.trials[3].value).toBeNull();
    expect(s.trials[2].failReason).toBe('out of memory at batch 32');
    expect(s.trials[4].failReason).toBe('The value oops could not be cast to float.');
    expect(s.trials.every((t) => t.datetimeComplete !== null)).toBe(true);
    expect(s.bestTrial?.number).toBe(s.trials[0].value! < s.trials[5].value! ? 0 : 5);
  });

  it('re-throws an objective error after recording the trial as failed (Optuna default catch=())', async () => {
    const s = new Study({ sampler: new RandomSampler(3), pruner: new NopPruner() });
    await expect(
      s.optimize(
        () => {
          throw new Error('boom');
        },
        { nTrials: 3 },
      ),
    ).rejects.toThrow('boom');
    expect(s.trials.map((t) => [t.state, t.failReason])).toEqual([['failed', 'boom']]);
  });

  it('runs up to nConcurrent trials at once; stop() from a callback ends the loop', async () => {
    const s = new Study({ sampler: new RandomSampler(3), pruner: new NopPruner() });
    let inFlight = 0;
    let maxInFlight = 0;
    await s.optimize(
      async (t) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        t.suggestFloat('x', 0, 1);
        await new Promise((r) => setTimeout(r, 2 + (t.number % 3)));
        inFlight--;
        return t.number;
      },
      { nTrials: 10, nConcurrent: 3 },
    );
    expect(maxInFlight).toBe(3);
    expect(s.trials.length).toBe(10);
    expect(s.trials.every((t) => t.state === 'complete')).toBe(true);

    const stopped = new Study({ sampler: new RandomSampler(3), pruner: new NopPruner() });
    await stopped.optimize((t) => t.number, { nTrials: 50, callbacks: [(st, t) => t.number === 3 && st.stop()] });
    expect(stopped.trials.length).toBe(4);
  });

  it('TPE with constant liar runs concurrent trials reproducibly', async () => {
    const run = async () => {
      const s = new Study({
        sampler: new TPESampler({ seed: 9, nStartupTrials: 4, constantLiar: true }),
        pruner: new NopPruner(),
      });
      await s.optimize(
        async (t) => {
          const x = t.suggestFloat('x', -1, 1);
          await new Promise((r) => setTimeout(r, 1));
          return x * x;
        },
        { nTrials: 16, nConcurrent: 4 },
      );
      return s.trials.map((t) => t.params.x);
    };
    expect(await run()).toEqual(await run());
  });
});

describe('StudyData JSON', () => {
  async function sampleStudy(sampler: Sampler = new TPESampler({ seed: 5, nStartupTrials: 3 })): Promise<Study> {
    const s = new Study({
      direction: 'maximize',
      sampler,
      pruner: new MedianPruner({ nStartupTrials: 2 }),
      studyName: 'xsum-sweep',
      now: clock(),
    });
    s.setUserAttr('objective', 'sum');
    await s.optimize(
      (t) => {
        const lr = t.suggestFloat('learning_rate', 1e-6, 1e-4, { log: true });
        const bs = t.suggestCategorical('per_device_train_batch_size', [4, 8, 16, 32]);
        const layers = t.suggestInt('layers', 1, 4);
        t.setUserAttr('note', { lr, tags: ['a', null] });
        t.report(t.number === 2 ? NaN : -Math.log10(lr), 0);
        if (t.number === 4) throw new TrialPruned();
        if (t.number === 5) throw new Error('diverged');
        return t.number === 6 ? Infinity : -Math.abs(Math.log10(lr) + 5) + bs / 100 + layers;
      },
      { nTrials: 9, catch: true },
    );
    const running = s.ask();
    running.suggestFloat('learning_rate', 1e-6, 1e-4, { log: true });
    running.report(-Infinity, 0);
    return s;
  }

  it('round-trips exactly, non-finite numbers and running trials included', async () => {
    const s = await sampleStudy();
    const data = s.toJSON();
    const text = JSON.stringify(data);
    const back = Study.fromJSON(JSON.parse(text));
    expect(JSON.stringify(back.toJSON())).toBe(text);
    expect(back.toJSON()).toEqual(data);
    expect(back.trials.map((t) => t.state)).toEqual(s.trials.map((t) => t.state));
    expect(back.trials[6].value).toBe(Infinity);
    expect(back.trials[2].intermediateValues.get(0)).toBeNaN();
    expect(back.trials[9].intermediateValues.get(0)).toBe(-Infinity);
    expect(back.trials[5].failReason).toBe('diverged');
    expect(back.bestTrial?.number).toBe(6);
    expect(data.trials[2].intermediateValues).toEqual([[0, 'NaN']]);
  });

  it('a restored study continues the same sampler stream as the original', async () => {
    for (const sampler of [
      new TPESampler({ seed: 5, nStartupTrials: 3 }),
      new RandomSampler(8),
      new GridSampler({ learning_rate: [1e-5, 1e-4], per_device_train_batch_size: [4, 32], layers: [1, 2, 3, 4] }, 3),
    ]) {
      const s = await sampleStudy(sampler);
      const back = Study.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
      const next = (st: Study) => {
        st.tell(9, 0);
        const t = st.ask();
        return [
          t.suggestFloat('learning_rate', 1e-6, 1e-4, { log: true }),
          t.suggestCategorical('per_device_train_batch_size', [4, 8, 16, 32]),
          t.suggestInt('layers', 1, 4),
        ];
      };
      expect(next(back)).toEqual(next(s));
    }
  });

  it('keeps the successive-halving rung bookkeeping and its estimated min_resource', () => {
    const s = new Study({ sampler: new RandomSampler(1), pruner: new SuccessiveHalvingPruner() });
    s.addTrial({
      value: 1,
      intermediateValues: [
        [0, 3],
        [250, 1],
      ],
    });
    const t = s.ask();
    t.report(2, 5);
    t.shouldPrune();
    const back = Study.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.toJSON().pruner).toEqual({
      kind: 'successive-halving',
      minResource: 'auto',
      estimatedMinResource: 2,
      reductionFactor: 4,
      minEarlyStoppingRate: 0,
      bootstrapCount: 0,
    });
    expect(back.trials[1].systemAttrs).toEqual({ completed_rung_0: 2 });
  });
});

describe('trialsToCsv', () => {
  it('writes number, state, value, sorted params_*, datetimes and duration in seconds', () => {
    const s = new Study({
      direction: 'maximize',
      sampler: new RandomSampler(0),
      pruner: new NopPruner(),
      now: clock(),
    });
    const lr = new FloatDistribution(1e-7, 1e-3, true);
    const batch = new CategoricalDistribution<ParamValue>([8, 'a,b', 'say "hi"']);
    s.addTrial({
      value: 0.5,
      params: { lr: 1e-4, batch: 8 },
      distributions: { lr, batch },
      datetimeStart: '2024-05-01T12:00:00.000Z',
      datetimeComplete: '2024-05-01T12:00:02.500Z',
    });
    s.addTrial({
      state: 'pruned',
      value: 0.25,
      params: { lr: 1e-5, batch: 'a,b' },
      distributions: { lr, batch },
      datetimeStart: '2024-05-01T12:00:03.000Z',
      datetimeComplete: '2024-05-01T12:01:03.000Z',
    });
    s.addTrial({
      state: 'failed',
      params: { lr: 1e-7 },
      distributions: { lr },
      datetimeStart: '2024-05-01T12:02:00.000Z',
      datetimeComplete: '2024-05-01T12:02:00.250Z',
      failReason: 'nan loss',
    });
    s.addTrial({
      state: 'running',
      params: { batch: 'say "hi"' },
      distributions: { batch },
      datetimeStart: '2024-05-01T12:03:00.000Z',
    });
    expect(trialsToCsv(s)).toBe(
      [
        'number,state,value,params_batch,params_lr,datetime_start,datetime_complete,duration',
        '0,complete,0.5,8,0.0001,2024-05-01T12:00:00.000Z,2024-05-01T12:00:02.500Z,2.5',
        '1,pruned,0.25,"a,b",0.00001,2024-05-01T12:00:03.000Z,2024-05-01T12:01:03.000Z,60',
        '2,failed,,,1e-7,2024-05-01T12:02:00.000Z,2024-05-01T12:02:00.250Z,0.25',
        '3,running,,"say ""hi""",,2024-05-01T12:03:00.000Z,,',
        '',
      ].join('\n'),
    );
  });

  it('uses the study clock for ask/tell datetimes', () => {
    const s = new Study({
      sampler: new RandomSampler(0),
      pruner: new NopPruner(),
      now: clock('2024-01-01T00:00:00.000Z', 1500),
    });
    s.tell(s.ask(), 1);
    expect(trialsToCsv(s).split('\n')[1]).toBe('0,complete,1,2024-01-01T00:00:00.000Z,2024-01-01T00:00:01.500Z,1.5');
  });
});

describe('seeded reproducibility', () => {
  async function paramsSequence(makeSampler: () => Sampler, n = 25): Promise<Array<Trial['params']>> {
    const s = new Study({ direction: 'minimize', sampler: makeSampler(), pruner: new NopPruner() });
    await s.optimize(
      (t) => {
        const x = t.suggestFloat('x', -1, 1);
        const lr = t.suggestFloat('lr', 1e-6, 1e-2, { log: true });
        const b = t.suggestCategorical('b', [4, 8, 16, 32]);
        const k = t.suggestInt('k', 1, 9, { step: 2 });
        return x * x + (Math.log10(lr) + 4) ** 2 + (b === 16 ? 0 : 1) + k / 10;
      },
      { nTrials: n },
    );
    return s.trials.map((t) => ({ ...t.params }));
  }

  it('same seed → same suggested params; another seed → different ones', async () => {
    const makers: Array<(seed: number) => Sampler> = [
      (seed) => new RandomSampler(seed),
      (seed) => new TPESampler({ seed }),
      (seed) => new TPESampler({ seed, multivariate: true }),
      (seed) => new GridSampler({ x: [-0.5, 0, 0.5], lr: [1e-5, 1e-3], b: [8, 16], k: [1, 9] }, seed),
    ];
    for (const make of makers) {
      const a = await paramsSequence(() => make(123));
      expect(await paramsSequence(() => make(123))).toEqual(a);
      expect(await paramsSequence(() => make(124))).not.toEqual(a);
    }
  });
});
