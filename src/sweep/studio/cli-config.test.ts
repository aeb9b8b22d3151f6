import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../train/spec';
import { parseSweepCliConfig, type SweepCliFlags } from './cli-config';
import { createSweepStudy, DEFAULT_SEARCH_SPACE, DEFAULT_SWEEP, suggestFromSpec } from './default-study';
import { specForParams } from './runner';

const issuesOf = (raw: unknown, flags?: SweepCliFlags) => {
  const r = parseSweepCliConfig(raw, flags);
  if (r.ok) throw new Error(`expected issues, got a valid config: ${JSON.stringify(r.config)}`);
  return r.issues;
};

const TWO_TRIALS = {
  name: 'cli test',
  trials: 2,
  pruner: 'nop',
  searchSpace: {
    learning_rate: { type: 'float', low: 1e-5, high: 1e-3, log: true },
    per_device_train_batch_size: { type: 'categorical', choices: [4, 8] },
  },
  run: { preset: 'tiny', epochs: 1, maxTrainSamples: 8, validationSize: 4, backend: 'wasm' },
};

describe('parseSweepCliConfig: a good config', () => {
  it('merges the file over the tiny preset and the studio defaults', () => {
    const r = parseSweepCliConfig(TWO_TRIALS);
    if (!r.ok) throw new Error(r.issues.join('\n'));
    const { name, sweep, run } = r.config;
    expect(name).toBe('cli test');
    expect(sweep).toEqual({
      ...DEFAULT_SWEEP,
      nTrials: 2,
      pruner: 'nop',
      searchSpace: [
        { name: 'learning_rate', type: 'float', low: 1e-5, high: 1e-3, log: true },
        { name: 'per_device_train_batch_size', type: 'categorical', choices: [4, 8] },
      ],
    });
    // The preset decides lengths and vocabulary; the file's fields win over the rest.
    expect(run).toEqual({ ...defaultSpec('tiny'), epochs: 1, maxTrainSamples: 8, validationSize: 4, backend: 'wasm' });
    // The result drives the real study and runner: the sampled trial makes valid run settings.
    const study = createSweepStudy(sweep);
    const trial = study.ask();
    const spec = specForParams(run, suggestFromSpec(trial, sweep.searchSpace));
    expect(spec.learningRate).toBeGreaterThanOrEqual(1e-5);
    expect(spec.learningRate).toBeLessThanOrEqual(1e-3);
    expect([4, 8]).toContain(spec.batchSize);
  });

  it('an empty file is the seed search on the default settings', () => {
    const r = parseSweepCliConfig({});
    expect(r).toEqual({ ok: true, config: { name: null, sweep: { ...DEFAULT_SWEEP }, run: defaultSpec('small') } });
  });

  it('flags win over the file: --trials, --backend, --workers → replicas', () => {
    const r = parseSweepCliConfig(TWO_TRIALS, { trials: '3', backend: 'cpu', workers: '2' });
    if (!r.ok) throw new Error(r.issues.join('\n'));
    expect(r.config.sweep.nTrials).toBe(3);
    expect(r.config.run.backend).toBe('cpu');
    expect(r.config.run.replicas).toBe(2);
  });

  it('takes the studio list form and RunSpec-name aliases of the search space', () => {
    const list = parseSweepCliConfig({ searchSpace: DEFAULT_SEARCH_SPACE });
    expect(list.ok && list.config.sweep.searchSpace).toEqual(DEFAULT_SEARCH_SPACE);
    const alias = parseSweepCliConfig({
      searchSpace: { learningRate: { type: 'float', low: 1e-6, high: 1e-4, log: true } },
    });
    expect(alias.ok && alias.config.sweep.searchSpace).toEqual([
      { name: 'learning_rate', type: 'float', low: 1e-6, high: 1e-4, log: true },
    ]);
  });
});

