// What a batch costs before it is tried: the big tensors of one training step and a lower bound on
// the activations it keeps. A batch whose single tensor cannot be bound on the device, or whose
// activations alone exceed a memory budget, is rejected without allocating anything — some
// backends (WebGPU) fail such an allocation late or not at all instead of throwing.
import { countParams, type LlamaConfig } from '../../model/config';
import { adapterParamCount } from '../../model/lora';
import { formatBytesIn } from '../../core/format';
import { BatchTooLargeError } from './oom';

export interface DeviceLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface StepTensor {
  name: string;
  shape: string; // for messages: "32×4×581×581"
  bytes: number; // float32
}

/**
 * The big single tensors of one training step at batch B and padded length T, float32; N is the
 * supervised positions that go through lm_head (default B·T, the upper bound). Largest first.
 */
export function stepTensors(c: LlamaConfig, B: number, T: number, N = B * T): StepTensor[] {
  const H = c.numAttentionHeads;
  const D = c.hiddenSize / H;
  const t = (name: string, dims: number[]): StepTensor => ({
    name,
    shape: dims.join('×'),
    bytes: 4 * dims.reduce((a, d) => a * d, 1),
  });
  return [
    t('attention scores (B·H·T·T)', [B, H, T, T]),
    t('logits (N·V)', [N, c.vocabSize]),
    t('MLP activations (B·T·I)', [B, T, c.intermediateSize]),
    t('repeated keys/values (B·H·T·D)', [B, H, T, D]),
    t('hidden states (B·T·C)', [B, T, c.hiddenSize]),
    // LoRA freezes the embedding: no (V, C) gradient is ever made.
    ...(c.lora ? [] : [t('embedding gradient (V·C)', [c.vocabSize, c.hiddenSize])]),
  ].sort((a, b) => b.bytes - a.bytes);
}

/**
 * Bytes the model's state holds through a run, batch aside, float32: the weights (base + adapters),
 * one gradient per trainable value, and AdamW's two moments per trainable value — 8 bytes per
 * adapter parameter under LoRA instead of 8 per model parameter.
 */
export function trainingStateBytes(c: LlamaConfig): { weights: number; gradients: number; optimizer: number } {
  const trainable = adapterParamCount(c) || countParams(c);
  return { weights: 4 * (countParams(c) + adapterParamCount(c)), gradients: 4 * trainable, optimizer: 8 * trainable };
}

/**
 * Rejects a batch before anything is allocated when one tensor of its step cannot be bound on the
 * device (every tfjs-webgpu tensor is a storage buffer binding): throws BatchTooLargeError naming
 * the tensor and the limit.
 */
export function checkDeviceLimits(
  config: LlamaConfig,
  batchSize: number,
  seqLen: number,
  limits: DeviceLimits,
  supervisedTokens?: number,
): void {
  const [limitName, limit] =
    limits.maxStorageBufferBindingSize <= limits.maxBufferSize
      ? ['maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize]
      : ['maxBufferSize', limits.maxBufferSize];
  if (!(limit > 0)) return; // unknown limits: nothing to check against
  for (const t of stepTensors(config, batchSize, seqLen, supervisedTokens)) {
    if (t.bytes > limit) {
      throw new BatchTooLargeError(
        `batch ${batchSize} does not fit this device: ${t.name} = ${t.shape} float32 is ${formatBytesIn(t.bytes, 'MB')}, over ${limitName} (${formatBytesIn(limit, 'MB')})`,
        t.name,
        t.bytes,
        limitName,
        limit,
      );
    }
  }
}

/**
 * A lower bound on the activation bytes the backward pass keeps at once (per layer the softmax
 * output, the MLP gate and up projections and two hidden states, plus the log-softmax of the
 * logits): a batch whose bound exceeds a memory budget cannot fit.
 */
export function activationBytesLowerBound(c: LlamaConfig, B: number, T: number, N = B * T): number {
  const perLayer = B * c.numAttentionHeads * T * T + 2 * B * T * c.intermediateSize + 2 * B * T * c.hiddenSize;
  return 4 * (c.numHiddenLayers * perLayer + N * c.vocabSize);
}

/** Throws BatchTooLargeError when the activations alone (lower bound) exceed budgetBytes. */
export function checkMemoryBudget(
  config: LlamaConfig,
  batchSize: number,
  seqLen: number,
  budgetBytes: number,
  budgetName: string,
  supervisedTokens?: number,
): void {
  const need = activationBytesLowerBound(config, batchSize, seqLen, supervisedTokens);
  if (need > budgetBytes) {
    throw new BatchTooLargeError(
      `batch ${batchSize} does not fit: its activations need at least ${formatBytesIn(need, 'MB')}, over ${budgetName} (${formatBytesIn(budgetBytes, 'MB')})`,
      'activations',
      need,
      budgetName,
      budgetBytes,
    );
  }
}

/** One line for logs and the UI: the step's largest tensor and its activation floor. */
export function memoryEstimate(
  config: LlamaConfig,
  batchSize: number,
  seqLen: number,
  supervisedTokens?: number,
): string {
  const [big] = stepTensors(config, batchSize, seqLen, supervisedTokens);
  const st = trainingStateBytes(config);
  return `batch ${batchSize} × ${seqLen} tokens: largest tensor ${big.name} ${formatBytesIn(big.bytes, 'MB')}, activations ≥ ${formatBytesIn(activationBytesLowerBound(config, batchSize, seqLen, supervisedTokens), 'MB')}; weights ${formatBytesIn(st.weights, 'MB')}, gradients + AdamW moments ${formatBytesIn(st.gradients + st.optimizer, 'MB')}${config.lora ? ' (adapters only: the base is frozen)' : ''}`;
}
