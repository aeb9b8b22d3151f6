import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../model/config';
import { paramShapes } from '../model/params';
import { clipByGlobalNorm } from './clip';
import {
  addTensorsInto,
  assignFlat,
  clipFlatByGlobalNorm,
  flatLayout,
  layoutOf,
  packTensors,
  shardRange,
  unpackTensors,
  unpackViews,
} from './flat';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const layout = layoutOf([
  ['a', [2, 3]],
  ['b.norm.weight', [4]],
  ['c', [1]],
]);

describe('flat layout', () => {
  it('puts tensors back to back in the given order', () => {
    expect(layout.total).toBe(11);
    expect(layout.entries.map((e) => [e.name, e.offset, e.size])).toEqual([
      ['a', 0, 6],
      ['b.norm.weight', 6, 4],
      ['c', 10, 1],
    ]);
    expect(() =>
      layoutOf([
        ['a', [1]],
        ['a', [2]],
      ]),
    ).toThrow(/twice/);
  });

  it('follows paramShapes for a Llama config', () => {
    const c = { ...PRESETS.tiny.model, vocabSize: 300 };
    const l = flatLayout(c);
    expect(l.entries.map((e) => e.name)).toEqual(paramShapes(c).map(([n]) => n));
    expect(l.total).toBe(paramShapes(c).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0));
  });

  it('packs and unpacks named tensors losslessly, and accumulates into a flat array', async () => {
    const t = new Map<string, tf.Tensor>([
      ['c', tf.tensor1d([9])],
      [
        'a',
        tf.tensor2d([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ],
      ['b.norm.weight', tf.tensor1d([0.5, -1, 7, 8])],
    ]);
    const flat = await packTensors(layout, t);
    expect(Array.from(flat)).toEqual([1, 2, 3, 4, 5, 6, 0.5, -1, 7, 8, 9]);
    const back = unpackTensors(layout, flat);
    expect(back.get('a')!.shape).toEqual([2, 3]);
    expect(await back.get('a')!.array()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    flat[0] = 100; // the tensors hold copies, not views
    expect((await back.get('a')!.data())[0]).toBe(1);
    expect(Array.from(unpackViews(layout, flat).get('b.norm.weight')!)).toEqual([0.5, -1, 7, 8]);
    // A missing name adds nothing; an unknown one throws.
    await addTensorsInto(layout, new Map([['c', t.get('c')!]]), flat);
    expect(flat[10]).toBe(18);
    await expect(addTensorsInto(layout, new Map([['zz', t.get('c')!]]), flat)).rejects.toThrow(/not in the layout/);
    await expect(packTensors(layout, new Map([['c', t.get('c')!]]))).rejects.toThrow(/missing/);
    for (const x of [...t.values(), ...back.values()]) x.dispose();
  });

  it('writes a flat vector back into variables', async () => {
    const vars = new Map(layout.entries.map((e) => [e.name, tf.variable(tf.zeros(e.shape))]));
    const flat = Float32Array.from({ length: layout.total }, (_, i) => i / 4);
    assignFlat(layout, flat, vars);
    expect(Array.from(await packTensors(layout, vars))).toEqual(Array.from(flat));
    for (const v of vars.values()) v.dispose();
  });
});

describe('shardRange', () => {
  it('splits n items into W contiguous parts whose sizes differ by at most 1', () => {
    for (const world of [1, 2, 3, 5]) {
      for (const n of [0, 1, 4, 7, 11]) {
        const parts = Array.from({ length: world }, (_, r) => shardRange(n, r, world));
        expect(parts[0].start).toBe(0);
        expect(parts[world - 1].end).toBe(n);
        for (let r = 1; r < world; r++) expect(parts[r].start).toBe(parts[r - 1].end);
        const sizes = parts.map((p) => p.end - p.start);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
    expect(shardRange(7, 0, 3)).toEqual({ start: 0, end: 3 }); // the first n mod W ranks take one more
    expect(() => shardRange(4, 2, 2)).toThrow(/rank/);
  });
});

describe('clipFlatByGlobalNorm', () => {
  it('matches clip.ts on the same gradients', async () => {
    const grads = new Map([
      ['a', tf.tensor1d([3, 0, 1])],
      ['b', tf.tensor1d([0, 4])],
    ]);
    const l = layoutOf([
      ['a', [3]],
      ['b', [2]],
    ]);
    const flat = await packTensors(l, grads);
    const norm = clipFlatByGlobalNorm(flat, 1);
    const ref = await clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(ref.norm, 6);
    expect(Array.from(flat)).toEqual(Array.from(await packTensors(l, ref.grads)));
    for (const g of ref.grads.values()) g.dispose();
    const small = Float32Array.from([0.3, 0.4]);
    expect(clipFlatByGlobalNorm(small, 1)).toBeCloseTo(0.5, 7);
    expect(Array.from(small)).toEqual([Math.fround(0.3), Math.fround(0.4)]); // below the limit: untouched
    expect(clipFlatByGlobalNorm(Float32Array.from([3, 4]), 0)).toBeCloseTo(5, 6); // 0 disables clipping
  });
});
