import { describe, expect, it } from 'vitest';
import {
  createSweepStudy,
  DEFAULT_OBJECTIVE,
  DEFAULT_SEARCH_SPACE,
  DEFAULT_SWEEP,
  distributionsFromSpec,
  gridFromSpec,
  objectiveFrom,
  suggestFromSpec,
  validateSearchSpace,
  validateSweepConfig,
} from './default-study';
import { CategoricalDistribution, FloatDistribution } from '../engine/distributions';
import { GridSampler } from '../engine/samplers/grid';
import { TPESampler } from '../engine/samplers/tpe';

const ROUGE = { rouge1: 0.4, rouge2: 0.2, rougeL: 0.3, rougeLsum: 0.35 };

describe('default study (the seed recipe)', () => {
  it('learning_rate log-uniform [1e-6, 1e-4], batch size {4, 8, 16, 32}, 20 trials, maximize, objective sum', () => {
    const d = distributionsFromSpec(DEFAULT_SEARCH_SPACE);
    expect(d.learning_rate.equals(new FloatDistribution(1e-6, 1e-4, true))).toBe(true);
    expect(d.per_device_train_batch_size.equals(new CategoricalDistribution([4, 8, 16, 32]))).toBe(true);
    expect(DEFAULT_SWEEP.nTrials).toBe(20);
    expect(DEFAULT_SWEEP.direction).toBe('maximize');
    expect(DEFAULT_OBJECTIVE).toBe('sum');
    const study = createSweepStudy();
    expect(study.direction).toBe('maximize');
    expect(study.sampler).toBeInstanceOf(TPESampler);
    expect(study.toJSON().pruner.kind).toBe('median');
  });

  it('objectiveFrom: one score or the sum of the four (transformers default_compute_objective)', () => {
    expect(objectiveFrom(ROUGE)).toBeCloseTo(1.25, 15);
    expect(objectiveFrom(ROUGE, 'rouge2')).toBe(0.2);
    expect(objectiveFrom(ROUGE, 'rougeLsum')).toBe(0.35);
    expect(() => objectiveFrom(ROUGE, 'bleu' as never)).toThrow('unknown objective "bleu"');
  });

  it('suggestFromSpec draws every parameter; a grid spec enumerates choices and steps', () => {
    const study = createSweepStudy({ seed: 1 });
    const params = suggestFromSpec(study.ask(), DEFAULT_SEARCH_SPACE);
    expect(Object.keys(params)).toEqual(['learning_rate', 'per_device_train_batch_size']);
    expect(
      gridFromSpec([...DEFAULT_SEARCH_SPACE.slice(1), { name: 'warmup', type: 'float', low: 0, high: 0.2, step: 0.1 }]),
    ).toEqual({ per_device_train_batch_size: [4, 8, 16, 32], warmup: [0, 0.1, 0.2] });
    expect(() => gridFromSpec(DEFAULT_SEARCH_SPACE)).toThrow(
      'parameter "learning_rate": a grid needs choices or a step for a float parameter',
    );
    expect(
      createSweepStudy({ sampler: 'grid', searchSpace: [{ name: 'b', type: 'categorical', choices: [1, 2] }] }).sampler,
    ).toBeInstanceOf(GridSampler);
  });

  it('validateSearchSpace names the parameter and the field', () => {
    expect(validateSearchSpace(DEFAULT_SEARCH_SPACE)).toEqual([]);
    const issues = validateSearchSpace([
      { name: 'learning_rate', type: 'float', low: 1e-3, high: 1e-4, log: true },
      { name: 'warmup', type: 'float', low: 0, high: 1, log: true },
      { name: 'per_device_train_batch_size', type: 'categorical', choices: [] },
      { name: 'layers', type: 'int', low: 1, high: 8.5 },
      { name: 'layers', type: 'int', low: 1, high: 8, step: 0 },
      { name: '', type: 'float', low: 0, high: 1 },
      { name: 'bs', type: 'categorical', choices: [8, 16, 8] },
      { name: 'opt', type: 'choice' },
      { name: 'wd', type: 'float', low: 0, high: 0.1, log: true, step: 0.01 },
    ]);
    expect(issues.map((i) => [i.index, i.param, i.field, i.message])).toEqual([
      [0, 'learning_rate', 'low', 'parameter "learning_rate": low 1e-3 is greater than high 1e-4'],
      [1, 'warmup', 'low', 'parameter "warmup": log scale needs low > 0, got low 0'],
      [
        2,
        'per_device_train_batch_size',
        'choices',
        'parameter "per_device_train_batch_size": choices must not be empty',
      ],
      [3, 'layers', 'high', 'parameter "layers": high must be an integer, got 8.5'],
      [4, 'layers', 'name', 'parameter "layers": name is also used by parameter #4'],
      [4, 'layers', 'step', 'parameter "layers": step must be a positive integer, got 0'],
      [5, '', 'name', 'parameter #6: name must be a non-empty string'],
      [6, 'bs', 'choices', 'parameter "bs": choices[2] repeats choices[0] (8)'],
      [7, 'opt', 'type', `parameter "opt": type must be 'float', 'int' or 'categorical', got "choice"`],
      [8, 'wd', 'step', 'parameter "wd": step is not supported together with log scale'],
      [8, 'wd', 'low', 'parameter "wd": log scale needs low > 0, got low 0'],
    ]);
    expect(validateSearchSpace([])[0].message).toBe('search space has no parameters');
    expect(validateSearchSpace({})[0].message).toBe('search space must be a list of parameters');
    expect(() => distributionsFromSpec([{ name: 'lr', type: 'float', low: 1e-3, high: 1e-4 }])).toThrow(
      'parameter "lr": low 1e-3 is greater than high 1e-4',
    );
  });
});

