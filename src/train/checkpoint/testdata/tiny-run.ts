// Shared by the checkpoint tests: a tiny model, twelve examples and a two-epoch spec whose every
// piece of state (schedule position, clipping, decay) must come back from a checkpoint, and
// bit-for-bit comparisons of what was saved with what was read back.
import { expect } from 'vitest';
import { IGNORE_INDEX, type Example } from '../../../core/example';
import { mulberry32 } from '../../../core/prng';
import { configFor, PRESETS, type LlamaConfig } from '../../../model/config';
import { flatLayout } from '../../flat';
import type { OptimizerState } from '../../optimizer-state';
import { defaultSpec, type RunSpec } from '../../spec';

export const config: LlamaConfig = configFor(PRESETS.tiny, 300);
export const P = flatLayout(config).total;

// Twelve short synthetic examples: labels are the next token over the "summary" half.
const rnd = mulberry32(3);
export const examples: Example[] = Array.from({ length: 12 }, (_, k) => {
  const n = 6 + (k % 5);
  const inputIds = Array.from({ length: n }, () => 4 + Math.floor(rnd() * 290));
  return { inputIds, labels: inputIds.map((_, t) => (t >= 2 && t < n - 1 ? inputIds[t + 1] : IGNORE_INDEX)) };
});

// 12 examples / batch 4 = 3 steps an epoch, 6 in all; warmup and linear decay so the schedule
// position matters, clipping and decay on, so every piece of state has to come back right.
export const spec: RunSpec = {
  ...defaultSpec('tiny'),
  batchSize: 4,
  epochs: 2,
  warmupRatio: 0.34,
  learningRate: 3e-3,
  maxGradNorm: 0.5,
  weightDecay: 0.1,
  seed: 9,
  validationSize: 0,
};

/** Bit-for-bit equality of float arrays (NaN payloads included); vitest's toEqual walks 10⁵ elements slowly. */
export function expectSameBits(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const i = x.findIndex((bits, k) => bits !== y[k]);
  expect(i === -1 ? 'identical' : `first difference at ${i}: ${a[i]} vs ${b[i]}`).toBe('identical');
}
export const expectSameState = (a: OptimizerState, b: OptimizerState) => {
  expect(a.step).toBe(b.step);
  expectSameBits(a.m, b.m);
  expectSameBits(a.v, b.v);
};
