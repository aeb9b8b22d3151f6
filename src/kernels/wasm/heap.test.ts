// produce(): tensors written in place, on the wasm heap or through dataSync/tf.tensor elsewhere.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { produce, produceOne } from './heap';
import { liveTensors } from '../../testing/live-tensors';

setWasmPaths(resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`produce on ${backend}`, () => {
    it('fills new tensors from sources, reversing and scaling, with nothing left behind', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
      const before = liveTensors();
      const [rev, twice] = tf.tidy(() => {
        const outs = produce([[6], [2, 3]], ([r, t], read) => {
          const v = read(x);
          for (let i = 0; i < 6; i++) r[i] = v[5 - i];
          for (let i = 0; i < 6; i++) t[i] = 2 * v[i];
        });
        return outs.map((o) => tf.keep(o));
      });
      expect(rev.shape).toEqual([6]);
      expect(twice.shape).toEqual([2, 3]);
      expect(Array.from(await rev.data())).toEqual([6, 5, 4, 3, 2, 1]);
      expect(Array.from(await twice.data())).toEqual([2, 4, 6, 8, 10, 12]);
      // The outputs work as ordinary tensors in later ops.
      const sum = tf.tidy(() => tf.add(rev, tf.reshape(twice, [6])));
      expect(Array.from(await sum.data())).toEqual([8, 9, 10, 11, 12, 13]);
      sum.dispose();
      tf.dispose([rev, twice]);
      expect(liveTensors()).toBe(before);
      x.dispose();
    });

    it('reads sources correctly when its own allocation grows the heap', async () => {
      await tf.setBackend(backend);
      const src = tf.tidy(() => tf.range(0, 1000, 1, 'float32'));
      // 96 MiB of output: more than the heap holds after the tests above, so malloc grows it (which
      // detaches earlier views of a non-shared wasm memory). Sources are read after that.
      const big = produceOne([24 * 1024 * 1024], (out, read) => {
        const v = read(src);
        out.set(v, out.length - 1000);
      });
      const tail = await tf.slice(big, [24 * 1024 * 1024 - 1000], [1000]).data();
      expect(tail[0]).toBe(0);
      expect(tail[999]).toBe(999);
      expect(tail[500]).toBe(500);
      tf.dispose([src, big]);
    });

    it('refuses bad shapes and non-float sources by name', async () => {
      await tf.setBackend(backend);
      expect(() => produce([[2, -1]], () => {})).toThrow('produce: bad shape [2, -1]');
      expect(() => produce([[1.5]], () => {})).toThrow('produce: bad shape [1.5]');
      const ints = tf.tensor1d([1, 2], 'int32');
      if (backend === 'wasm')
        expect(() => produceOne([2], (o, read) => o.set(read(ints)))).toThrow(
          'produce: source tensor must be float32, got int32',
        );
      ints.dispose();
    });
  });
}
