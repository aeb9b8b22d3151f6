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

/**
 * What tfjs's autodiff really holds over auto-batch's lower bound: every intermediate of the
 * forward pass is kept for the backward one. Measured on wasm with SmolLM2-135M's shape, B 1
 * (2026-12-05, src/bench): LoRA's first step peaked at 3,385 MiB of tensors at T 256 and ~8.3 GB at
 * T 512, where the lower bound says 240 and 614 MiB above the weights — 11–12× both times. Full at
 * T 64 left a 3.9 GiB heap where weights, gradients, moments and the bound add to 2.1 GiB.
 */
export const ACTIVATION_FACTOR = 11.5;

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
  const base = ACTIVATION_FACTOR * activationBytesLowerBound(config, B, T, N);
  if (method === 'full') {
    // AdamW's and the clip's temporaries over every gradient at once: ~2 more copies of the parameters.
    const m = { weights: 4 * P, gradients: 4 * P, optimizer: 8 * P, activations: base + 8 * P };
    return {
      method,
      parameters: P,
      trainableParameters: P,
      ...m,
      total: m.weights + m.gradients + m.optimizer + m.activations,
    };
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
