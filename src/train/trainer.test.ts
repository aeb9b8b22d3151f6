import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExamples } from '../data/examples';
import { readPairs } from '../data/readers';
import { trainTokenizer } from '../data/tokenizer';
import { configFor, PRESETS } from '../model/config';
import { disposeParams, initWeights, toVariables } from '../model/params';
import { readSharedText } from '../testing/shared';
import type { RunEvent } from '../core/events';
import { runTraining } from './run';
import { readRunData } from './run-data';
import { defaultSpec, type RunSpec } from './spec';
import { evaluateLoss, trainLoop } from './trainer';
import { liveTensors } from '../testing/live-tensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const trainText = () => readSharedText('data/xsum/train.jsonl');

describe('trainer', () => {
  it('overfits 8 XSum pairs with the tiny model: loss on them falls by more than half', async () => {
    const pairs = readPairs(trainText(), 'jsonl').pairs;
    const tok = trainTokenizer(
      pairs.flatMap((p) => [p.input, p.target]),
      512,
    );
    const spec: RunSpec = {
      ...defaultSpec('tiny'),
      learningRate: 1e-2,
      batchSize: 8,
      epochs: 40,
      maxSourceLength: 24,
      maxTargetLength: 24,
      warmupRatio: 0,
      schedule: 'constant',
      weightDecay: 0.01,
    };
    const examples = buildExamples(tok, pairs.slice(0, 8), spec);
    const config = configFor(PRESETS.tiny, tok.vocabSize);
    const params = toVariables(config, initWeights(config, 1));
    const before = (await evaluateLoss(params, config, examples, 8, tok.padId))!;
    const losses: number[] = [];
    const res = await trainLoop({
      config,
      params,
      spec,
      train: examples,
      validation: [],
      padId: tok.padId,
      onEvent: (e) => e.type === 'step' && losses.push(e.loss),
    });
    const after = (await evaluateLoss(params, config, examples, 8, tok.padId))!;
    expect(res.steps).toBe(40);
    expect(res.skippedSteps).toBe(0);
    expect(before).toBeGreaterThan(Math.log(512) - 0.5); // an untrained model is near-uniform
    expect(after).toBeLessThan(before / 2);
    expect(losses[0]).toBeCloseTo(before, 4); // the first step's loss is the same batch, same weights
    disposeParams(params);
  });

  it('runs a whole tiny run from text: events in order, schedule, stop, no leaked tensors', async () => {
    const spec: RunSpec = {
      ...defaultSpec('tiny'),
      batchSize: 4,
      maxSteps: 6,
      maxSourceLength: 32,
      maxTargetLength: 16,
      validationSize: 8,
      warmupRatio: 0.5,
    };
    const events: RunEvent[] = [];
    const tensorsBefore = liveTensors();
    const data = readRunData(
      {
        train: { name: 'train.jsonl', text: trainText() },
        validation: { name: 'validation.jsonl', text: readSharedText('data/xsum/validation.jsonl') },
      },
      (e) => events.push(e),
    );
    const out = await runTraining({ spec, data, emit: (e) => events.push(e) });
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps.every((s) => s.totalSteps === 6 && Number.isFinite(s.loss) && s.tokensPerSec > 0)).toBe(true);
    expect(steps[0].lr).toBe(0); // warmup starts at 0, as transformers does
    expect(steps[3].lr).toBeCloseTo(spec.learningRate, 12); // warmup = ceil(6 · 0.5) = 3 steps
    const model = events.find((e) => e.type === 'model');
    expect(model).toMatchObject({ type: 'model', vocabSize: 512, trainExamples: 871, validationExamples: 8 });
    // maxSteps cut the epoch short; as transformers does, the cut epoch still ends with an evaluation.
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(1);
    expect(epochs[0]).toMatchObject({ epoch: 1, evalLoss: expect.any(Number) });
    expect(out.steps).toBe(6);
    disposeParams(out.params);
    expect(liveTensors()).toBe(tensorsBefore);

    // Stop: asked before the second step, the run ends after one.
    let n = 0;
    const stopped = await runTraining({
      spec: { ...spec, maxSteps: 0 },
      data: readRunData({ train: { name: 'train.jsonl', text: trainText() } }, () => {}),
      emit: (e) => e.type === 'step' && n++,
      shouldStop: () => n >= 1,
    });
    expect(stopped).toMatchObject({ steps: 1, stopped: true });
    disposeParams(stopped.params);
  });
});
