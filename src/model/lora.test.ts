// LoRA in the model (lora.ts, llama.ts): PEFT's initialisation, B = 0 leaves the base's logits bit
// for bit, merged weights give the unmerged model's logits, and generation of an adapted model is
// generation of its merged model — on cpu (plain ops), cpu with the fast path forced on, and wasm.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/prng';
import { setFastPath } from '../kernels/path-mode';
import { relErr } from '../testing/rel-err';
import { ADAMW_DEFAULTS, AdamW } from '../train/adamw';
import { trainStep } from '../train/step';
import type { LlamaConfig } from './config';
import { countParams } from './config';
import { generateBatch, greedy } from './generate/generate';
import { forward } from './llama';
import {
  adapterParamCount,
  baseWeightName,
  initLora,
  loraShapes,
  mergeLora,
  moduleDims,
  splitAdapters,
  withMergedLora,
  withoutLora,
} from './lora';
import { loraAName, loraBName, LORA_MODULES, type LoraConfig } from './lora-config';
import { disposeParams, initWeights, isNormWeight, paramShapes, readWeights, toVariables } from './params';
import { liveTensors } from '../testing/live-tensors';

setWasmPaths(resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
afterAll(() => setFastPath('auto'));

const BASE: LlamaConfig = {
  vocabSize: 61,
  hiddenSize: 32,
  intermediateSize: 40,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 64,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
};
const QV: LoraConfig = { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj'] };
const ALL: LoraConfig = { r: 3, alpha: 12, dropout: 0, targetModules: [...LORA_MODULES] };
const adapted = (l: LoraConfig): LlamaConfig => ({ ...BASE, lora: l });
const B = 2;
const T = 20; // ≥ FAST_PATH_MIN_ROWS rows per pass, so the fast path really runs

const ids = () => {
  const rand = mulberry32(5);
  return tf.tensor2d(
    Int32Array.from({ length: B * T }, () => Math.floor(rand() * BASE.vocabSize)),
    [B, T],
    'int32',
  );
};

/** Bits of a float32 array, for exact comparisons that tell -0 from 0 and one ulp apart. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

async function logitsOf(c: LlamaConfig, w: Map<string, Float32Array>): Promise<Float32Array> {
  const p = toVariables(c, w);
  const x = ids();
  const { logits } = forward(p, c, x);
  const out = (await logits.data()) as Float32Array;
  logits.dispose();
  x.dispose();
  disposeParams(p);
  return out;
}

/** Adapters with B random too (as after training), scaled so the adapted model visibly differs. */
function randomAdapters(c: LlamaConfig, seed: number, scale: number): Map<string, Float32Array> {
  const rand = mulberry32(seed);
  const a = initLora(c, seed);
  for (const [name, shape] of loraShapes(c))
    if (name.includes('.lora_B.'))
      a.set(
        name,
        Float32Array.from({ length: shape[0] * shape[1] }, () => scale * (2 * rand() - 1)),
      );
  return a;
}

describe('LoRA adapters: shapes and initialisation', () => {
  it('A (r, in) and B (out, r) per targeted module; counts as PEFT prints them', () => {
    const D = BASE.hiddenSize / BASE.numAttentionHeads;
    const kv = BASE.numKeyValueHeads * D;
    const C = BASE.hiddenSize;
    // q: r·C + C·r; v: r·C + kv·r — per layer
    expect(adapterParamCount(adapted(QV))).toBe(BASE.numHiddenLayers * (2 * QV.r * C + QV.r * C + kv * QV.r));
    expect(adapterParamCount(BASE)).toBe(0);
    const shapes = new Map(loraShapes(adapted(ALL)));
    expect(shapes.size).toBe(2 * 7 * BASE.numHiddenLayers);
    expect(shapes.get(loraAName(1, 'down_proj'))).toEqual([3, BASE.intermediateSize]);
    expect(shapes.get(loraBName(1, 'down_proj'))).toEqual([C, 3]);
    expect(shapes.get(loraBName(0, 'k_proj'))).toEqual([kv, 3]);
    const base = new Map(paramShapes(BASE));
    for (const m of LORA_MODULES) expect(base.get(baseWeightName(0, m)), m).toEqual(moduleDims(BASE, m));
  });

  it('A is kaiming_uniform_(a=√5) = U(−1/√in, 1/√in), B is zero, the same bits for the same seed', () => {
    const c = adapted(ALL);
    const a = initLora(c, 11);
    const again = initLora(c, 11);
    const other = initLora(c, 12);
    for (const [name, shape] of loraShapes(c)) {
      const w = a.get(name)!;
      expect(bits(again.get(name)!)).toEqual(bits(w));
      if (name.includes('.lora_B.')) {
        expect(w.every((x) => x === 0)).toBe(true);
        continue;
      }
      const bound = 1 / Math.sqrt(shape[1]);
      const max = w.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.8 * bound); // spread over the whole range, not a narrower one
      expect(bits(other.get(name)!)).not.toEqual(bits(w));
    }
  });
});

for (const backend of ['cpu', 'cpu-fast', 'wasm'] as const) {
  describe(`LoRA forward on ${backend}`, () => {
    const setup = async () => {
      expect(await tf.setBackend(backend === 'cpu-fast' ? 'cpu' : backend)).toBe(true);
      setFastPath(backend === 'cpu' ? 'off' : 'on');
    };

    it('B = 0: logits bit-identical to the base model, for q/v and for every linear layer', async () => {
      await setup();
      const base = initWeights(BASE, 3);
      const ref = await logitsOf(BASE, base);
      for (const l of [QV, ALL]) {
        const c = adapted(l);
        const got = await logitsOf(c, new Map([...base, ...initLora(c, 4)]));
        expect(bits(got)).toEqual(bits(ref));
        // The same check with B ≠ 0 fails: the adapters are really in the forward.
        const moved = await logitsOf(c, new Map([...base, ...randomAdapters(c, 4, 0.05)]));
        expect(relErr(moved, ref)).toBeGreaterThan(1e-3);
      }
    });

    it('after training steps (B ≠ 0): merged logits equal unmerged to 1e-5; the tensor merge equals the array merge', async () => {
      await setup();
      const c = adapted(ALL);
      const p = toVariables(c, new Map([...initWeights(BASE, 3), ...initLora(c, 4)]));
      const rand = mulberry32(9);
      const opt = new AdamW({ ...ADAMW_DEFAULTS, weightDecay: 0.01, decays: (n) => !isNormWeight(n) });
      for (let s = 0; s < 3; s++) {
        const tokens = Array.from({ length: B * T }, () => Math.floor(rand() * BASE.vocabSize));
        const batch = {
          ids: Int32Array.from(tokens),
          labels: Int32Array.from(tokens, (_, i) => (i % T < T - 1 ? tokens[i + 1] : -100)),
          batchSize: B,
          seqLen: T,
        };
        const r = await trainStep(p, c, batch, opt, 1e-2, 1);
        expect(r.applied).toBe(true);
      }
      opt.dispose();
      const trained = await readWeights(p);
      disposeParams(p);
      const { adapters } = splitAdapters(trained);
      for (const [name, w] of adapters)
        if (name.includes('.lora_B.'))
          expect(
            w.some((x) => x !== 0),
            name,
          ).toBe(true);
      const merged = mergeLora(c, trained);
      expect(merged.config.lora).toBeUndefined();
      expect([...merged.weights.keys()].sort()).toEqual(
        paramShapes(BASE)
          .map(([n]) => n)
          .sort(),
      );
      const unmergedLogits = await logitsOf(c, trained);
      const mergedLogits = await logitsOf(merged.config, merged.weights);
      const baseLogits = await logitsOf(BASE, splitAdapters(trained).base);
      let diff = 0;
      for (let i = 0; i < mergedLogits.length; i++)
        diff = Math.max(diff, Math.abs(mergedLogits[i] - unmergedLogits[i]));
      expect(diff).toBeLessThan(1e-5);
      expect(relErr(unmergedLogits, baseLogits)).toBeGreaterThan(1e-4); // training moved the model
      // withMergedLora (tensors, for generation) computes the same W + s·BA as mergeLora (arrays).
      const q = toVariables(c, trained);
      await withMergedLora(q, c, async (mp, mc) => {
        expect(mc).toEqual(withoutLora(c));
        const w = await readWeights(mp);
        expect([...w.keys()].sort()).toEqual([...merged.weights.keys()].sort());
        for (const [name, a] of merged.weights) expect(relErr(w.get(name)!, a), name).toBeLessThan(1e-6);
      });
      disposeParams(q);
    });

    it('generation of an adapted model equals generation of its merged model (greedy, batched greedy, beams)', async () => {
      await setup();
      const c = adapted(QV);
      const weights = new Map([...initWeights(BASE, 3), ...randomAdapters(c, 4, 0.5)]);
      const merged = mergeLora(c, weights);
      const pa = toVariables(c, weights);
      const pm = toVariables(merged.config, merged.weights);
      const pb = toVariables(BASE, splitAdapters(weights).base);
      const prompts = [
        [1, 5, 9, 13],
        [1, 7, 7, 2, 30, 41],
      ];
      const o = { maxNewTokens: 12, eosId: 60, padId: 0 };
      const before = liveTensors();
      const adaptedOut = await generateBatch(pa, c, prompts, o);
      expect(liveTensors()).toBe(before); // the merged tensors are freed
      expect(adaptedOut).toEqual(await generateBatch(pm, merged.config, prompts, o));
      expect(adaptedOut).not.toEqual(await generateBatch(pb, BASE, prompts, o)); // the adapter matters
      expect(await generateBatch(pa, c, prompts, { ...o, numBeams: 3 })).toEqual(
        await generateBatch(pm, merged.config, prompts, { ...o, numBeams: 3 }),
      );
      expect(await greedy(pa, c, prompts[1], o)).toEqual(await greedy(pm, merged.config, prompts[1], o));
      for (const p of [pa, pm, pb]) disposeParams(p);
    });
  });
}

describe('LoRA dropout', () => {
  it('training passes drop (seeded: same seed, same logits); without a seed there is none', async () => {
    await tf.setBackend('cpu');
    setFastPath('auto');
    const c = adapted({ ...QV, dropout: 0.3 });
    const p = toVariables(c, new Map([...initWeights(BASE, 3), ...randomAdapters(c, 4, 0.5)]));
    const run = async (dropoutSeed?: number) => {
      const x = ids();
      const { logits } = forward(p, c, x, { dropoutSeed });
      x.dispose();
      const out = (await logits.data()) as Float32Array;
      logits.dispose();
      return out;
    };
    const evalLogits = await run();
    const noDropout = toVariables(adapted(QV), await readWeights(p));
    const x = ids();
    const ref = forward(noDropout, adapted(QV), x).logits;
    expect(bits(evalLogits)).toEqual(bits((await ref.data()) as Float32Array));
    ref.dispose();
    x.dispose();
    disposeParams(noDropout);
    const a = await run(1);
    expect(bits(await run(1))).toEqual(bits(a));
    expect(relErr(a, evalLogits)).toBeGreaterThan(1e-4);
    expect(relErr(await run(2), a)).toBeGreaterThan(1e-4);
    disposeParams(p);
  });

  it('merged config and counts: the base count is unchanged by lora', () => {
    expect(countParams(adapted(QV))).toBe(countParams(BASE));
    expect(withoutLora(adapted(QV))).toEqual(BASE);
  });
});
