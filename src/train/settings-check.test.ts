// Run settings the run cannot honour, caught when they are entered: spec bounds (validateSpec),
// lengths against the chosen model's positions, counts against the data's splits, and the run
// itself refusing a fresh preset's examples past its positions.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pair } from '../core/example';
import { MAX_MESSAGE_CHARS } from '../core/bounded-text';
import { splitTrainValidation } from '../data/batching';
import { buildExample } from '../data/examples';
import { trainTokenizer } from '../data/tokenizer';
import { PRESETS } from '../model/config';
import { runTraining } from './run';
import {
  checkRunSettings,
  firstIssue,
  heldOutValidation,
  presetModel,
  TEMPLATE_TOKENS,
  type SettingsContext,
} from './settings-check';
import { defaultSpec, MAX_STEPS_BOUND, validateSpec, type RunSpec } from './spec';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const refusal = (patch: Partial<Record<keyof RunSpec, unknown>>) => {
  try {
    validateSpec({ ...defaultSpec(), ...patch });
  } catch (e) {
    return (e as Error).message;
  }
  return null;
};

describe('validateSpec bounds', () => {
  it('refuses max steps a browser cannot run, saying why', () => {
    expect(refusal({ maxSteps: 1e15 })).toBe(
      'run spec: maxSteps must be an integer in [0, 1000000] (0 = all epochs; a browser tab runs a few steps a second, so a million is most of a day), got 1000000000000000',
    );
    expect(refusal({ maxSteps: MAX_STEPS_BOUND })).toBeNull();
    expect(refusal({ maxSteps: MAX_STEPS_BOUND + 1 })).toMatch(
      /^run spec: maxSteps must be an integer in \[0, 1000000\]/,
    );
  });

  it('bounds the step-checkpoint interval by the same number', () => {
    expect(refusal({ checkpointEverySteps: 1e15 })).toMatch(
      /^run spec: checkpointEverySteps must be an integer in \[0, 1000000\] \(0 = at epoch ends only; a run has at most 1000000 steps\), got 1000000000000000$/,
    );
    expect(refusal({ checkpointEverySteps: 500 })).toBeNull();
  });

  it('refuses counts beyond exact integers (1e300 is an integer to Number.isInteger)', () => {
    expect(refusal({ maxTrainSamples: 1e300 })).toMatch(/^run spec: maxTrainSamples must be a non-negative integer/);
    expect(refusal({ validationSize: 2 ** 53 })).toMatch(/^run spec: validationSize must be a non-negative integer/);
    expect(refusal({ maxTrainSamples: 2 ** 53 - 1 })).toBeNull(); // large but exact: the run takes all there are
  });

  it('names non-finite numbers as they are (JSON.stringify would say null)', () => {
    expect(refusal({ learningRate: Infinity })).toBe('run spec: learningRate must be a number in (0, 1), got Infinity');
    expect(refusal({ learningRate: -Infinity })).toMatch(/got -Infinity$/);
    expect(refusal({ batchSize: NaN })).toBe(
      'run spec: batchSize must be an integer in [1, 1024], got no finite number (an empty box, or text such as 1e999 that no number holds)',
    );
    expect(refusal({ batchSize: null })).toMatch(/got null$/); // a stored null
    expect(refusal({ schedule: 'warp' })).toMatch(/got "warp"$/);
  });
});

const small = (patch: Partial<RunSpec> = {}): RunSpec => ({ ...defaultSpec('small'), ...patch });
const freshSmall: SettingsContext = { model: presetModel({ preset: 'small' }), data: null };

describe('max source + target lengths against the chosen model', () => {
  it("every preset's own lengths fit its positions", () => {
    for (const name of Object.keys(PRESETS) as (keyof typeof PRESETS)[]) {
      const spec = defaultSpec(name);
      expect(checkRunSettings(spec, { model: presetModel(spec), data: null }).issues).toEqual({});
    }
  });

  it('a fresh preset: lengths past its positions are an issue on both fields, with the room left', () => {
    const spec = small({ maxSourceLength: 600 });
    const { issues } = checkRunSettings(spec, freshSmall);
    const msg =
      'max source 600 + max target 64 + 10 template tokens = 674 positions, but the fresh small preset has 640: keep max source + max target at most 630';
    expect(issues).toEqual({ maxSourceLength: msg, maxTargetLength: msg });
    expect(firstIssue(checkRunSettings(spec, freshSmall))).toBe(msg);
  });

  it('the bound is exact: source + target = positions − template fits, one more does not', () => {
    const room = 640 - TEMPLATE_TOKENS;
    expect(checkRunSettings(small({ maxSourceLength: room - 64 }), freshSmall).issues).toEqual({});
    expect(Object.keys(checkRunSettings(small({ maxSourceLength: room - 63 }), freshSmall).issues)).toEqual([
      'maxSourceLength',
      'maxTargetLength',
    ]);
  });

  it("a base model's positions, not the preset's, when one is chosen", () => {
    const base: SettingsContext = { model: { positions: 2048, name: 'the base model' }, data: null };
    // 1500 + 64 is past the small preset's 640 but well within the base's 2048.
    expect(checkRunSettings(small({ maxSourceLength: 1500 }), base).issues).toEqual({});
    expect(checkRunSettings(small({ maxSourceLength: 1024, maxTargetLength: 1024 }), base).issues.maxTargetLength).toBe(
      'max source 1,024 + max target 1,024 + 10 template tokens = 2,058 positions, but the base model has 2,048: keep max source + max target at most 2,038',
    );
  });

  it('a model too short for any example says so', () => {
    const tiny: SettingsContext = { model: { positions: 12, name: 'the base model' }, data: null };
    expect(checkRunSettings(small({ maxSourceLength: 8, maxTargetLength: 2 }), tiny).issues.maxSourceLength).toMatch(
      /but the base model has 12: it cannot hold a single example: choose a model with more positions$/,
    );
  });

  it('no model known: no length issue (the run refuses a base without files itself)', () => {
    expect(checkRunSettings(small({ maxSourceLength: 8192 }), { model: null, data: null }).issues).toEqual({});
  });

  it('TEMPLATE_TOKENS bounds the real template: full-length examples are at most source + target + it', () => {
    const words = 'the quick brown fox jumps over a lazy dog; TL;DR: news\n'.repeat(200);
    const tok = trainTokenizer([words], 400);
    const pair: Pair = { input: words, target: words };
    for (const [S, T] of [
      [8, 2],
      [64, 16],
      [200, 40],
    ]) {
      const e = buildExample(tok, pair, { maxSourceLength: S, maxTargetLength: T, superviseDocument: true });
      expect(e.inputIds.length).toBeLessThanOrEqual(S + T + TEMPLATE_TOKENS);
      expect(e.inputIds.length).toBeGreaterThan(S + T); // the bound is not slack by more than the template
    }
  });
});

