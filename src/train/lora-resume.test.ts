// A LoRA run end to end (runTraining): its checkpoints hold the adapters, their moments and the
// base's identity; a resume re-attaches the base the caller supplies and ends bit for bit where the
// straight run ended (dropout on: its masks follow (seed, step)); a different base is refused,
// naming both. A fresh preset base is rebuilt from the seed instead.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../core/events';
import { trainTokenizer } from '../data/tokenizer';
import { weightsHash } from '../model/checksum';
import { configFor, countParams, PRESETS } from '../model/config';
import { adapterParamCount, splitAdapters } from '../model/lora';
import { disposeParams, initWeights, readWeights } from '../model/params';
import { decodeCheckpoint, type TrainingCheckpoint } from './checkpoint/checkpoint';
import { MemoryCheckpointStore } from './checkpoint/store';
import { runTraining, type InitialModel } from './run';
import { defaultSpec, type RunSpec } from './spec';
import { xsumRunData as data } from '../testing/xsum-run-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const spec: RunSpec = {
  ...defaultSpec('tiny'),
  finetune: 'lora',
  loraR: 4,
  loraAlpha: 8,
  loraDropout: 0.1, // on: the resume must draw the straight run's masks
  loraTargets: 'all-linear',
  learningRate: 1e-2,
  maxTrainSamples: 8,
  batchSize: 4,
  epochs: 3,
  maxSourceLength: 24,
  maxTargetLength: 8,
  minNewTokens: 1,
  validationSize: 0,
  warmupRatio: 0.2,
};

const bitsEqual = (a: Float32Array, b: Float32Array) =>
  a.length === b.length &&
  new Uint32Array(a.buffer, a.byteOffset, a.length).every(
    (x, i) => x === new Uint32Array(b.buffer, b.byteOffset, b.length)[i],
  );

async function weightsOf(out: Awaited<ReturnType<typeof runTraining>>) {
  const w = await readWeights(out.params);
  disposeParams(out.params);
  return w;
}

describe('LoRA checkpoints', () => {
  // A "pretrained" base: a tiny model with its own tokenizer and a Hub-like identity.
  let base: InitialModel;
  let straight: Map<string, Float32Array>;
  let ckpt: TrainingCheckpoint;
  const store = new MemoryCheckpointStore();
  const events: RunEvent[] = [];

  beforeAll(async () => {
    const d = data();
    const tokenizer = trainTokenizer(
      d.train.slice(0, 40).flatMap((p) => [p.input, p.target]),
      300,
    );
    const config = configFor(PRESETS.tiny, tokenizer.vocabSize);
    const weights = initWeights(config, 123);
    base = {
      config,
      weights,
      tokenizer,
      base: { id: 'test/tiny-base', revision: 'abc123', hash: weightsHash(weights) },
    };
    straight = await weightsOf(
      await runTraining({
        spec,
        data: d,
        emit: (e) => events.push(e),
        initial: base,
        checkpoints: { store, runId: 'lora' },
      }),
    );
    const kept = await store.list('lora');
    expect(kept.map((c) => c.step)).toEqual([2, 4, 6]);
    ckpt = decodeCheckpoint(await store.load(kept[1].id));
  });

  it('the run trains adapters only, says so, and its checkpoints hold adapters, moments and the base identity', () => {
    const model = events.find((e) => e.type === 'model');
    const A = adapterParamCount(ckpt.meta.config);
    expect(model).toMatchObject({ paramCount: countParams(base.config) + A, trainableParams: A });
    expect(ckpt.meta.config.lora).toEqual({
      r: 4,
      alpha: 8,
      dropout: 0.1,
      targetModules: [...ckpt.meta.config.lora!.targetModules],
    });
    expect(ckpt.meta.config.lora!.targetModules).toHaveLength(7);
    expect(ckpt.weights.length).toBe(A);
    expect(ckpt.optimizer.m.length).toBe(A);
    expect(ckpt.meta.base).toEqual(base.base);
    for (const [name, w] of splitAdapters(straight).base)
      expect(bitsEqual(w, base.weights.get(name)!), name).toBe(true);
  });

  it('resume on the same base ends bit-identical to the straight run', async () => {
    const steps: number[] = [];
    const resumed = await weightsOf(
      await runTraining({
        spec: { ...spec, seed: 99, learningRate: 0.5 }, // ignored on resume
        data: data(),
        emit: (e) => e.type === 'step' && steps.push(e.step),
        resumeCheckpoint: ckpt,
        initial: base,
      }),
    );
    expect(steps).toEqual([5, 6]);
    expect([...resumed.keys()].sort()).toEqual([...straight.keys()].sort());
    for (const [name, w] of straight) expect(bitsEqual(resumed.get(name)!, w), name).toBe(true);
  });

  it('a different base is refused, naming both; no base at all asks for it', async () => {
    const other = new Map(base.weights);
    const emb = Float32Array.from(other.get('model.embed_tokens.weight')!);
    emb[0] += 1e-3;
    other.set('model.embed_tokens.weight', emb);
    const wrong: InitialModel = {
      ...base,
      weights: other,
      base: { id: 'someone/else', revision: 'main', hash: weightsHash(other) },
    };
    const attempt = (initial?: InitialModel) =>
      runTraining({ spec, data: data(), emit: () => {}, resumeCheckpoint: ckpt, initial });
    await expect(attempt(wrong)).rejects.toThrow(
      new RegExp(
        `trained on the base model "test/tiny-base" \\(revision abc123\\) with weights hash ${base.base!.hash}, but the base supplied is "someone/else" \\(revision main\\) with weights hash ${weightsHash(other)}`,
      ),
    );
    // Files without a Hub identity are hashed.
    await expect(attempt({ ...wrong, base: undefined })).rejects.toThrow(
      /but the base supplied is "the model supplied" with weights hash/,
    );
    await expect(attempt()).rejects.toThrow(
      /holds adapters for the base model "test\/tiny-base".*load that model first/,
    );
  });

  it('a fresh preset base is rebuilt from the seed on resume', async () => {
    const presetStore = new MemoryCheckpointStore();
    const a = await weightsOf(
      await runTraining({ spec, data: data(), emit: () => {}, checkpoints: { store: presetStore, runId: 'p' } }),
    );
    const kept = await presetStore.list('p');
    const c = decodeCheckpoint(await presetStore.load(kept[1].id));
    expect(c.meta.base?.id).toBe('preset:tiny');
    const b = await weightsOf(await runTraining({ spec, data: data(), emit: () => {}, resumeCheckpoint: c }));
    for (const [name, w] of a) expect(bitsEqual(b.get(name)!, w), name).toBe(true);
  });
});
