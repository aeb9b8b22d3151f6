// Kept constants: made once per backend and key, untouched by tidy, the least recently used
// dropped past the bound, and made again when something disposed them.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { cachedConstant, clearConstants, scalarConst } from './constants';

beforeEach(async () => {
  await tf.setBackend('cpu');
  clearConstants();
});

describe('cachedConstant', () => {
  it('makes a constant once and keeps it through tidy', () => {
    let made = 0;
    const make = () => {
      made += 1;
      return tf.add(tf.tensor1d([1, 2]), 1); // the intermediate is freed by make's own tidy
    };
    const before = tf.memory().numTensors;
    const a = tf.tidy(() => cachedConstant('k', make));
    const b = tf.tidy(() => {
      const t = cachedConstant('k', make);
      return tf.mul(t, 2); // used and left behind inside a tidy
    });
    expect(made).toBe(1);
    expect(a.isDisposed).toBe(false);
    expect(Array.from(a.dataSync())).toEqual([2, 3]);
    expect(Array.from(b.dataSync())).toEqual([4, 6]);
    expect(tf.memory().numTensors).toBe(before + 2); // the constant and b, nothing else
    b.dispose();
  });

  it('remakes a constant someone disposed, and drops the least recently used past 64', () => {
    const first = cachedConstant('first', () => tf.scalar(1));
    first.dispose();
    const again = cachedConstant('first', () => tf.scalar(1));
    expect(again).not.toBe(first);
    expect(again.isDisposed).toBe(false);
    for (let i = 0; i < 64; i++) cachedConstant(`k${i}`, () => tf.scalar(i));
    expect(again.isDisposed).toBe(true); // 65 keys: 'first' was the oldest
    expect(cachedConstant('k63', () => tf.scalar(-1)).dataSync()[0]).toBe(63); // still cached
  });

  it('scalarConst gives the bits tfjs makes from the number, -0 apart from 0', () => {
    const x = tf.tensor1d([0.1, -3, 7e-8]);
    const viaNumber = tf.mul(x, 1 / Math.sqrt(24)).dataSync();
    const viaConst = tf.mul(x, scalarConst(1 / Math.sqrt(24))).dataSync();
    expect(Array.from(viaConst)).toEqual(Array.from(viaNumber));
    expect(Object.is(scalarConst(-0).dataSync()[0], -0)).toBe(true);
    expect(Object.is(scalarConst(0).dataSync()[0], 0)).toBe(true);
    expect(scalarConst(0.5)).toBe(scalarConst(0.5));
  });
});
