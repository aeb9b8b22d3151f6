import { describe, expect, it } from 'vitest';
import type { ReplicaInfo } from '../core/run-types';
import type { SessionEvent } from '../core/session-events';
import {
  applyEvent,
  beginRun,
  estimateEtaMs,
  initialRunState,
  isRunning,
  latestEvaluation,
  lossSeries,
  requestStop,
  type RunState,
} from './run-events';
import { checkStoredSettings } from './run';
import { formatAutoBatch } from './run-events';
import { checkFromWorker } from '../runtime/train/protocol';
import { defaultSpec } from '../train/spec';

const step = (n: number, loss: number, extra: Partial<Extract<SessionEvent, { type: 'step' }>> = {}): SessionEvent => ({
  type: 'step',
  step: n,
  totalSteps: 4,
  epoch: 1,
  loss,
  lr: n / 10000,
  gradNorm: 1,
  tokensPerSec: 1000 + n,
  elapsedMs: 100 * n,
  skipped: false,
  ...extra,
});

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

const replay = (s: RunState, events: SessionEvent[]) => events.reduce(applyEvent, s);

const preamble: SessionEvent[] = [
  { type: 'status', message: 'loading data' },
  { type: 'backend', backend: 'webgpu', reason: 'WebGPU adapter available', adapter: 'SwiftShader' },
  { type: 'model', paramCount: 123456, vocabSize: 512, preset: 'tiny', trainExamples: 871, validationExamples: 100 },
];

