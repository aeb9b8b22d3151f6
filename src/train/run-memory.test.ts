import { describe, expect, it } from 'vitest';
import { countParams } from '../model/config';
import { paramShapes } from '../model/params';
import { LORA_MODULES, loraAName, loraBName } from '../model/lora-config';
import { activationBytesLowerBound } from './auto-batch/memory';
import { ACTIVATION_FACTOR, runMemory } from './run-memory';
import { SMOLLM2_135M_CONFIG } from '../bench/workloads';
import { adapterParamCount, moduleDims } from '../model/lora';

// SmolLM2-135M's shape: the bench's workload, whose measurements ACTIVATION_FACTOR comes from.
const smol = SMOLLM2_135M_CONFIG;
const shape = { batchSize: 2, maxSourceLength: 448, maxTargetLength: 64 };

it('says what the bench measured on wasm (4 GiB): SmolLM2-135M LoRA fits at T 256, not at T 512', () => {
  const gib = 2 ** 30;
  const lora = (T: number) => runMemory(smol, { batchSize: 1, maxSourceLength: T, maxTargetLength: 0 }, 'lora').total;
  expect(lora(256)).toBeLessThan(4 * gib);
  expect(lora(512)).toBeGreaterThan(4 * gib);
});

describe('runMemory', () => {
  it('SmolLM2-135M has 134.5M parameters; Full keeps 16 bytes of state per parameter', () => {
    const m = runMemory(smol, shape, 'full');
    expect(m.parameters).toBe(134_515_008); // the model card's 135M (HF's num_parameters())
    expect(m.weights + m.gradients + m.optimizer).toBe(16 * m.parameters);
    expect(m.activations).toBe(ACTIVATION_FACTOR * activationBytesLowerBound(smol, 2, 512) + 8 * m.parameters);
    expect(m.total).toBe(16 * m.parameters + m.activations);
  });

  it('LoRA r 8 on q/v: frozen base weights, 16 bytes per adapter parameter, optimizer = 8 × adapter parameters', () => {
    const lora = { r: 8, targetModules: ['q_proj', 'v_proj'] as const };
    const m = runMemory(smol, shape, 'lora', { r: 8, targetModules: [...lora.targetModules] });
    // q: A (8, 576) + B (576, 8); v: A (8, 576) + B (192, 8) → 30 layers.
    expect(m.trainableParameters).toBe(30 * (8 * (576 + 576) + 8 * (576 + 192)));
    expect(m.optimizer).toBe(8 * m.trainableParameters);
    expect(m.gradients).toBe(4 * m.trainableParameters);
    expect(m.weights).toBe(4 * (m.parameters + m.trainableParameters));
    expect(m.total).toBeLessThan(runMemory(smol, shape, 'full').total);
  });

  it('adapter shapes agree with the tensor names the model carries (A (r, in), B (out, r))', () => {
    const c = { ...smol, numHiddenLayers: 1 };
    const shapes = new Map(paramShapes(c));
    for (const m of LORA_MODULES) {
      const [outF, inF] = moduleDims(c, m);
      const base = shapes.get(loraAName(0, m).replace('.lora_A.weight', '.weight'))!;
      expect(base, m).toEqual([outF, inF]);
      expect(loraBName(0, m)).toContain(m);
    }
    expect(adapterParamCount({ ...c, lora: { r: 4, alpha: 8, dropout: 0, targetModules: [...LORA_MODULES] } })).toBe(
      4 * (576 * 2 + 576 * 2 + 576 + 192 + 576 + 192 + (576 + 1536) * 3),
    );
    expect(countParams(c)).toBeGreaterThan(0);
  });
});
