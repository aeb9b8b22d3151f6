import { describe, expect, it } from 'vitest';
import { CategoricalDistribution, FloatDistribution, IntDistribution } from './distributions';
import { gridCounts, pedAnovaImportances, scottPdf } from './importance';
import { NopPruner } from './pruners/nop';
import { RandomSampler } from './samplers/random';
import { Study, type Objective, type StudyDirection } from './study';

async function randomStudy(direction: StudyDirection, objective: Objective, n = 150, seed = 4): Promise<Study> {
  const s = new Study({ direction, sampler: new RandomSampler(seed), pruner: new NopPruner() });
  await s.optimize(objective, { nTrials: n });
  return s;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

describe('PED-ANOVA importance', () => {
  it('ranks the one informative float parameter first (minimize)', async () => {
    const s = await randomStudy('minimize', (t) => {
      const x = t.suggestFloat('x', -1, 1);
      t.suggestFloat('y', -1, 1);
      t.suggestFloat('z', 1e-6, 1e-2, { log: true });
      return (x - 0.3) ** 2;
    });
    const imp = pedAnovaImportances(s);
    expect(Object.keys(imp)[0]).toBe('x');
    expect(imp.x).toBeGreaterThan(0.6);
    expect(sum(imp)).toBeCloseTo(1, 12);
    const global = pedAnovaImportances(s, { evaluateOnLocal: false });
    expect(Object.keys(global)[0]).toBe('x');
  });

  it('ranks an informative categorical first (maximize) among log and int parameters', async () => {
    const bonus: Record<number, number> = { 4: 0, 8: 0.2, 16: 0.6, 32: 0.1 };
    const s = await randomStudy('maximize', (t) => {
      t.suggestFloat('learning_rate', 1e-6, 1e-4, { log: true });
      const b = t.suggestCategorical('per_device_train_batch_size', [4, 8, 16, 32]);
      t.suggestInt('layers', 1, 8);
      return bonus[b];
    });
    const imp = pedAnovaImportances(s);
    expect(Object.keys(imp)).toEqual(['per_device_train_batch_size', ...Object.keys(imp).slice(1)]);
    expect(sum(imp)).toBeCloseTo(1, 12);
  });

  it('equal shares with ≤ 2 usable trials; single-valued parameters get 0; no complete trials throws', () => {
    const s = new Study({ sampler: new RandomSampler(0), pruner: new NopPruner() });
    expect(() => pedAnovaImportances(s)).toThrow('cannot evaluate parameter importances without completed trials');
    const dists = {
      a: new FloatDistribution(0, 1),
      b: new IntDistribution(1, 3),
      c: new CategoricalDistribution(['only']),
    };
    s.addTrial({ value: 1, params: { a: 0.1, b: 1, c: 'only' }, distributions: dists });
    s.addTrial({ value: 2, params: { a: 0.7, b: 3, c: 'only' }, distributions: dists });
    expect(pedAnovaImportances(s)).toEqual({ a: 0.5, b: 0.5, c: 0 });
  });

  it('discretises like Optuna: nearest of 50 grid points (fewer for stepped and log-int domains)', () => {
    expect(
      gridCounts(new FloatDistribution(0, 1), [0, 0.3, 1])
        .map((c, i) => (c ? i : -1))
        .filter((i) => i >= 0),
    ).toEqual([0, 15, 49]);
    expect(gridCounts(new IntDistribution(1, 5), [1, 5, 5]).length).toBe(5);
    expect(gridCounts(new IntDistribution(1, 1000, true), [1, 1000])).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]); // ceil(log2 1000) + 1
    for (const counts of [[0, 3, 0, 1, 0], [5]])
      expect(scottPdf(counts, false).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(scottPdf([2, 0, 1], true).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