describe('applyEvent', () => {
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

describe('applyEvent: replicas', () => {
  const replica = (rank: number, extra: Partial<ReplicaInfo> = {}): ReplicaInfo => ({
    rank,
    state: 'starting',
    backend: '',
    adapter: '',
    checksum: null,
    optimizerBytes: null,
    ...extra,
  });
  const replicas = (...rs: ReplicaInfo[]): SessionEvent => ({ type: 'replicas', replicas: rs });

  it('starts with no replicas', () => {
    expect(initialRunState.replicas).toEqual([]);
    expect(beginRun().replicas).toEqual([]);
    expect(initialRunState.optimizerBytes).toBeNull();
  });

  it('stores the latest summary whole, each replica as reported', () => {
    let s = applyEvent(beginRun(), replicas(replica(0), replica(1)));
    expect(s.replicas).toEqual([replica(0), replica(1)]);
    s = applyEvent(
      s,
      replicas(
        replica(0, { state: 'running', backend: 'webgpu', adapter: 'NVIDIA H100' }),
        replica(1, { state: 'running', backend: 'wasm', adapter: '' }),
      ),
    );
    expect(s.replicas.map((r) => [r.rank, r.state, r.backend, r.adapter])).toEqual([
      [0, 'running', 'webgpu', 'NVIDIA H100'],
      [1, 'running', 'wasm', ''],
    ]);
    // Checksums are compared bit for bit across replicas: kept as the exact numbers reported.
    const checksum = 0.1 + 0.2;
    s = applyEvent(
      s,
      replicas(
        replica(0, { state: 'done', backend: 'webgpu', checksum, optimizerBytes: 1_234_567 }),
        replica(1, { state: 'failed', backend: 'wasm' }),
      ),
    );
    expect(s.replicas[0]).toEqual(
      replica(0, { state: 'done', backend: 'webgpu', checksum, optimizerBytes: 1_234_567 }),
    );
    expect(Object.is(s.replicas[0].checksum, checksum)).toBe(true);
    expect(s.replicas[1].state).toBe('failed');
    expect(s.replicas[1].checksum).toBeNull();
    expect(s.status).toBe('running'); // the summary is not the run's verdict; 'done'/'error' are
  });

  it('orders replicas by rank and keeps only the known fields', () => {
    const extra = { ...replica(0), html: '<script>' } as ReplicaInfo;
    const s = applyEvent(beginRun(), replicas(replica(2), extra, replica(1)));
    expect(s.replicas.map((r) => r.rank)).toEqual([0, 1, 2]);
    expect(s.replicas[0]).toEqual(replica(0));
    expect('html' in s.replicas[0]).toBe(false);
  });

  it('keeps the replicas after the run ends, and a new run clears them', () => {
    let s = replay(beginRun(), [
      replicas(replica(0, { state: 'done', checksum: 7, optimizerBytes: 64 })),
      { type: 'done', reason: 'finished', steps: 1, elapsedMs: 10, checksum: 7, optimizerBytes: 64 },
    ]);
    expect(s.status).toBe('finished');
    expect(s.replicas).toHaveLength(1);
    expect(s.optimizerBytes).toBe(64);
    s = beginRun();
    expect(s.replicas).toEqual([]);
    expect(s.optimizerBytes).toBeNull();
  });

  it('keeps a failed replica and the error together', () => {
    const s = replay(beginRun(), [
      replicas(replica(0, { state: 'running' }), replica(1, { state: 'failed' })),
      { type: 'error', message: 'worker 1: device lost' },
      { type: 'done', reason: 'finished', steps: 2, elapsedMs: 20, checksum: 3, optimizerBytes: 16 },
    ]);
    expect(s.status).toBe('error');
    expect(s.replicas.map((r) => r.state)).toEqual(['running', 'failed']);
    expect(s.optimizerBytes).toBe(16);
  });

  it('does not mutate the state or the event it is given', () => {
    const s = applyEvent(beginRun(), replicas(replica(0)));
    const snapshot = JSON.stringify(s);
    const e = replicas(replica(1), replica(0, { state: 'running' }));
    const eSnapshot = JSON.stringify(e);
    const next = applyEvent(s, e);
    expect(JSON.stringify(s)).toBe(snapshot);
    expect(JSON.stringify(e)).toBe(eSnapshot);
    expect(next.replicas).not.toBe((e as Extract<SessionEvent, { type: 'replicas' }>).replicas);
    expect(initialRunState.replicas).toEqual([]);
  });
});

describe('estimateEtaMs', () => {
  it('projects the recent pace onto the remaining steps', () => {
    const s = replay(beginRun(), [
      step(1, 6, { elapsedMs: 5000 }),
      step(2, 5, { elapsedMs: 5100 }),
      step(3, 5, { elapsedMs: 5200 }),
    ]);
    // Step 1 reports 5 s (shader compilation) but the pace is the 100 ms between steps; 1 step of 4 left.
    expect(estimateEtaMs(s.steps, 4, 1)).toBeCloseTo(100);
    expect(estimateEtaMs(s.steps, 4)).toBeCloseTo(100);
  });

  it('is null without enough information', () => {
    expect(estimateEtaMs([], 10)).toBeNull();
    expect(estimateEtaMs(replay(beginRun(), [step(1, 6)]).steps, 10)).toBeNull();
    expect(estimateEtaMs(replay(beginRun(), [step(1, 6), step(2, 5)]).steps, 0)).toBeNull();
  });
});

describe('lossSeries', () => {
  it('puts eval loss at the last step of its epoch and turns non-finite losses into gaps', () => {
    const s = replay(beginRun(), [
      step(1, 6),
      step(2, NaN),
      { type: 'epoch', epoch: 1, trainLoss: 5.5, evalLoss: 5.2 },
      step(3, 4, { epoch: 2 }),
    ]);
    expect(lossSeries(s.steps, s.epochs)).toEqual([
      { step: 1, loss: 6 },
      { step: 2, loss: null, evalLoss: 5.2 },
      { step: 3, loss: 4 },
    ]);
  });

  it('thins long runs but keeps the last step', () => {
    const events = Array.from({ length: 101 }, (_, i) => step(i + 1, 10 - i * 0.01, { totalSteps: 101 }));
    const s = replay(beginRun(), events);
    const rows = lossSeries(s.steps, s.epochs, 10);
    expect(rows.length).toBeLessThanOrEqual(12);
    expect(rows[rows.length - 1].step).toBe(101);
  });
});

describe('checkStoredSettings (what the persisted store accepts on reload)', () => {
  const wrap = (settings: unknown) => JSON.stringify({ state: { settings }, version: 1 });

  it('accepts a valid saved spec', () => {
    const saved = { ...defaultSpec('tiny'), learningRate: 1e-3 };
    expect(checkStoredSettings(wrap(saved))).toEqual({ ok: true, settings: saved });
  });

  it('fills fields a newer spec added and drops unknown ones', () => {
    const { validationSize: _dropped, ...older } = defaultSpec('small');
    const r = checkStoredSettings(wrap({ ...older, batchSize: 4, junk: '<b>x</b>' }));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.settings.batchSize).toBe(4);
      expect(r.settings.validationSize).toBe(defaultSpec('small').validationSize);
      expect('junk' in r.settings).toBe(false);
    }
  });

  it('rejects broken JSON and invalid fields, naming the problem', () => {
    const broken = checkStoredSettings('{"state":');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problem).toMatch(/not valid JSON/);
    const bad = checkStoredSettings(wrap({ ...defaultSpec(), learningRate: 5 }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem).toMatch(/learningRate/);
    expect(checkStoredSettings('null').ok).toBe(false);
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
