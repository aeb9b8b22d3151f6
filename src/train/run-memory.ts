// The memory a fine-tuning run needs, before it starts, for Full and for LoRA — so the model panel
// can show both against what the backend offers. Float32 throughout (the engine trains in f32
// whatever the checkpoint's dtype): Full keeps weights, gradients and AdamW's two moments for every
// parameter (16 bytes each); LoRA keeps the frozen base's weights only (4 bytes each) and the
// 16 bytes per parameter for the adapters alone. Activations are auto-batch's lower bound
// (memory.ts), plus LoRA's low-rank intermediates.
import type { LlamaConfig } from '../model/config';
import { countParams } from '../model/config';
import { type LoraConfig, type LoraModule, PEFT_LLAMA_DEFAULT_TARGETS } from '../model/lora-config';
import { activationBytesLowerBound } from './auto-batch/memory';

export type FinetuneMethod = 'full' | 'lora';

export interface RunShape {
  batchSize: number; // per replica
  maxSourceLength: number;
  maxTargetLength: number;
  /** Positions the loss covers per batch (B·T when training on inputs, ~B·target otherwise); default B·T. */
  supervisedTokens?: number;
}

export interface RunMemory {
  method: FinetuneMethod;
  parameters: number; // the base model's
  trainableParameters: number; // all of them (Full) or the adapters' (LoRA)
  weights: number; // bytes: base (+ adapters)
  gradients: number;
  optimizer: number; // AdamW m and v
  activations: number;
  total: number;
}

/** (in, out) of a targeted linear layer: nn.Linear(in, out), stored (out, in). */
export function loraModuleShape(c: LlamaConfig, m: LoraModule): [number, number] {
  const C = c.hiddenSize;
  const kv = c.numKeyValueHeads * (C / c.numAttentionHeads);
  switch (m) {
    case 'q_proj':
    case 'o_proj':
      return [C, C];
    case 'k_proj':
    case 'v_proj':
      return [C, kv];
    case 'gate_proj':
    case 'up_proj':
      return [C, c.intermediateSize];
    case 'down_proj':
      return [c.intermediateSize, C];
  }
}

/** Adapter parameters: per layer and target, A (r, in) + B (out, r). */
export function loraParameterCount(c: LlamaConfig, lora: Pick<LoraConfig, 'r' | 'targetModules'>): number {
  const perLayer = lora.targetModules.reduce((a, m) => {
    const [i, o] = loraModuleShape(c, m);
    return a + lora.r * (i + o);
  }, 0);
  return c.numHiddenLayers * perLayer;
}

const DEFAULT_LORA: Pick<LoraConfig, 'r' | 'targetModules'> = { r: 8, targetModules: PEFT_LLAMA_DEFAULT_TARGETS };

/** Bytes one replica needs to train `config` at this batch and these lengths. */
export function runMemory(
  config: LlamaConfig,
  shape: RunShape,
  method: FinetuneMethod,
  lora: Pick<LoraConfig, 'r' | 'targetModules'> = config.lora ?? DEFAULT_LORA,
): RunMemory {
  const B = shape.batchSize;
  const T = shape.maxSourceLength + shape.maxTargetLength;
  const N = shape.supervisedTokens ?? B * T;
  const P = countParams({ ...config, lora: undefined });
  const base = activationBytesLowerBound(config, B, T, N);
  if (method === 'full') {
    const m = { weights: 4 * P, gradients: 4 * P, optimizer: 8 * P, activations: base };
    return { method, parameters: P, trainableParameters: P, ...m, total: m.weights + m.gradients + m.optimizer + base };
  }
  const A = loraParameterCount(config, lora);
  // Each adapted layer keeps its dropout-ed input's projection A·x, (B, T, r), for the backward pass.
  const lowRank = 4 * config.numHiddenLayers * lora.targetModules.length * B * T * lora.r;
  const m = { weights: 4 * (P + A), gradients: 4 * A, optimizer: 8 * A, activations: base + lowRank };
  return {
    method,
    parameters: P,
    trainableParameters: A,
    ...m,
    total: m.weights + m.gradients + m.optimizer + m.activations,
  };
}
