import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../core/session-events';
import { applyEvent, beginRun, initialRunState, isRunning, latestEvaluation, requestStop } from './run-events';
import { checkStoredSettings } from './run';
import { formatAutoBatch } from './run-events';
import { checkFromWorker } from '../runtime/train/protocol';
import { defaultSpec } from '../train/spec';
import { replay, step } from './run-event-fixtures';

const evaluation = (
  epoch: number,
  rouge1: number,
  extra: Partial<Extract<SessionEvent, { type: 'evaluation' }>> = {},
): SessionEvent => ({
  type: 'evaluation',
  epoch,
  step: epoch * 2,
  rouge: { rouge1, rouge2: rouge1 / 4, rougeL: rouge1 * 0.8, rougeLsum: rouge1 * 0.85 },
  genLen: 12.5,
  evalLoss: 5 - epoch / 10,
  examples: 32,
  samples: [{ document: `article ${epoch}`, reference: 'the reference', prediction: `prediction ${epoch}` }],
  ...extra,
});

const preamble: SessionEvent[] = [
  { type: 'status', message: 'loading data' },
  { type: 'backend', backend: 'webgpu', reason: 'WebGPU adapter available', adapter: 'SwiftShader' },
  { type: 'model', paramCount: 123456, vocabSize: 512, preset: 'tiny', trainExamples: 871, validationExamples: 100 },
];