describe('parseSweepCliConfig: bad configs name the field', () => {
  it('learning rate low above high', () => {
    expect(issuesOf({ searchSpace: { learning_rate: { type: 'float', low: 1e-3, high: 1e-4, log: true } } })).toEqual([
      'searchSpace.learning_rate.low: low 1e-3 is greater than high 1e-4',
    ]);
  });

  it('log distribution with a bound at 0, in the list form', () => {
    expect(
      issuesOf({ searchSpace: [{ name: 'learning_rate', type: 'float', low: 0, high: 1e-4, log: true }] }),
    ).toEqual(['searchSpace[0].low: log scale needs low > 0, got low 0']);
  });

  it('run settings: each bad field, all at once', () => {
    expect(issuesOf({ run: { epochs: 0, batchSize: 2.5, backend: 'tpu' } })).toEqual([
      'run.epochs: must be an integer in [1, 1000], got 0',
      'run.batchSize: must be an integer in [1, 1024], got 2.5',
      'run.backend: must be auto, webgpu, wasm or cpu, got "tpu"',
    ]);
  });

  it('unknown keys at the top, in run and in a parameter', () => {
    const issues = issuesOf({
      trails: 2,
      run: { epoch: 1 },
      searchSpace: { learning_rate: { type: 'float', low: 1e-6, high: 1e-4, lg: true } },
    });
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(/^trails: unknown key; known keys: name, trials, /);
    expect(issues[1]).toMatch(/^run\.epoch: unknown run setting; known: preset, learningRate, /);
    expect(issues[2]).toMatch(
      /^searchSpace\.learning_rate\.lg: unknown key; known keys: name, type, low, high, log, step, choices$/,
    );
  });

  it('objective eval_loss: the study minimizes it (transformers default_compute_objective’s fallback)', () => {
    const r = parseSweepCliConfig({ ...TWO_TRIALS, objective: 'eval_loss' });
    if (!r.ok) throw new Error(r.issues.join('\n'));
    expect(r.config.sweep.objective).toBe('eval_loss');
    expect(r.config.sweep.direction).toBe('minimize');
    expect(createSweepStudy(r.config.sweep).direction).toBe('minimize');
    const rouge = parseSweepCliConfig({ ...TWO_TRIALS, objective: 'rouge1' });
    expect(rouge.ok && rouge.config.sweep.direction).toBe('maximize');
  });

  it('trials, objective, sampler, pruner and seed out of their sets', () => {
    expect(issuesOf({ trials: 0, objective: 'bleu', sampler: 'cmaes', pruner: 'hyperband', seed: -1 })).toEqual([
      'trials: must be a positive integer (at most 10000), got 0',
      'objective: must be one of "rouge1", "rouge2", "rougeL", "rougeLsum", "sum", "eval_loss", got "bleu"',
      'sampler: must be one of "tpe", "random", "grid", got "cmaes"',
      'pruner: must be one of "median", "successive-halving", "nop", got "hyperband"',
      'seed: must be an integer in [0, 2^32), got -1',
    ]);
  });

  it('command-line flags are named as flags', () => {
    expect(issuesOf({}, { trials: 'two', backend: 'gpu', workers: '-1' })).toEqual([
      '--trials: must be a positive integer (at most 10000), got "two"',
      '--backend: must be auto, webgpu, wasm or cpu, got "gpu"',
      '--workers: must be an integer in [0, 16] (0 = one per GPU adapter), got "-1"',
    ]);
  });

  it('a parameter that sets no training setting', () => {
    const issues = issuesOf({ searchSpace: { dropout: { type: 'float', low: 0, high: 0.5 } } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^searchSpace\.dropout: "dropout" does not set any training setting; known: learning_rate, /,
    );
  });

  it('a bound that the run settings reject (learning rate must stay below 1)', () => {
    expect(issuesOf({ searchSpace: { learning_rate: { type: 'float', low: 0.1, high: 2 } } })).toEqual([
      'searchSpace.learning_rate.high: 2 makes invalid run settings: learningRate must be a number in (0, 1), got 2',
    ]);
    expect(
      issuesOf({ searchSpace: { per_device_train_batch_size: { type: 'categorical', choices: [4, 0] } } }),
    ).toEqual([
      'searchSpace.per_device_train_batch_size.choices[1]: 0 makes invalid run settings: batchSize must be an integer in [1, 1024], got 0',
    ]);
  });

  it('no validation pairs: the ROUGE objective would have nothing to score', () => {
    expect(issuesOf({ run: { validationSize: 0 } })).toEqual([
      'run.validationSize: must be at least 1 in a sweep: the objective is ROUGE on the validation pairs',
    ]);
  });

  it('grid sampling over a float range without a step', () => {
    expect(
      issuesOf({
        sampler: 'grid',
        searchSpace: { learning_rate: { type: 'float', low: 1e-6, high: 1e-4, log: true } },
      }),
    ).toEqual(['searchSpace.learning_rate: a grid needs choices or a step for a float parameter (sampler is "grid")']);
    expect(issuesOf({ sampler: 'grid' })[0]).toMatch(/^sampler: "grid" cannot enumerate the default search space/);
  });

  it('wrong shapes: the root, run, searchSpace, a parameter, an empty space, a bad preset', () => {
    expect(issuesOf([1])).toEqual(['config: must be a JSON object, got a list']);
    expect(issuesOf({ run: 'tiny' })).toEqual(['run: must be an object of run settings, got "tiny"']);
    expect(issuesOf({ searchSpace: 'lr' })).toEqual([
      'searchSpace: must be an object (parameter name → distribution) or a list of parameters, got "lr"',
    ]);
    expect(issuesOf({ searchSpace: { learning_rate: 1e-4 } })[0]).toMatch(
      /^searchSpace\.learning_rate: must be an object like /,
    );
    expect(issuesOf({ searchSpace: [] })).toEqual(['searchSpace: search space has no parameters']);
    expect(issuesOf({ run: { preset: 'huge' } })).toEqual(['run.preset: must be one of tiny, small, base, got "huge"']);
    expect(issuesOf({ name: '' })).toEqual(['name: must be a non-empty string, got ""']);
    expect(issuesOf({ searchSpace: { learning_rate: { type: 'normal', low: 0, high: 1 } } })).toEqual([
      `searchSpace.learning_rate.type: type must be 'float', 'int' or 'categorical', got "normal"`,
    ]);
  });
});
