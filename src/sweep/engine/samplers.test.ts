import { describe, expect, it } from 'vitest';
import { CategoricalDistribution, FloatDistribution, IntDistribution } from './distributions';
import { truncNormLogPdf } from './normal';
import { NopPruner } from './pruners/nop';
import { GridSampler } from './samplers/grid';
import { ParzenEstimator, type ParzenEstimatorParameters } from './samplers/parzen-estimator';
import { RandomSampler } from './samplers/random';
import { defaultGamma, defaultWeights, splitTrials, TPESampler } from './samplers/tpe';
import { Study } from './study';

const PARAMS: ParzenEstimatorParameters = {
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: false,
  weights: defaultWeights,
  multivariate: false,
};

describe('RandomSampler', () => {
  it('is uniform in the right space: log scale, step grids with full-weight ends, choices', () => {
    const s = new Study({ sampler: new RandomSampler(11), pruner: new NopPruner() });
    const n = 4000;
    const logs: number[] = [];
    const ints = new Map<number, number>();
    const quarters = new Map<number, number>();
    const cats = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const t = s.ask();
      const u = t.suggestFloat('u', -2, 3);
      expect(u >= -2 && u <= 3).toBe(true);
      logs.push(Math.log10(t.suggestFloat('lr', 1e-6, 1e-2, { log: true })));
      const k = t.suggestInt('k', 1, 9, { step: 2 });
      ints.set(k, (ints.get(k) ?? 0) + 1);
      const q = t.suggestFloat('q', 0, 1, { step: 0.25 });
      quarters.set(q, (quarters.get(q) ?? 0) + 1);
      const il = t.suggestInt('il', 1, 1000, { log: true });
      expect(Number.isInteger(il) && il >= 1 && il <= 1000).toBe(true);
      const c = t.suggestCategorical('c', ['a', 'b', 'c']);
      cats.set(c, (cats.get(c) ?? 0) + 1);
      s.tell(t, 0);
    }
    expect(Math.abs(logs.reduce((a, b) => a + b, 0) / n + 4)).toBeLessThan(0.05);
    expect([...ints.keys()].sort()).toEqual([1, 3, 5, 7, 9]);
    for (const c of ints.values()) expect(Math.abs(c / n - 0.2)).toBeLessThan(0.025);
    expect([...quarters.keys()].sort()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    for (const c of quarters.values()) expect(Math.abs(c / n - 0.2)).toBeLessThan(0.025);
    for (const c of cats.values()) expect(Math.abs(c / n - 1 / 3)).toBeLessThan(0.03);
  });
});

describe('GridSampler', () => {
  it('exhausts the grid once, in a seeded order, then stops the study', async () => {
    const order = async (seed: number) => {
      const s = new Study({
        sampler: new GridSampler({ lr: [1e-5, 1e-4], batch: [8, 16, 32] }, seed),
        pruner: new NopPruner(),
      });
      await s.optimize(
        (t) => {
          t.suggestFloat('lr', 1e-6, 1e-3, { log: true });
          t.suggestCategorical('batch', [8, 16, 32]);
          return 0;
        },
        { nTrials: 100 },
      );
      return s.trials.map((t) => `${t.params.lr}/${t.params.batch}`);
    };
    const a = await order(7);
    expect(a.length).toBe(6);
    expect([...a].sort()).toEqual(['0.00001/16', '0.00001/32', '0.00001/8', '0.0001/16', '0.0001/32', '0.0001/8']);
    expect(await order(7)).toEqual(a);
    expect(await order(8)).not.toEqual(a);
  });

  it('refuses a parameter the grid does not define', () => {
    const s = new Study({ sampler: new GridSampler({ x: [1, 2] }, 0), pruner: new NopPruner() });
    expect(() => s.ask().suggestFloat('y', 0, 1)).toThrow('parameter "y" is not in the grid (x)');
  });
});

