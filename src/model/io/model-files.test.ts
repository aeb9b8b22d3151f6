import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readShared, readSharedText } from '../../testing/shared';
import { greedy } from '../generate/generate';
import { forward } from '../llama';
import { loadLlama2c } from './llama2c';
import { expandModelFiles, exportModelFiles, importModelFiles, zipModelFiles, type ModelFile } from './model-files';
import { disposeParams, toVariables } from '../params';
import { readSafetensors } from './safetensors';

const fixture = (name: string): ModelFile => ({ name, bytes: new Uint8Array(readShared('fixtures', 'llama2c', name)) });
const llama2cFiles = () => [fixture('aidreams260K.bin'), fixture('tok512.bin')];
const referenceIds = () =>
  JSON.parse(
    readSharedText('fixtures/llama2c/greedy_from_BOS_64.txt')
      .split('\n')[0]
      .replace(/^ids\s*/, ''),
  ) as number[];

async function logitsOf(
  m: { config: Parameters<typeof toVariables>[0]; weights: Map<string, Float32Array> },
  ids: number[],
): Promise<Float32Array> {
  const p = toVariables(m.config, m.weights);
  const { logits } = forward(p, m.config, tf.tensor2d([ids], [1, ids.length], 'int32'));
  const out = (await logits.data()) as Float32Array;
  logits.dispose();
  disposeParams(p);
  return out;
}

describe('model files in and out', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('imports the llama2.c pair: tokenizer converted, pad added, old logits and the reference greedy ids unchanged', async () => {
    const m = importModelFiles(llama2cFiles());
    expect(m.config.vocabSize).toBe(513); // 512 + the added pad
    expect(m.tokenizer.padId).toBe(512);
    expect(m.notes.join(' ')).toMatch(/grown from 512 to 513/);
    const plain = loadLlama2c(fixture('aidreams260K.bin').bytes);
    const ids = [1, ...m.tokenizer.encode('Once upon a time')];
    const a = await logitsOf(m, ids);
    const b = await logitsOf(plain, ids);
    for (let t = 0; t < ids.length; t++)
      expect(a.subarray(t * 513, t * 513 + 512)).toEqual(b.subarray(t * 512, (t + 1) * 512));
    const p = toVariables(m.config, m.weights);
    expect(await greedy(p, m.config, [1], { maxNewTokens: 64, stopIds: [1] })).toEqual(referenceIds());
    disposeParams(p);
  });

  it('export → zip → import round-trips logits and tokenization exactly', async () => {
    const m = importModelFiles(llama2cFiles());
    const files = exportModelFiles(m.config, m.weights, m.tokenizer);
    expect(files.map((f) => f.name)).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const config = JSON.parse(new TextDecoder().decode(files[0].bytes));
    expect(config).toMatchObject({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      vocab_size: 513,
      pad_token_id: 512,
      bos_token_id: 1,
      eos_token_id: 2,
    });
    expect(readSafetensors(files[2].bytes).metadata).toMatchObject({ format: 'pt' });

    const back = importModelFiles([{ name: 'model-hf.zip', bytes: zipModelFiles(files) }]);
    expect(back.config).toEqual(m.config);
    expect(back.tokenizer.addedPadToken).toBe(false); // the pad travels in tokenizer.json now
    const text = 'The BBC said on Tuesday that naïve café prices rose £5.';
    expect(back.tokenizer.encode(text)).toEqual(m.tokenizer.encode(text));
    const ids = [1, ...m.tokenizer.encode(text)];
    expect(await logitsOf(back, ids)).toEqual(await logitsOf(m, ids));
  });

  it('names what is missing or wrong', () => {
    const hf = exportModelFiles(
      ...(() => {
        const m = importModelFiles(llama2cFiles());
        return [m.config, m.weights, m.tokenizer] as const;
      })(),
    );
    const without = (name: string) => hf.filter((f) => f.name !== name);
    expect(() => importModelFiles(without('tokenizer.json'))).toThrow(/tokenizer\.json is missing/);
    expect(() => importModelFiles(without('model.safetensors'))).toThrow(/model\.safetensors is missing/);
    expect(() =>
      importModelFiles([
        ...without('model.safetensors'),
        { name: 'pytorch_model.bin', bytes: Uint8Array.of(0x50, 0x4b, 3, 4) },
      ]),
    ).toThrow(/pickle weights are not read/);
    expect(() => importModelFiles([fixture('aidreams260K.bin')])).toThrow(/needs its tokenizer \.bin/);
    expect(() => importModelFiles([fixture('tok512.bin')])).toThrow(/no llama2\.c checkpoint/);
    expect(() => importModelFiles([{ name: 'x.zip', bytes: new Uint8Array(10) }])).toThrow(/x\.zip: not a zip archive/);
    expect(() => importModelFiles([{ name: 'notes.txt', bytes: new Uint8Array(1) }])).toThrow(/not a model/);
    const badConfig = hf.map((f) =>
      f.name === 'config.json' ? { ...f, bytes: new TextEncoder().encode('{"model_type": "gpt2"}') } : f,
    );
    expect(() => importModelFiles(badConfig)).toThrow(/model_type "gpt2" is not supported/);
    const broken = hf.map((f) => (f.name === 'config.json' ? { ...f, bytes: new TextEncoder().encode('{oops') } : f));
    expect(() => importModelFiles(broken)).toThrow(/config\.json: not valid JSON/);
    expect(() => expandModelFiles([hf[0], { name: 'dir/config.json', bytes: hf[0].bytes }])).toThrow(
      /two files are named config\.json/,
    );
  });
});
