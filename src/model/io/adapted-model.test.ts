// A base's HF files + a PEFT adapter read back as one adapted model, and merged into plain HF files
// whose logits are the adapted model's.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/prng';
import { tinyHFModel } from '../../testing/hf-model-fixture';
import { forward } from '../llama';
import { loraShapes } from '../lora';
import type { LoraConfig } from '../lora-config';
import { disposeParams, toVariables } from '../params';
import { importAdaptedModel, mergedModelFiles, splitAdapterFiles } from './adapted-model';
import type { ModelFile } from './model-files';
import { exportPeftAdapter } from './peft';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const LORA: LoraConfig = { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj', 'down_proj'] };

/** The fixture's HF files plus an adapter with non-zero A and B (a trained one, not a fresh one). */
function baseAndAdapter(): { files: ModelFile[]; adapter: Map<string, Float32Array> } {
  const fx = tinyHFModel({ seed: 3 });
  const files = Object.entries(fx.files).map(([name, bytes]) => ({ name, bytes }));
  const rand = mulberry32(9);
  const adapter = new Map<string, Float32Array>();
  for (const [name, shape] of loraShapes({ ...fx.config, lora: LORA }))
    adapter.set(
      name,
      Float32Array.from({ length: shape[0] * shape[1] }, () => (rand() - 0.5) * 0.2),
    );
  const peft = exportPeftAdapter({ ...fx.config, lora: LORA }, adapter, { id: 'tiny/base', revision: 'abc' });
  return { files: [...files, ...peft], adapter };
}

const logitsOf = async (m: ReturnType<typeof importAdaptedModel>): Promise<Float32Array> => {
  const params = toVariables(m.config, m.weights);
  const ids = tf.tensor2d([[1, 5, 9, 14, 3, 7, 22, 40]], [1, 8], 'int32');
  const { logits } = forward(params, m.config, ids);
  const out = (await logits.data()) as Float32Array;
  tf.dispose([ids, logits]);
  disposeParams(params);
  return out;
};

describe('adapted model files', () => {
  it('reads base + adapter as one LoRA model, and the base alone without the adapter files', () => {
    const { files, adapter } = baseAndAdapter();
    const m = importAdaptedModel(files);
    const { targetModules, ...rest } = m.config.lora!;
    expect(rest).toEqual({ r: LORA.r, alpha: LORA.alpha, dropout: LORA.dropout });
    expect([...targetModules].sort()).toEqual([...LORA.targetModules].sort());
    for (const [name, data] of adapter) expect(m.weights.get(name)).toEqual(data);
    const plain = importAdaptedModel(splitAdapterFiles(files).base);
    expect(plain.config.lora).toBeUndefined();
    expect([...plain.weights.keys()].some((n) => n.includes('lora_'))).toBe(false);
  });

  it("merged files give the adapted model's logits (to 1e-5), and differ from the base's", async () => {
    const { files } = baseAndAdapter();
    const adapted = await logitsOf(importAdaptedModel(files));
    const merged = mergedModelFiles(files);
    expect(merged.map((f) => f.name)).not.toContain('adapter_config.json');
    const mergedLogits = await logitsOf(importAdaptedModel(merged));
    const base = await logitsOf(importAdaptedModel(splitAdapterFiles(files).base));
    let worst = 0;
    let moved = 0;
    for (let i = 0; i < adapted.length; i++) {
      worst = Math.max(worst, Math.abs(adapted[i] - mergedLogits[i]));
      moved = Math.max(moved, Math.abs(adapted[i] - base[i]));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-3); // the adapter changes the model: the comparison can fail
  });

  it('refuses an adapter whose shapes do not fit the base, naming it', () => {
    const { files } = baseAndAdapter();
    const other = tinyHFModel({ seed: 3, config: { hiddenSize: 48, intermediateSize: 64 } });
    const onOther = [
      ...Object.entries(other.files).map(([name, bytes]) => ({ name, bytes })),
      ...splitAdapterFiles(files).adapter,
    ];
    expect(() => importAdaptedModel(onOther)).toThrow(/another base/);
  });
});
