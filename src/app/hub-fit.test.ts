import { describe, expect, it } from 'vitest';
import { PRESETS, type LlamaConfig } from '../model/config';
import { defaultSpec } from '../train/spec';
import { backendOffer, WASM_HEAP_MAX } from './backend-offer';
import { hubFit } from './hub-fit';

const tiny: LlamaConfig = { ...PRESETS.tiny.model, vocabSize: 512 };
// SmolLM2-360M's shape: 32 layers, d 960, 15 heads / 5 KV, SwiGLU 2560, vocabulary 49152, tied.
const smol360: LlamaConfig = {
  ...tiny,
  hiddenSize: 960,
  intermediateSize: 2560,
  numHiddenLayers: 32,
  numAttentionHeads: 15,
  numKeyValueHeads: 5,
  vocabSize: 49152,
  maxPositionEmbeddings: 8192,
};
const spec = { ...defaultSpec('small'), batchSize: 4 };

describe('hubFit', () => {
  it('judges Full and LoRA against the wasm heap: LoRA needs less, a 360M Full run does not fit 4 GiB', async () => {
    const wasm = await backendOffer('wasm');
    expect(wasm).toMatchObject({ backend: 'wasm', bytes: WASM_HEAP_MAX });
    const [full, lora] = hubFit(tiny, spec, wasm);
    expect([full.method, lora.method]).toEqual(['full', 'lora']);
    expect(full.verdict).toBe('fits');
    expect(lora.memory.total).toBeLessThan(full.memory.total);
    const [bigFull, bigLora] = hubFit(smol360, spec, wasm);
    expect(bigFull.verdict).toBe('too-big'); // 16 bytes × 362M parameters alone is 5.8 GB
    expect(bigFull.text).toMatch(/over what wasm offers/);
    expect(bigLora.memory.optimizer).toBe(8 * bigLora.memory.trainableParameters);
  });

  it('on WebGPU it cannot know the total, but refuses a buffer over the adapter limit', async () => {
    const nav = {
      gpu: { requestAdapter: async () => ({ limits: { maxBufferSize: 256e6, maxStorageBufferBindingSize: 128e6 } }) },
    };
    const gpu = await backendOffer('webgpu', nav);
    expect(gpu).toMatchObject({ backend: 'webgpu', bytes: null, maxBuffer: 128e6 });
    expect(hubFit(tiny, spec, gpu)[0].verdict).toBe('unknown');
    // 49152 × 960 float32 embedding = 189 MB > 128 MB binding limit.
    const [full] = hubFit(smol360, spec, gpu);
    expect(full.verdict).toBe('too-big');
    expect(full.text).toContain('buffer limit');
    // 'auto' without an adapter runs on wasm, as the workers would.
    expect((await backendOffer('auto', {})).backend).toBe('wasm');
  });
});
