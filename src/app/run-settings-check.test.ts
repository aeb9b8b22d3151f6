// The page's model for the settings check: the base's config.json when a base is chosen, else the
// preset's fresh model; the data's counts from the loaded pairs.
import { describe, expect, it } from 'vitest';
import { baseModel, checkPageSettings, dataSize, runModel } from './run-settings-check';
import type { StoredModel } from './model-storage';
import { defaultSpec } from '../train/spec';

const config = (extra: Record<string, unknown> = {}) => ({
  model_type: 'llama',
  architectures: ['LlamaForCausalLM'],
  vocab_size: 300,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 4096,
  ...extra,
});
const stored = (files: StoredModel['files']): StoredModel => ({
  slot: 'base',
  label: 'Imported m.zip',
  notes: [],
  files,
  savedAt: '2026-12-05T00:00:00Z',
});
const json = (name: string, v: unknown) => ({ name, bytes: new TextEncoder().encode(JSON.stringify(v)) });

describe('the model a run trains, for the settings check', () => {
  it("a base's positions come from its config.json, and override the preset's", () => {
    const base = stored([json('config.json', config())]);
    expect(baseModel(base)).toEqual({ positions: 4096, name: 'the base model' });
    expect(runModel({ preset: 'small' }, base)).toEqual({ positions: 4096, name: 'the base model' });
    // 2000 + 64 is past the small preset's 640 positions, but this base has 4096.
    expect(
      checkPageSettings({ ...defaultSpec(), maxSourceLength: 2000 }, base, { trainPairs: null, validationPairs: null })
        .issues,
    ).toEqual({});
  });

  it("HF's default of 2048 when config.json omits max_position_embeddings", () => {
    const { max_position_embeddings: _omitted, ...noPositions } = config();
    expect(baseModel(stored([json('config.json', noPositions)]))?.positions).toBe(2048);
  });

  it('no fresh-preset fallback for a base whose files are missing: unknown (the run refuses it itself)', () => {
    expect(runModel({ preset: 'tiny' }, stored([]))).toBeNull();
    expect(runModel({ preset: 'tiny' }, stored([{ name: 'config.json', bytes: new Uint8Array([0x7b]) }]))).toBeNull();
  });

  it('no base: the fresh preset', () => {
    expect(runModel({ preset: 'tiny' }, null)).toEqual({ positions: 256, name: 'the fresh tiny preset' });
  });

  it('data counts: validation null when there is no validation split, nothing before data is loaded', () => {
    expect(dataSize([1, 2, 3], null)).toEqual({ train: 3, validation: null });
    expect(dataSize([1, 2, 3], [4])).toEqual({ train: 3, validation: 1 });
    expect(dataSize(null, null)).toBeNull();
  });
});