describe('applyEvent', () => {
  it("keeps a LoRA run's trainable count and whether the training loss covers the document", () => {
    const s = applyEvent(initialRunState, {
      type: 'model',
      paramCount: 1_000_000,
      trainableParams: 4_096,
      lossOnDocument: false,
      vocabSize: 512,
      preset: 'imported',
      trainExamples: 10,
      validationExamples: 2,
    });
    expect(s.model).toMatchObject({ trainableParams: 4_096, lossOnDocument: false });
    const full = applyEvent(initialRunState, {
      ...(preamble[2] as Extract<SessionEvent, { type: 'model' }>),
      lossOnDocument: true,
    });
    expect(full.model?.trainableParams).toBeUndefined();
    expect(full.model?.lossOnDocument).toBe(true);
  });

  it('starts idle and goes running → finished, appending steps and epochs in order', () => {
    expect(initialRunState.status).toBe('idle');
    let s = beginRun();
    expect(s.status).toBe('running');
    expect(isRunning(s)).toBe(true);

    s = replay(s, preamble);
    expect(s.statusLine).toBe('loading data');
    expect(s.backend).toEqual({ backend: 'webgpu', reason: 'WebGPU adapter available', adapter: 'SwiftShader' });
    expect(s.model?.paramCount).toBe(123456);
    expect(s.model?.trainExamples).toBe(871);

    s = replay(s, [
      step(1, 6.2),
      step(2, 5.9),
      { type: 'epoch', epoch: 1, trainLoss: 6.0, evalLoss: 5.8 },
      step(3, 5.5, { epoch: 2 }),
    ]);
    expect(s.status).toBe('running');
    expect(s.steps.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(s.steps.map((p) => p.loss)).toEqual([6.2, 5.9, 5.5]);
    expect(s.steps[2]).toEqual({
      step: 3,
      loss: 5.5,
      lr: 3e-4,
      tokensPerSec: 1003,
      elapsedMs: 300,
      epoch: 2,
      gradNorm: 1,
      skipped: false,
    });
    expect(s.totalSteps).toBe(4);
    expect(s.epochs).toEqual([{ epoch: 1, trainLoss: 6.0, evalLoss: 5.8 }]);

    s = applyEvent(s, {
      type: 'done',
      reason: 'finished',
      steps: 3,
      elapsedMs: 300,
      checksum: 42,
      optimizerBytes: 8192,
    });
    expect(s.status).toBe('finished');
    expect(isRunning(s)).toBe(false);
    expect(s.finalElapsedMs).toBe(300);
    expect(s.checksum).toBe(42);
    expect(s.optimizerBytes).toBe(8192);
    expect(s.steps).toHaveLength(3); // results stay on screen after the run
  });

  it('goes running → stopped after a stop request', () => {
    let s = replay(beginRun(), [...preamble, step(1, 6)]);
    s = requestStop(s);
    expect(s.stopping).toBe(true);
    expect(s.status).toBe('running'); // until the worker confirms
    s = applyEvent(s, {
      type: 'done',
      reason: 'stopped',
      steps: 1,
      elapsedMs: 100,
      checksum: 42,
      optimizerBytes: 8192,
    });
    expect(s.status).toBe('stopped');
    expect(s.stopping).toBe(false);
  });

  it('requestStop does nothing when not running', () => {
    expect(requestStop(initialRunState)).toBe(initialRunState);
  });

  it('goes running → error and keeps the message through later events', () => {
    let s = replay(beginRun(), [step(1, 6), { type: 'error', message: 'WebGPU device lost' }]);
    expect(s.status).toBe('error');
    expect(s.error).toBe('WebGPU device lost');
    s = replay(s, [
      { type: 'status', message: 'cleaning up' },
      { type: 'done', reason: 'finished', steps: 1, elapsedMs: 10, checksum: 42, optimizerBytes: 8192 },
    ]);
    expect(s.status).toBe('error');
    expect(s.error).toBe('WebGPU device lost');
    expect(s.steps).toHaveLength(1);
  });

  it('a second run clears the old steps, epochs, backend and error', () => {
    let s = replay(beginRun(), [
      ...preamble,
      step(1, 6),
      step(2, 5),
      { type: 'epoch', epoch: 1, trainLoss: 5.5, evalLoss: null },
      { type: 'error', message: 'boom' },
    ]);
    s = beginRun();
    expect(s.status).toBe('running');
    expect(s.steps).toEqual([]);
    expect(s.epochs).toEqual([]);
    expect(s.backend).toBeNull();
    expect(s.error).toBeNull();
    s = applyEvent(s, step(1, 7));
    expect(s.steps.map((p) => p.loss)).toEqual([7]);
  });

  it('ignores a step that does not advance, and replaces a re-reported epoch', () => {
    let s = replay(beginRun(), [step(1, 6), step(2, 5)]);
    const before = s;
    s = applyEvent(s, step(2, 4));
    expect(s).toBe(before);
    s = replay(s, [
      { type: 'epoch', epoch: 1, trainLoss: 5.5, evalLoss: null },
      { type: 'epoch', epoch: 1, trainLoss: 5.4, evalLoss: 5.1 },
    ]);
    expect(s.epochs).toEqual([{ epoch: 1, trainLoss: 5.4, evalLoss: 5.1 }]);
  });

  it('keeps a non-finite loss as reported (a diverged run is still a fact)', () => {
    const s = replay(beginRun(), [step(1, 6), step(2, Infinity)]);
    expect(s.steps[1].loss).toBe(Infinity);
  });

  it('does not mutate the state it is given', () => {
    const s = replay(beginRun(), [step(1, 6)]);
    const snapshot = JSON.stringify(s);
    applyEvent(s, step(2, 5));
    applyEvent(s, { type: 'epoch', epoch: 1, trainLoss: 5, evalLoss: 4 });
    expect(JSON.stringify(s)).toBe(snapshot);
    expect(initialRunState.steps).toEqual([]);
  });
});

describe('applyEvent: evaluation', () => {
  it('keeps one point per epoch, oldest first, with every metric the worker reported', () => {
    const s = replay(beginRun(), [
      step(1, 6),
      step(2, 5),
      evaluation(1, 10),
      step(3, 4, { epoch: 2 }),
      step(4, 3, { epoch: 2 }),
      evaluation(2, 20.125),
    ]);
    expect(s.evaluations).toEqual([
      {
        epoch: 1,
        step: 2,
        rouge1: 10,
        rouge2: 2.5,
        rougeL: 8,
        rougeLsum: 8.5,
        genLen: 12.5,
        evalLoss: 4.9,
        examples: 32,
      },
      {
        epoch: 2,
        step: 4,
        rouge1: 20.125,
        rouge2: 20.125 / 4,
        rougeL: 20.125 * 0.8,
        rougeLsum: 20.125 * 0.85,
        genLen: 12.5,
        evalLoss: 4.8,
        examples: 32,
      },
    ]);
    expect(latestEvaluation(s.evaluations)?.epoch).toBe(2);
    expect(s.status).toBe('running'); // an evaluation is a fact, not the end of the run
  });

  it("keeps each epoch's samples, newest epoch first", () => {
    const s = replay(beginRun(), [evaluation(1, 10), evaluation(2, 20), evaluation(3, 30)]);
    expect(s.samples.map((x) => x.epoch)).toEqual([3, 2, 1]);
    expect(s.samples[0]).toEqual({
      epoch: 3,
      step: 6,
      samples: [{ document: 'article 3', reference: 'the reference', prediction: 'prediction 3' }],
    });
  });

  it('sorts by epoch even when the reports arrive out of order', () => {
    const s = replay(beginRun(), [evaluation(2, 20), evaluation(1, 10)]);
    expect(s.evaluations.map((p) => p.epoch)).toEqual([1, 2]);
    expect(s.samples.map((x) => x.epoch)).toEqual([2, 1]);
    expect(latestEvaluation(s.evaluations)?.epoch).toBe(2);
  });

  it('replaces an epoch reported twice, points and samples both', () => {
    const again = evaluation(1, 15, { samples: [{ document: 'd', reference: 'r', prediction: 'second' }] });
    const s = replay(beginRun(), [evaluation(1, 10), evaluation(2, 20), again]);
    expect(s.evaluations.map((p) => [p.epoch, p.rouge1])).toEqual([
      [1, 15],
      [2, 20],
    ]);
    expect(s.samples.map((x) => x.epoch)).toEqual([2, 1]);
    expect(s.samples[1].samples).toEqual([{ document: 'd', reference: 'r', prediction: 'second' }]);
  });

  it('keeps a null eval loss and an empty sample list as reported', () => {
    const s = applyEvent(beginRun(), evaluation(1, 0, { evalLoss: null, samples: [] }));
    expect(s.evaluations[0].evalLoss).toBeNull();
    expect(s.evaluations[0].rouge1).toBe(0);
    expect(s.samples).toEqual([{ epoch: 1, step: 2, samples: [] }]);
  });

  it('stores only the three sample strings, as text', () => {
    const sample = {
      document: '<img src=x onerror=alert(1)>',
      reference: '<b>r</b>',
      prediction: 'p',
      html: '<script>',
    };
    const s = applyEvent(beginRun(), evaluation(1, 10, { samples: [sample] }));
    expect(s.samples[0].samples).toEqual([
      { document: '<img src=x onerror=alert(1)>', reference: '<b>r</b>', prediction: 'p' },
    ]);
  });

  it('a new run clears the evaluations and samples', () => {
    let s = replay(beginRun(), [
      evaluation(1, 10),
      evaluation(2, 20),
      { type: 'done', reason: 'finished', steps: 4, elapsedMs: 400, checksum: 1, optimizerBytes: 8192 },
    ]);
    expect(s.evaluations).toHaveLength(2); // results stay on screen after the run
    s = beginRun();
    expect(s.evaluations).toEqual([]);
    expect(s.samples).toEqual([]);
    expect(latestEvaluation(s.evaluations)).toBeNull();
  });

  it('does not mutate the state it is given', () => {
    const s = replay(beginRun(), [evaluation(1, 10)]);
    const snapshot = JSON.stringify(s);
    applyEvent(s, evaluation(1, 12));
    applyEvent(s, evaluation(2, 20));
    expect(JSON.stringify(s)).toBe(snapshot);
    expect(initialRunState.evaluations).toEqual([]);
    expect(initialRunState.samples).toEqual([]);
  });
});

// ---- auto batch size ----
describe('applyEvent: autoBatch', () => {
  const found: SessionEvent = {
    type: 'autoBatch',
    batchSize: 16,
    gradientAccumulation: 2,
    cached: false,
    tried: [
      { batchSize: 32, ok: false, reason: 'out of memory' },
      { batchSize: 16, ok: true },
    ],
  };

  it('keeps what the search found, shows it in one line, and a new run clears it', () => {
    expect(beginRun().autoBatch).toBeNull();
    const s = applyEvent(beginRun(), found);
    expect(s.autoBatch).toEqual({
      batchSize: 16,
      gradientAccumulation: 2,
      cached: false,
      tried: [
        { batchSize: 32, ok: false, reason: 'out of memory' },
        { batchSize: 16, ok: true },
      ],
    });
    expect(formatAutoBatch(s.autoBatch!)).toBe('Auto batch size: 16 (tried 32 ✗ out of memory, 16 ✓), accumulation 2');
    expect(formatAutoBatch({ batchSize: 8, gradientAccumulation: 1, cached: true, tried: [] })).toBe(
      'Auto batch size: 8 (remembered for this model and adapter), accumulation 1',
    );
    expect(beginRun().autoBatch).toBeNull();
  });

  it('keeps only the known fields and does not mutate its inputs', () => {
    const before = beginRun();
    const e = { ...found, tried: [{ batchSize: 4, ok: true, peakBytes: 10, extra: '<b>' }] } as unknown as SessionEvent;
    const s = applyEvent(before, e);
    expect(s.autoBatch?.tried).toEqual([{ batchSize: 4, ok: true }]);
    expect(before.autoBatch).toBeNull();
  });

  it('the protocol accepts the event and rejects a malformed one', () => {
    expect(checkFromWorker(found)).toEqual(found);
    expect(checkFromWorker({ ...found, tried: [{ batchSize: '8', ok: true }] })).toMatch(/field "tried"/);
    expect(checkFromWorker({ ...found, cached: 'no' })).toMatch(/field "cached"/);
  });

  it('older saved settings without autoBatchSize load with it off', () => {
    const { autoBatchSize: _dropped, ...older } = defaultSpec('tiny');
    const r = checkStoredSettings(JSON.stringify({ state: { settings: older }, version: 1 }));
    expect(r.ok && r.settings.autoBatchSize).toBe(false);
    const on = checkStoredSettings(
      JSON.stringify({ state: { settings: { ...older, autoBatchSize: true } }, version: 1 }),
    );
    expect(on.ok && on.settings.autoBatchSize).toBe(true);
  });
});
