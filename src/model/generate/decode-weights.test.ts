// Generation through weights transposed once per call (the wasm fast path), or read in place by the
// GEMV kernel for one row, gives the tokens of the reference path and frees what it made. Runs on wasm (where it is on by default) and on cpu with the
// fast path forced on.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LlamaConfig } from '../config';
import { FUSED_GATE_UP, FUSED_QKV, transposedWeights, disposeTransposed } from './decode-weights';
import { generateBatch, greedy, greedyRecompute } from './generate';
import { forward } from '../llama';
import { EMBED, LM_HEAD, disposeParams, initWeights, layerName, toVariables } from '../params';
import { setFastPath } from '../../kernels/path-mode';
import { liveTensors } from '../../testing/live-tensors';

setWasmPaths(resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
afterAll(() => setFastPath('auto'));

const CFG: LlamaConfig = {
  vocabSize: 53,
  hiddenSize: 32,
  intermediateSize: 40,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 64,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: false,
};

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`transposed weights for generation on ${backend}`, () => {
    it('cover every linear weight and the lm_head, untied and tied, and only on the fast path', async () => {
      await tf.setBackend(backend);
      for (const tied of [false, true]) {
        const c = { ...CFG, tieWordEmbeddings: tied };
        const p = toVariables(c, initWeights(c, 3));
        setFastPath('on');
        const wt = transposedWeights(p, c)!;
        const head = tied ? EMBED : LM_HEAD;
        expect(wt.has(head)).toBe(true);
        expect(wt.has(tied ? LM_HEAD : EMBED)).toBe(false);
        expect(wt.size).toBe(2 * (7 + 2) + 1); // 7 projections and 2 fused pairs per layer + the head
        // The fused pairs are the transposed weights side by side: [q | k | v]ᵀ and [gate | up]ᵀ.
        const qkv = wt.get(layerName(1, FUSED_QKV))!;
        const parts = ['q', 'k', 'v'].map((n) => tf.transpose(p.get(layerName(1, `self_attn.${n}_proj.weight`))!));
        expect(qkv.shape).toEqual([32, 32 + 2 * 16]);
        expect(Array.from(await qkv.data())).toEqual(Array.from(await tf.concat(parts, 1).data()));
        const gu = wt.get(layerName(0, FUSED_GATE_UP))!;
        expect(Array.from(await gu.data())).toEqual(
          Array.from(
            await tf
              .concat(
                [
                  tf.transpose(p.get(layerName(0, 'mlp.gate_proj.weight'))!),
                  tf.transpose(p.get(layerName(0, 'mlp.up_proj.weight'))!),
                ],
                1,
              )
              .data(),
          ),
        );
        tf.dispose(parts);
        expect(wt.get(head)!.shape).toEqual([c.hiddenSize, c.vocabSize]);
        expect(Array.from(await wt.get(head)!.data())).toEqual(Array.from(await tf.transpose(p.get(head)!).data()));
        disposeTransposed(wt);
        setFastPath('off');
        expect(transposedWeights(p, c)).toBeUndefined();
        setFastPath('auto');
        disposeParams(p);
      }
    });

    it('greedy, recompute, batched greedy and beam search give the reference tokens, leaving no tensors', async () => {
      await tf.setBackend(backend);
      const p = toVariables(CFG, initWeights(CFG, 5, 0.3)); // large init: peaked, non-trivial logits
      const prompts = [
        [1, 7, 9, 4],
        [1, 22],
      ];
      const run = async (m: 'on' | 'off') => {
        setFastPath(m);
        try {
          return {
            kv: await greedy(p, CFG, prompts[0], { maxNewTokens: 12 }),
            re: await greedyRecompute(p, CFG, prompts[0], { maxNewTokens: 12 }),
            batch: await generateBatch(p, CFG, prompts, { maxNewTokens: 8, eosId: 2, padId: 0 }),
            single: await generateBatch(p, CFG, [prompts[1]], { maxNewTokens: 8, eosId: 2, padId: 0 }), // one row: in place on wasm
            beams: await generateBatch(p, CFG, prompts, { maxNewTokens: 6, eosId: 2, padId: 0, numBeams: 3 }),
          };
        } finally {
          setFastPath('auto');
        }
      };
      const before = liveTensors();
      const fast = await run('on');
      expect(liveTensors()).toBe(before);
      const ref = await run('off');
      expect(fast.kv).toHaveLength(12);
      expect(fast).toEqual(ref);

      // And the logits themselves agree: one forward with and without the transposed weights.
      setFastPath('on');
      const wt = transposedWeights(p, CFG);
      const ids = tf.tensor2d([prompts[0]], [1, 4], 'int32');
      const a = await forward(p, CFG, ids, { transposed: wt }).logits.data();
      setFastPath('off');
      const b = await forward(p, CFG, ids).logits.data();
      setFastPath('auto');
      const scale = Math.max(...Array.from(b, Math.abs));
      expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]))) / scale).toBeLessThan(1e-5);
      disposeTransposed(wt);
      disposeParams(p);
    });
  });
}