describe('TPE building blocks (Optuna defaults)', () => {
  it('default_gamma and default_weights', () => {
    expect([0, 1, 9, 10, 11, 20, 30, 31, 250, 300].map(defaultGamma)).toEqual([0, 1, 1, 1, 2, 2, 3, 4, 25, 25]);
    expect(defaultWeights(3)).toEqual([1, 1, 1]);
    expect(defaultWeights(25)).toEqual(new Array(25).fill(1));
    const w = defaultWeights(30);
    expect(w.length).toBe(30);
    expect(w.slice(0, 5)).toEqual([
      1 / 30,
      1 / 30 + (1 - 1 / 30) / 4,
      1 / 30 + (2 * (1 - 1 / 30)) / 4,
      1 / 30 + (3 * (1 - 1 / 30)) / 4,
      1,
    ]);
    expect(w.slice(5)).toEqual(new Array(25).fill(1));
  });

  it('splits complete trials by value, then pruned by (−last step, value); running go above', () => {
    const s = new Study({ direction: 'minimize', sampler: new RandomSampler(0), pruner: new NopPruner() });
    s.addTrial({ value: 5 }); // 0
    s.addTrial({ value: 1 }); // 1
    s.addTrial({ value: 3 }); // 2
    s.addTrial({
      state: 'pruned',
      intermediateValues: [
        [0, 9],
        [2, 0.5],
      ],
    }); // 3: step 2
    s.addTrial({ state: 'pruned', intermediateValues: [[5, 9]] }); // 4: step 5 beats step 2
    s.addTrial({ state: 'pruned' }); // 5: no reports → last
    s.addTrial({ state: 'pruned', intermediateValues: [[5, NaN]] }); // 6: NaN ranks after 4
    s.addTrial({ state: 'running' }); // 7
    const numbers = ([below, above]: ReturnType<typeof splitTrials>) => [
      below.map((t) => t.number),
      above.map((t) => t.number),
    ];
    expect(numbers(splitTrials('minimize', s.trials, 2))).toEqual([
      [1, 2],
      [0, 3, 4, 5, 6, 7],
    ]);
    expect(numbers(splitTrials('minimize', s.trials, 4))).toEqual([
      [0, 1, 2, 4],
      [3, 5, 6, 7],
    ]);
    expect(numbers(splitTrials('minimize', s.trials, 5))).toEqual([
      [0, 1, 2, 4, 6],
      [3, 5, 7],
    ]);
    expect(numbers(splitTrials('maximize', s.trials, 1))).toEqual([[0], [1, 2, 3, 4, 5, 6, 7]]);
    // maximize: at step 5, 9 beats NaN; step 5 still beats step 2
    expect(numbers(splitTrials('maximize', s.trials, 5))).toEqual([
      [0, 1, 2, 4, 6],
      [3, 5, 7],
    ]);
  });

  it('Parzen estimator: univariate bandwidths as Optuna (neighbours, endpoints off, magic clip)', () => {
    // mus 0.1, 0.7 on [0, 1]; prior at 0.5. Sorted with ends: 0 | 0.1 0.5 0.7 | 1.
    // sigma(0.1) = 0.5 − 0.1 = 0.4 (endpoint rule), sigma(0.7) = 0.7 − 0.5 = 0.2 → clipped up to
    // 1 / min(100, 1 + 3) = 0.25; prior sigma = 1. Weights 1/3 each.
    const pe = new ParzenEstimator({ x: [0.1, 0.7] }, { x: new FloatDistribution(0, 1) }, PARAMS);
    const x = 0.3;
    const expected = Math.log(
      (Math.exp(truncNormLogPdf(x, 0.1, 0.4, 0, 1)) +
        Math.exp(truncNormLogPdf(x, 0.7, 0.25, 0, 1)) +
        Math.exp(truncNormLogPdf(x, 0.5, 1, 0, 1))) /
        3,
    );
    expect(pe.logPdf({ x: [x] })[0]).toBeCloseTo(expected, 12);
    expect(pe.weights).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('Parzen estimator densities are normalised (continuous, log, stepped, categorical, joint)', () => {
    const integrate = (f: (x: number) => number, lo: number, hi: number, n = 4000) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += f(lo + ((i + 0.5) * (hi - lo)) / n);
      return (s * (hi - lo)) / n;
    };
    const cont = new ParzenEstimator({ x: [0.2, 0.25, 0.9] }, { x: new FloatDistribution(0, 1) }, PARAMS);
    expect(integrate((x) => Math.exp(cont.logPdf({ x: [x] })[0]), 0, 1)).toBeCloseTo(1, 5);
    // Log params: a density over log(x), so integrate in log space.
    const log = new ParzenEstimator({ lr: [1e-5, 3e-5] }, { lr: new FloatDistribution(1e-6, 1e-2, true) }, PARAMS);
    expect(
      integrate((u) => Math.exp(log.logPdf({ lr: [Math.exp(u)] })[0]), Math.log(1e-6), Math.log(1e-2)),
    ).toBeCloseTo(1, 5);
    const ints = new ParzenEstimator({ k: [2, 2, 7] }, { k: new IntDistribution(1, 8) }, PARAMS);
    const massInt = [1, 2, 3, 4, 5, 6, 7, 8].reduce((a, k) => a + Math.exp(ints.logPdf({ k: [k] })[0]), 0);
    expect(massInt).toBeCloseTo(1, 12);
    const intLog = new ParzenEstimator({ k: [2, 64] }, { k: new IntDistribution(1, 100, true) }, PARAMS);
    let massLog = 0;
    for (let k = 1; k <= 100; k++) massLog += Math.exp(intLog.logPdf({ k: [k] })[0]);
    expect(massLog).toBeCloseTo(1, 12);
    const cat = new ParzenEstimator({ b: [0, 0, 3] }, { b: new CategoricalDistribution([4, 8, 16, 32]) }, PARAMS);
    expect([0, 1, 2, 3].reduce((a, b) => a + Math.exp(cat.logPdf({ b: [b] })[0]), 0)).toBeCloseTo(1, 12);
    const joint = new ParzenEstimator(
      { x: [0.2, 0.8], b: [1, 2] },
      { x: new FloatDistribution(0, 1), b: new CategoricalDistribution(['a', 'b', 'c']) },
      { ...PARAMS, multivariate: true },
    );
    const massJoint = [0, 1, 2].reduce(
      (a, b) => a + integrate((x) => Math.exp(joint.logPdf({ x: [x], b: [b] })[0]), 0, 1),
      0,
    );
    expect(massJoint).toBeCloseTo(1, 5);
  });

  it('samples stay in the domain and on the step grid', () => {
    const s = new Study({ sampler: new TPESampler({ seed: 1, nStartupTrials: 5 }), pruner: new NopPruner() });
    for (let i = 0; i < 30; i++) {
      const t = s.ask();
      const q = t.suggestFloat('q', 0, 1, { step: 0.1 });
      const k = t.suggestInt('k', 2, 64, { log: true });
      const lr = t.suggestFloat('lr', 1e-6, 1e-4, { log: true });
      expect(Math.abs(q * 10 - Math.round(q * 10))).toBeLessThan(1e-9);
      expect(Number.isInteger(k) && k >= 2 && k <= 64).toBe(true);
      expect(lr >= 1e-6 && lr <= 1e-4).toBe(true);
      s.tell(t, (q - 0.3) ** 2 + Math.abs(Math.log2(k) - 3) + Math.abs(Math.log10(lr) + 5));
    }
  });

  it('multivariate TPE samples the intersection search space jointly after startup', () => {
    const sampler = new TPESampler({ seed: 3, multivariate: true, nStartupTrials: 4 });
    const s = new Study({ sampler, pruner: new NopPruner() });
    for (let i = 0; i < 6; i++) {
      const t = s.ask();
      const x = t.suggestFloat('x', -1, 1);
      if (i % 2 === 0) t.suggestFloat('only_some', 0, 1);
      s.tell(t, x * x);
    }
    const t = s.ask();
    expect(Object.keys(t.relativeSearchSpace)).toEqual(['x']);
  });
});
