// Try it decodes with the run's generation settings: plain settings give the single-sequence
// greedy ids it always gave; a penalty or beams give exactly what generateBatch gives evaluation.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readShared } from '../../testing/shared';
import { importModelFiles, type ImportedModel, type ModelFile } from '../io/model-files';
import { disposeParams, toVariables } from '../params';
import { generateBatch, greedy, type GenerationSettings } from './generate';
import { tryModel } from './try-model';

const fixture = (name: string): ModelFile => ({ name, bytes: new Uint8Array(readShared('fixtures', 'llama2c', name)) });
const OFF: GenerationSettings = {
  numBeams: 1,
  lengthPenalty: 1,
  noRepeatNgramSize: 0,
  repetitionPenalty: 1,
  minNewTokens: 0,
};

describe('tryModel', () => {
  let m: ImportedModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    m = importModelFiles([fixture('aidreams260K.bin'), fixture('tok512.bin')]);
  });

  it('uses the generation settings it is given, as evaluation does', async () => {
    const text = 'Once upon a time';
    const prompt = [m.tokenizer.bosId, ...m.tokenizer.encode(text)];
    const p = toVariables(m.config, m.weights);
    const expected = async (s: GenerationSettings) =>
      (await generateBatch(p, m.config, [prompt], { ...s, maxNewTokens: 24, eosId: m.tokenizer.eosId, padId: 0 }))[0];
    const plain = await tryModel(m, text, { ...OFF, maxNewTokens: 24, summarize: false });
    expect(plain.ids).toEqual(await greedy(p, m.config, prompt, { maxNewTokens: 24, eosId: m.tokenizer.eosId }));
    expect(plain.text).toBe(m.tokenizer.decode(plain.ids));
    for (const s of [
      { ...OFF, repetitionPenalty: 1.5 },
      { ...OFF, noRepeatNgramSize: 1 },
      { ...OFF, numBeams: 3 },
    ]) {
      const got = await tryModel(m, text, { ...s, maxNewTokens: 24, summarize: false });
      expect(got.ids, JSON.stringify(s)).toEqual(await expected(s));
      expect(got.ids, JSON.stringify(s)).not.toEqual(plain.ids);
    }
    disposeParams(p);
  });
});
