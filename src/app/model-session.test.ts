import 'fake-indexeddb/auto';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { configToHF } from '../model/io/hf-llama';
import { importPickedAdapter, importPickedModel } from '../model/io/picked';
import { readShared } from '../testing/shared';
import { ModelSession, type ModelFileReader, type ModelsChange } from './model-session';
import { TINY } from '../reliability/fixtures';
import { loadModels } from './model-storage';

// The session with the model-file worker's work done in-process (the same model/io/picked.ts
// functions the worker calls): a refused pick changes nothing the user had, in memory or stored.

const read = (picked: File[]) =>
  Promise.all(picked.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
const inProcess: ModelFileReader = {
  model: async (picked) => importPickedModel(await read(picked)),
  adapter: async (picked, config, baseId) => importPickedAdapter(await read(picked), config.bytes, baseId),
};
const fixture = (name: string) => new File([new Uint8Array(readShared('fixtures', 'llama2c', name))], name);
const text = (name: string, s: string) => new File([s], name);
/** A tiny Llama's shape, for a config.json to break. */
const PRESET = TINY;

describe('ModelSession with picked files', () => {
  it('a refused model or adapter leaves the base, the trained model and storage as they were', async () => {
    const changes: ModelsChange[] = [];
    const session = new ModelSession((c) => changes.push(c), undefined, inProcess);
    await session.importFiles([fixture('aidreams260K.bin'), fixture('tok512.bin')]);
    const base = session.base!;
    expect(base.label).toBe('Imported aidreams260K.bin, tok512.bin');
    expect(base.files.map((f) => f.name)).toContain('model.safetensors');
    const seen = changes.length;

    const layers = JSON.stringify({ ...configToHF(PRESET), num_hidden_layers: 100_000 });
    await expect(
      session.importFiles([text('config.json', layers), text('tokenizer.json', '{}'), text('model.safetensors', '')]),
    ).rejects.toThrow(/^model config: num_hidden_layers 100,000 is beyond the 256 the studio supports$/);
    const many = zipSync(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, new Uint8Array(1)])));
    await expect(session.importFiles([new File([many], 'many.zip')])).rejects.toThrow(
      /^many\.zip: a zip of at most 4,096 entries is read; this one has 5,000$/,
    );
    await expect(session.importAdapter([new File([many], 'adapter.zip')])).rejects.toThrow(
      /^adapter\.zip: a zip of at most 4,096 entries is read; this one has 5,000$/,
    );

    expect(session.base).toBe(base);
    expect(session.trained).toBeNull();
    expect(changes.length).toBe(seen); // nothing was reported changed
    const stored = await loadModels();
    expect(stored.base?.label).toBe(base.label);
    expect(stored.trained).toBeUndefined();
  });

  it('a label names a few of the picked files and counts the rest', async () => {
    const accept: ModelFileReader = { ...inProcess, model: async () => ({ files: [], notes: [] }) };
    const session = new ModelSession(() => {}, undefined, accept);
    await session.importFiles(Array.from({ length: 60_000 }, (_, i) => text(`shard-${i}.safetensors`, '')));
    expect(session.base!.label).toBe(
      'Imported shard-0.safetensors, shard-1.safetensors, shard-2.safetensors and 59,997 more',
    );
  });
});
