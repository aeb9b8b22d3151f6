// Train on inputs through a whole run: 'auto' means on for a fresh preset and off for a model the
// run starts from, the checkpoint records what ran, and the evaluation loss stays the summary's.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../core/events';
import { buildExamples } from '../data/examples';
import { readWeights } from '../model/params';
import { decodeCheckpoint } from './checkpoint/checkpoint';
import { MemoryCheckpointStore } from './checkpoint/store';
import { runTraining, type InitialModel, type RunOutput } from './run';
import { defaultSpec, resolveTrainOnInputs, type RunSpec } from './spec';
import { evaluateLoss } from './trainer';
import { xsumRunData as data } from '../testing/xsum-run-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const spec: RunSpec = {
  ...defaultSpec('tiny'),
  maxTrainSamples: 8,
  batchSize: 4,
  epochs: 1,
  maxSourceLength: 24,
  maxTargetLength: 8,
  minNewTokens: 0,
  validationSize: 4,
  learningRate: 1e-2,
};

async function run(s: RunSpec, initial?: InitialModel, store?: MemoryCheckpointStore) {
  const events: RunEvent[] = [];
  const out = await runTraining({
    spec: s,
    data: data(),
    emit: (e) => events.push(e),
    initial,
    checkpoints: store ? { store, runId: 'r' } : undefined,
  });
  return { out, events, weights: await readWeights(out.params) };
}

const same = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) =>
  [...a].every(([name, w]) => b.get(name)!.every((x, i) => x === w[i]));

describe('resolveTrainOnInputs', () => {
  it('keeps on and off; auto is on for a fresh model only', () => {
    expect(resolveTrainOnInputs('on', false)).toBe('on');
    expect(resolveTrainOnInputs('off', true)).toBe('off');
    expect(resolveTrainOnInputs('auto', true)).toBe('on');
    expect(resolveTrainOnInputs('auto', false)).toBe('off');
  });
});

describe('runTraining with trainOnInputs', () => {
  let fresh: { out: RunOutput; events: RunEvent[]; weights: Map<string, Float32Array> };
  let store: MemoryCheckpointStore;

  beforeAll(async () => {
    store = new MemoryCheckpointStore();
    fresh = await run({ ...spec, trainOnInputs: 'auto' }, undefined, store);
  });

  it("a fresh preset's auto trains exactly as on, not as off, and its checkpoint records on", async () => {
    expect(same(fresh.weights, (await run({ ...spec, trainOnInputs: 'on' })).weights)).toBe(true);
    expect(same(fresh.weights, (await run({ ...spec, trainOnInputs: 'off' })).weights)).toBe(false);
    const [kept] = await store.list('r');
    expect(decodeCheckpoint(await store.load(kept.id)).meta.spec.trainOnInputs).toBe('on');
  });

  it('the evaluation loss is the summary-only loss on the validation pairs, whatever the training covers', async () => {
    const epoch = fresh.events.find((e) => e.type === 'epoch');
    expect(epoch?.type === 'epoch' && epoch.evalLoss).toBeTypeOf('number');
    const validation = data().validation!.slice(0, spec.validationSize);
    const opts = { maxSourceLength: spec.maxSourceLength, maxTargetLength: spec.maxTargetLength };
    const { out } = fresh;
    const summaryOnly = await evaluateLoss(
      out.params,
      out.config,
      buildExamples(out.tokenizer, validation, opts),
      4,
      out.tokenizer.padId,
    );
    const withDocs = await evaluateLoss(
      out.params,
      out.config,
      buildExamples(out.tokenizer, validation, { ...opts, superviseDocument: true }),
      4,
      out.tokenizer.padId,
    );
    if (epoch?.type !== 'epoch') throw new Error('no epoch event');
    expect(epoch.evalLoss).toBeCloseTo(summaryOnly!, 5);
    expect(Math.abs(epoch.evalLoss! - withDocs!)).toBeGreaterThan(1e-3);
  });

  it('a model the run starts from (imported, pretrained) resolves auto to off', async () => {
    const initial: InitialModel = { config: fresh.out.config, weights: fresh.weights, tokenizer: fresh.out.tokenizer };
    const auto = await run({ ...spec, trainOnInputs: 'auto' }, initial);
    expect(same(auto.weights, (await run({ ...spec, trainOnInputs: 'off' }, initial)).weights)).toBe(true);
    expect(same(auto.weights, (await run({ ...spec, trainOnInputs: 'on' }, initial)).weights)).toBe(false);
  });
});
