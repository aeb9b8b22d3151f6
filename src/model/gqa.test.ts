// Grouped-query attention is multi-head attention with each key/value head repeated for its G query
// heads (transformers' repeat_kv). So a GQA model must give the logits of the MHA model whose k_proj
// and v_proj rows are repeated that way, on the plain path and the fast path, with and without a cache.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, expect, it } from 'vitest';
import type { LlamaConfig } from './config';
import { disposeCache, forward } from './llama';
import { disposeParams, initWeights, layerName, toVariables } from './params';
import { setFastPath } from '../kernels/path-mode';

afterAll(() => setFastPath('auto'));

const GQA: LlamaConfig = {
  vocabSize: 41,
  hiddenSize: 48,
  intermediateSize: 40,
  numHiddenLayers: 2,
  numAttentionHeads: 6,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 32,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
};

/** The MHA twin: rows of key/value head ⌊h / G⌋ copied to head h. */
function repeatedKV(w: Map<string, Float32Array>, c: LlamaConfig): Map<string, Float32Array> {
  const D = c.hiddenSize / c.numAttentionHeads;
  const G = c.numAttentionHeads / c.numKeyValueHeads;
  const out = new Map(w);
  for (let l = 0; l < c.numHiddenLayers; l++) {
    for (const leaf of ['self_attn.k_proj.weight', 'self_attn.v_proj.weight']) {
      const src = w.get(layerName(l, leaf))!; // (KV·D, C)
      const dst = new Float32Array(c.numAttentionHeads * D * c.hiddenSize); // (H·D, C)
      for (let h = 0; h < c.numAttentionHeads; h++) {
        const kv = Math.floor(h / G);
        dst.set(src.subarray(kv * D * c.hiddenSize, (kv + 1) * D * c.hiddenSize), h * D * c.hiddenSize);
      }
      out.set(layerName(l, leaf), dst);
    }
  }
  return out;
}

it('a GQA model equals its repeat_kv MHA twin, plain and fast path, cached and not', async () => {
  await tf.setBackend('cpu');
  const w = initWeights(GQA, 9, 0.3);
  const gqa = toVariables(GQA, w);
  const mhaConfig = { ...GQA, numKeyValueHeads: GQA.numAttentionHeads };
  const mha = toVariables(mhaConfig, repeatedKV(w, GQA));
  const ids = tf.tensor2d(
    [
      [1, 5, 9, 3, 7, 2],
      [4, 4, 8, 1, 0, 6],
    ],
    [2, 6],
    'int32',
  );
  const logits = async (p: typeof gqa, c: LlamaConfig, cached: boolean) => {
    if (!cached) return forward(p, c, ids).logits.data();
    const first = forward(p, c, tf.slice(ids, [0, 0], [2, 4]), { wantCache: true });
    const next = forward(p, c, tf.slice(ids, [0, 4], [2, 2]), { cache: first.cache });
    disposeCache(first.cache);
    return next.logits.data();
  };
  for (const mode of ['off', 'on'] as const) {
    setFastPath(mode);
    for (const cached of [false, true]) {
      const a = await logits(gqa, GQA, cached);
      const b = await logits(mha, mhaConfig, cached);
      const scale = Math.max(...Array.from(b, Math.abs));
      const err = Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]))) / scale;
      expect(err, `fast path ${mode}, cached ${cached}`).toBeLessThan(1e-5);
      expect(scale).toBeGreaterThan(0.1);
    }
  }
  setFastPath('auto');
  disposeParams(gqa);
  disposeParams(mha);
});
