// decodeStep (one position per row through fused weights and JavaScript passes) against forward()
// on the plain path: logits and the extended cache, with and without a cache, left padding and
// per-row rotary offsets, GQA and MHA, tied and untied heads.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorRelErr } from '../../testing/rel-err';
import type { LlamaConfig } from '../config';
import { canDecodeStep, decodeStep, decodesInPlace } from './decode-step';
import { disposeTransposed, transposedWeights } from './decode-weights';
import { disposeCache, forward, type KVCache } from '../llama';
import { disposeParams, initWeights, toVariables } from '../params';
import { setFastPath } from '../../kernels/path-mode';
import { liveTensors } from '../../testing/live-tensors';

setWasmPaths(resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
afterAll(() => setFastPath('auto'));

const BASE: LlamaConfig = {
  vocabSize: 47,
  hiddenSize: 48,
  intermediateSize: 56,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 64,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: false,
};

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`decodeStep on ${backend}`, () => {
    for (const [label, c] of [
      ['GQA, untied', BASE],
      ['MHA, tied', { ...BASE, numKeyValueHeads: 4, tieWordEmbeddings: true }],
    ] as const) {
      it(`equals forward() with a cache, padding and offsets (${label})`, async () => {
        await tf.setBackend(backend);
        const p = toVariables(c, initWeights(c, 21, 0.3));
        setFastPath('on');
        const wt = transposedWeights(p, c);
        expect(canDecodeStep(c, 2, wt)).toBe(true);
        expect(canDecodeStep(c, 2, undefined)).toBe(false);
        // One row reads the weights in place through the GEMV kernel, on wasm only.
        expect(decodesInPlace(c, 1)).toBe(backend === 'wasm');
        expect(canDecodeStep(c, 1, undefined)).toBe(backend === 'wasm');
        setFastPath('off'); // the reference is the plain path
        expect(decodesInPlace(c, 1)).toBe(false);
        const decode = (...args: Parameters<typeof decodeStep>) => {
          setFastPath('on');
          try {
            return decodeStep(...args);
          } finally {
            setFastPath('off');
          }
        };
        const before = liveTensors();
        // Row 0 is left-padded by 2: its first real token sits at rotary position 0.
        const prompt = tf.tensor2d(
          [
            [0, 0, 5, 9, 3],
            [7, 1, 4, 4, 2],
          ],
          [2, 5],
          'int32',
        );
        const keyMask = tf.tensor2d([
          [0, 0, 1, 1, 1, 1],
          [1, 1, 1, 1, 1, 1],
        ]);
        const promptMask = tf.slice(keyMask, [0, 0], [2, 5]) as tf.Tensor2D;
        const first = forward(p, c, prompt, { wantCache: true, keyMask: promptMask, positionOffsets: [2, 0] });
        const next = tf.tensor2d([[11], [30]], [2, 1], 'int32');
        const opts = { cache: first.cache, keyMask, positionOffsets: [2, 0], wantCache: true };
        const ref = forward(p, c, next, opts);
        const got = decode(p, c, next, wt!, opts);
        expect(await tensorRelErr(got.logits, ref.logits)).toBeLessThan(1e-5);
        expect(got.cache.length).toBe(6);
        for (let l = 0; l < c.numHiddenLayers; l++) {
          expect(await tensorRelErr(got.cache.k[l], ref.cache.k[l])).toBeLessThan(1e-5);
          expect(await tensorRelErr(got.cache.v[l], ref.cache.v[l])).toBeLessThan(1e-5);
        }
        // No cache at all: the first token of an empty context (one row: in place on wasm).
        const bos = tf.tensor2d([[1]], [1, 1], 'int32');
        const a = decode(p, c, bos, wt!, { wantCache: true });
        const b = forward(p, c, bos, { wantCache: true });
        expect(await tensorRelErr(a.logits, b.logits)).toBeLessThan(1e-5);
        // One row on top of a cache and a key mask, without the transposed weights where it can.
        const one = tf.tensor2d([[30]], [1, 1], 'int32');
        const row1 = {
          cache: {
            k: first.cache!.k.map((t) => tf.slice(t, [1, 0, 0, 0], [1, -1, -1, -1])),
            v: first.cache!.v.map((t) => tf.slice(t, [1, 0, 0, 0], [1, -1, -1, -1])),
            length: 5,
          } as KVCache,
          keyMask: tf.slice(keyMask, [1, 0], [1, 6]) as tf.Tensor2D,
          wantCache: true,
        };
        const d = decode(p, c, one, backend === 'wasm' ? undefined : wt, row1);
        const e = forward(p, c, one, row1);
        expect(await tensorRelErr(d.logits, e.logits)).toBeLessThan(1e-5);
        for (let l = 0; l < c.numHiddenLayers; l++)
          expect(await tensorRelErr(d.cache.k[l], e.cache.k[l])).toBeLessThan(1e-5);
        disposeCache(row1.cache);
        tf.dispose([one, row1.keyMask]);
        for (const r of [first, ref, got, a, b, d, e] as { logits: tf.Tensor; cache: KVCache }[]) {
          r.logits.dispose();
          disposeCache(r.cache);
        }
        tf.dispose([prompt, keyMask, promptMask, next, bos]);
        expect(liveTensors()).toBe(before);
        expect(() => decode(p, c, prompt, wt!, {})).toThrow('decodeStep: one new position per row, got 5');
        expect(() => decode(p, c, next, undefined, {})).toThrow(
          'decodeStep: 2 row(s) need the fused transposed weights',
        );
        setFastPath('auto');
        disposeTransposed(wt);
        disposeParams(p);
      });
    }
  });
}