describe('counts against the data', () => {
  it('a validation size beyond the split says what the run will evaluate on', () => {
    const ctx: SettingsContext = { model: null, data: { train: 871, validation: 100 } };
    expect(checkRunSettings(small({ validationSize: 5000 }), ctx).notes).toEqual({
      validationSize: 'the validation split has 100 examples; the run will evaluate on all 100',
    });
    expect(checkRunSettings(small({ validationSize: 100 }), ctx).notes).toEqual({});
    // A note, not an issue: the run can honour it (it evaluates on what there is).
    expect(checkRunSettings(small({ validationSize: 5000 }), ctx).issues).toEqual({});
  });

  it('an empty validation split: the run evaluates on none', () => {
    const ctx: SettingsContext = { model: null, data: { train: 10, validation: 0 } };
    expect(checkRunSettings(small({ validationSize: 32 }), ctx).notes.validationSize).toBe(
      'the validation split has 0 examples; the run will evaluate on none',
    );
    expect(checkRunSettings(small({ validationSize: 0 }), ctx).notes).toEqual({});
  });

  it('no validation split: the held-out 10% is counted as the run counts it', () => {
    for (const n of [2, 3, 9, 10, 14, 15, 871, 1000]) {
      const { validation } = splitTrainValidation(
        Array.from({ length: n }, (_, i) => i),
        0.1,
        42,
      );
      expect(heldOutValidation(n)).toBe(validation.length);
    }
    const ctx: SettingsContext = { model: null, data: { train: 871, validation: null } };
    expect(checkRunSettings(small({ validationSize: 5000, maxTrainSamples: 1000 }), ctx).notes).toEqual({
      validationSize:
        'there is no validation split, so the run holds out 10% of the training examples (87); the run will evaluate on all 87',
      maxTrainSamples: 'the training split has 784 examples after the hold-out; the run will train on all 784',
    });
  });

  it('train examples beyond the split say what the run will train on', () => {
    const ctx: SettingsContext = { model: null, data: { train: 871, validation: 100 } };
    expect(checkRunSettings(small({ maxTrainSamples: 1e6 }), ctx).notes.maxTrainSamples).toBe(
      'the training split has 871 examples; the run will train on all 871',
    );
    expect(checkRunSettings(small({ maxTrainSamples: 0 }), ctx).notes).toEqual({}); // 0 = all
  });

  it('every message stays short at the largest values the spec allows', () => {
    const spec = small({ maxSourceLength: 8192, maxTargetLength: 2048, validationSize: 2 ** 53 - 1 });
    const check = checkRunSettings(spec, {
      model: { positions: 64, name: 'the base model' },
      data: { train: 2 ** 40, validation: null },
    });
    for (const m of [...Object.values(check.issues), ...Object.values(check.notes)])
      expect(m.length).toBeLessThan(MAX_MESSAGE_CHARS);
  });
});

describe('the run refuses a fresh preset past its own positions', () => {
  const pairs: Pair[] = Array.from({ length: 6 }, (_, i) => ({
    input: `story ${i} `.repeat(400),
    target: `summary ${i} `.repeat(60),
  }));

  it('the tiny preset (256 positions) with 240 + 32: refused before any training, naming the lengths', async () => {
    const spec: RunSpec = {
      ...defaultSpec('tiny'),
      maxSourceLength: 240,
      maxTargetLength: 32,
      epochs: 1,
      validationSize: 2,
    };
    // The settings check says it first, in its own words…
    expect(firstIssue(checkRunSettings(spec, { model: presetModel(spec), data: null }))).toMatch(
      /but the fresh tiny preset has 256: keep max source \+ max target at most 246$/,
    );
    // …and the engine refuses it too (headless runs and sweeps start it without the page).
    const emitted: string[] = [];
    await expect(runTraining({ spec, data: { train: pairs }, emit: (e) => emitted.push(e.type) })).rejects.toThrow(
      /^the model handles 256 positions, but an example is \d+ tokens long: lower max source length \(240\) and\/or max target length \(32\)$/,
    );
    expect(emitted).not.toContain('step');
  });
});