describe('validateSweepConfig: a stored sweep config, every field a run or the dashboard reads', () => {
  const issues = (v: unknown) => validateSweepConfig(v).map((i) => `${i.field}: ${i.message}`);

  it('accepts the default sweep and every objective with its own direction', () => {
    expect(validateSweepConfig(DEFAULT_SWEEP)).toEqual([]);
    expect(validateSweepConfig({ ...DEFAULT_SWEEP, objective: 'eval_loss', direction: 'minimize' })).toEqual([]);
    expect(validateSweepConfig({ ...DEFAULT_SWEEP, sampler: 'grid', searchSpace: [DEFAULT_SEARCH_SPACE[1]] })).toEqual(
      [],
    );
  });

  it('{} names every missing field; a non-object is refused as a whole', () => {
    expect(issues({})).toEqual([
      'objective: missing, expected one of rouge1, rouge2, rougeL, rougeLsum, sum, eval_loss',
      'direction: missing, expected one of maximize, minimize',
      'nTrials: expected a whole number of trials in [1, 1,000,000], got nothing',
      'sampler: missing, expected one of tpe, random, grid',
      'pruner: missing, expected one of median, successive-halving, nop',
      'seed: expected an integer in [0, 2^32), got nothing',
      'searchSpace: search space must be a list of parameters',
    ]);
    expect(issues(null)).toEqual([': expected the sweep settings (an object), got null']);
    expect(issues([1])).toEqual([': expected the sweep settings (an object), got a list']);
  });

  it('unknown kinds, a direction against the objective, and a grid it cannot enumerate', () => {
    expect(issues({ ...DEFAULT_SWEEP, sampler: 'cmaes', pruner: 'hyperband' })).toEqual([
      'sampler: expected one of tpe, random, grid, got "cmaes"',
      'pruner: expected one of median, successive-halving, nop, got "hyperband"',
    ]);
    expect(issues({ ...DEFAULT_SWEEP, objective: 'eval_loss' })).toEqual([
      'direction: expected "minimize" (the objective eval_loss is to minimize), got "maximize"',
    ]);
    expect(issues({ ...DEFAULT_SWEEP, sampler: 'grid' })).toEqual([
      'searchSpace: parameter "learning_rate": a grid needs choices or a step for a float parameter (sampler is "grid")',
    ]);
    expect(issues({ ...DEFAULT_SWEEP, nTrials: 2.5, seed: 2 ** 32 })).toEqual([
      'nTrials: expected a whole number of trials in [1, 1,000,000], got 2.5',
      'seed: expected an integer in [0, 2^32), got 4294967296',
    ]);
  });

  it('a search space is bounded: at most 1,000 parameters, names of at most 200 characters (clipped in messages)', () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ name: `p${i}`, type: 'int', low: 0, high: 1 }));
    expect(validateSearchSpace(many).map((i) => i.message)).toEqual([
      'search space has 1,001 parameters; at most 1,000 are allowed',
    ]);
    const long = [{ name: 'n'.repeat(201), type: 'int', low: 0, high: 1 }];
    expect(validateSearchSpace(long).map((i) => i.message)).toEqual([
      `parameter "${'n'.repeat(59)}…": name is 201 characters long; at most 200 are allowed`,
    ]);
  });
});
