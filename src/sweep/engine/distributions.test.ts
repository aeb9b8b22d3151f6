import { describe, expect, it } from 'vitest';
import {
  CategoricalDistribution,
  distributionFromJSON,
  FloatDistribution,
  fmt,
  IntDistribution,
} from './distributions';
import { NopPruner } from './pruners/nop';
import { RandomSampler } from './samplers/random';
import { Study } from './study';

const study = () => new Study({ sampler: new RandomSampler(0), pruner: new NopPruner() });

describe('distribution validation messages', () => {
  it('names the parameter and the problem when suggested', () => {
    const t = study().ask();
    expect(() => t.suggestFloat('lr', 1e-3, 1e-4)).toThrow('parameter "lr": low 1e-3 is greater than high 1e-4');
    expect(() => t.suggestFloat('lr', 0, 1, { log: true })).toThrow(
      'parameter "lr": log scale needs low > 0, got low 0',
    );
    expect(() => t.suggestFloat('lr', -1, 1, { log: true })).toThrow(
      'parameter "lr": log scale needs low > 0, got low -1',
    );
    expect(() => t.suggestFloat('x', 0, 1, { step: 0 })).toThrow(
      'parameter "x": step must be a positive number, got 0',
    );
    expect(() => t.suggestFloat('x', 1e-5, 1, { step: 0.1, log: true })).toThrow(
      'parameter "x": step is not supported together with log scale',
    );
    expect(() => t.suggestFloat('x', NaN, 1)).toThrow('parameter "x": low must be a finite number, got NaN');
    expect(() => t.suggestInt('layers', 1.5, 4)).toThrow('parameter "layers": low must be an integer, got 1.5');
    expect(() => t.suggestInt('layers', 0, 4, { log: true })).toThrow(
      'parameter "layers": log scale needs low >= 1 for an int, got low 0',
    );
    expect(() => t.suggestInt('layers', 1, 8, { log: true, step: 2 })).toThrow(
      'parameter "layers": step must be 1 with log scale, got 2',
    );
    expect(() => t.suggestInt('n', 5, 2)).toThrow('parameter "n": low 5 is greater than high 2');
    expect(() => t.suggestCategorical('batch', [])).toThrow('parameter "batch": choices must not be empty');
    expect(() => t.suggestCategorical('batch', [1, NaN])).toThrow(
      'parameter "batch": choices[1] must be a string, a finite number, a boolean or null, got NaN',
    );
  });

  it('constructors throw the same detail without a name', () => {
    expect(() => new FloatDistribution(2, 1)).toThrow(/^low 2 is greater than high 1$/);
    expect(() => new CategoricalDistribution([])).toThrow('choices must not be empty');
  });

  it('formats small and large numbers compactly', () => {
    expect(fmt(1e-3)).toBe('1e-3');
    expect(fmt(3.5e-5)).toBe('3.5e-5');
    expect(fmt(0.5)).toBe('0.5');
    expect(fmt(2e7)).toBe('2e7');
  });
});

describe('distribution semantics (Optuna)', () => {
  it('snaps high down onto the step grid, tolerating float noise', () => {
    expect(new FloatDistribution(0, 1, false, 0.3).high).toBeCloseTo(0.9, 15);
    expect(new FloatDistribution(0, 1, false, 0.1).high).toBe(1);
    expect(new FloatDistribution(0.1, 0.7, false, 0.2).high).toBe(0.7);
    expect(new IntDistribution(0, 10, false, 3).high).toBe(9);
  });

  it('single(), contains() and internal representations', () => {
    expect(new FloatDistribution(1, 1).single()).toBe(true);
    expect(new FloatDistribution(0, 0.05, false, 0.1).single()).toBe(true);
    expect(new IntDistribution(3, 4, false, 2).single()).toBe(true);
    expect(new CategoricalDistribution(['a']).single()).toBe(true);
    expect(new FloatDistribution(0, 1, false, 0.25).contains(0.5)).toBe(true);
    expect(new FloatDistribution(0, 1, false, 0.25).contains(0.3)).toBe(false);
    expect(new IntDistribution(0, 10, false, 2).contains(3)).toBe(false);
    const c = new CategoricalDistribution([4, 8, 16, 32]);
    expect(c.toInternal(16)).toBe(2);
    expect(c.toExternal(3)).toBe(32);
    expect(() => c.toInternal(5)).toThrow('5 is not one of the choices [4,8,16,32]');
  });

  it('round-trips through Optuna-shaped JSON', () => {
    for (const d of [
      new FloatDistribution(1e-6, 1e-4, true),
      new FloatDistribution(0, 1, false, 0.25),
      new IntDistribution(1, 64, true),
      new CategoricalDistribution([4, 'a', true, null]),
    ]) {
      const back = distributionFromJSON(JSON.parse(JSON.stringify(d.toJSON())));
      expect(back.equals(d)).toBe(true);
    }
    expect(new FloatDistribution(1e-6, 1e-4, true).toJSON()).toEqual({
      name: 'FloatDistribution',
      attributes: { low: 1e-6, high: 1e-4, log: true, step: null },
    });
  });

  it('a name keeps its kind and log scale across the study; the same trial reuses its value', () => {
    const s = study();
    const t0 = s.ask();
    const lr = t0.suggestFloat('lr', 1e-6, 1e-4, { log: true });
    expect(t0.suggestFloat('lr', 1e-6, 1e-4, { log: true })).toBe(lr);
    s.tell(t0, 1);
    const t1 = s.ask();
    expect(() => t1.suggestInt('lr', 1, 5)).toThrow(
      'parameter "lr": cannot change from a float distribution to an int distribution',
    );
    expect(() => t1.suggestFloat('lr', 1e-6, 1e-4)).toThrow('parameter "lr": cannot change log from true to false');
    expect(t1.suggestFloat('lr', 1e-7, 1e-3, { log: true })).toBeGreaterThanOrEqual(1e-7); // range may change
  });
});
