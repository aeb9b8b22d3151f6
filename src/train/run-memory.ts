// The memory a fine-tuning run needs, before it starts, for Full and for LoRA — so the model panel
// can show both against what the backend offers. Float32 throughout (the engine trains in f32
// whatever the checkpoint's dtype): Full keeps weights, gradients and AdamW's two moments for every
// parameter (16 bytes each); LoRA keeps the frozen base's weights only (4 bytes each) and the
// 16 bytes per parameter for the adapters alone. Activations are auto-batch's lower bound
// (memory.ts), plus LoRA's low-rank intermediates.
import type { LlamaConfig } from '../model/config';
import { countParams } from '../model/config';
import { type LoraConfig, PEFT_LLAMA_DEFAULT_TARGETS } from '../model/lora-config';
import { adapterParamCount } from '../model/lora';
import { activationBytesLowerBound } from './auto-batch/memory';

import type { FinetuneMethod } from './spec';

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
  const A = adapterParamCount({ ...config, lora: { alpha: lora.r, dropout: 0, ...lora } }); // A (r, in) + B (out, r) per target
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
