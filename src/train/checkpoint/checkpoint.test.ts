import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../model/io/safetensors';
import { CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from './checkpoint';
import { config, expectSameBits, expectSameState, P, spec } from './testdata/tiny-run';

describe('checkpoint encoding', () => {
  const meta = {
    version: 1 as const,
    step: 3,
    epoch: 1,
    totalSteps: 6,
    createdAt: '2026-01-02T03:04:05.000Z',
    runId: 'r',
    spec,
    config,
    seed: spec.seed,
  };
  const ramp = (k: number) => Float32Array.from({ length: P }, (_, i) => (i % 97) * k);
  const good: TrainingCheckpoint = {
    meta,
    weights: ramp(0.01),
    optimizer: { step: 3, m: ramp(-0.001), v: ramp(1e-6) },
  };

  it('round-trips every value and field exactly, as one safetensors file', () => {
    const bytes = encodeCheckpoint(good);
    expect(bytes.byteLength).toBeGreaterThan(3 * 4 * P);
    const back = decodeCheckpoint(bytes);
    expect(back.meta).toEqual(good.meta);
    expectSameBits(back.weights, good.weights);
    expectSameState(back.optimizer, good.optimizer);
  });

  it('rejects truncated, mis-sized, wrong-version and incomplete files with messages naming the problem', () => {
    const bytes = encodeCheckpoint(good);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.byteLength - 10))).toThrow(
      /checkpoint: not a readable safetensors file \(truncated or corrupt\?\).*out of range/,
    );
    expect(() => decodeCheckpoint(bytes.subarray(0, 5))).toThrow(/shorter than the 8-byte header length/);
    const file = (m: Record<string, unknown>, tensors: Record<string, Float32Array>, md: Record<string, string> = {}) =>
      writeSafetensors(new Map(Object.entries(tensors).map(([k, d]) => [k, { shape: [d.length], data: d }])), {
        format: CHECKPOINT_FORMAT,
        meta: JSON.stringify(m),
        optimizer_step: '3',
        ...md,
      });
    const all = { weights: good.weights, 'optimizer.m': good.optimizer.m, 'optimizer.v': good.optimizer.v };
    expect(() => decodeCheckpoint(file({ ...meta, version: 2 }, all))).toThrow(
      'checkpoint: version 2 is not supported (this studio reads version 1)',
    );
    expect(() => decodeCheckpoint(file(meta, { ...all, weights: new Float32Array(P - 1) }))).toThrow(
      `checkpoint: weights hold ${P - 1} values, but the config's layout needs ${P}`,
    );
    expect(() => decodeCheckpoint(file(meta, { ...all, 'optimizer.v': new Float32Array(P + 2) }))).toThrow(
      `checkpoint: optimizer v has ${P + 2} values, the model's layout needs ${P}`,
    );
    expect(() => decodeCheckpoint(file({ ...meta, config: { ...config, vocabSize: 301 } }, all))).toThrow(
      /weights hold \d+ values, but the config's layout needs \d+/,
    );
    const { 'optimizer.m': _, ...noM } = all;
    expect(() => decodeCheckpoint(file(meta, noM))).toThrow('checkpoint: tensor "optimizer.m" is missing');
    expect(() => decodeCheckpoint(file(meta, all, { format: 'other' }))).toThrow(
      /has __metadata__\.format "other", expected "training-studio-checkpoint"/,
    );
    expect(() => decodeCheckpoint(file(meta, all, { optimizer_step: '4' }))).toThrow(
      "checkpoint: optimizer step 4 is past the run's step 3",
    );
    expect(() => decodeCheckpoint(file({ ...meta, spec: { ...spec, batchSize: 0 } }, all))).toThrow(
      /checkpoint: run spec: batchSize must be/,
    );
    expect(() => decodeCheckpoint(file({ ...meta, seed: 1 }, all))).toThrow(
      'checkpoint: seed 1 must equal spec.seed 9',
    );
    expect(() =>
      decodeCheckpoint(writeSafetensors(new Map([['weights', { shape: [P], data: good.weights }]]))),
    ).toThrow(/has no __metadata__\.format/);
    expect(() => decodeCheckpoint(file(meta, all, { loss_scale: '{scale' }))).toThrow(
      /checkpoint: __metadata__.loss_scale is not valid JSON/,
    );
    expect(() => decodeCheckpoint(file(meta, all, { loss_scale: '{"scale":0,"growthTracker":1}' }))).toThrow(
      'checkpoint: loss scale must be a positive finite number, got 0',
    );
    expect(() => decodeCheckpoint(file(meta, all, { loss_scale: '{"scale":8,"growthTracker":-1}' }))).toThrow(
      'checkpoint: loss scale growthTracker must be a non-negative integer, got -1',
    );
    expect(
      decodeCheckpoint(file(meta, all, { loss_scale: '{"scale":8,"growthTracker":1}' })).optimizer.lossScale,
    ).toEqual({ scale: 8, growthTracker: 1 });
    expect(() => decodeCheckpoint(file({ ...meta, epochLoss: { sum: 1.5, count: -1 } }, all))).toThrow(
      'checkpoint: epochLoss must be { sum: number, count: a non-negative integer }, got {"sum":1.5,"count":-1}',
    );
    expect(decodeCheckpoint(file({ ...meta, epochLoss: { sum: 1.5, count: 2 } }, all)).meta.epochLoss).toEqual({
      sum: 1.5,
      count: 2,
    });
    // encode refuses what decode would refuse
    expect(() => encodeCheckpoint({ ...good, weights: new Float32Array(3) })).toThrow(/weights hold 3 values/);
  });
});
