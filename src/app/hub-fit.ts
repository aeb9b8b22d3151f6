// Does a planned Hub model fit the chosen backend? The memory one replica needs for Full and for
// LoRA (train/run-memory.ts) at the run's current batch and lengths, against what the backend
// offers (backend-offer.ts), in words the Model panel shows before any weight moves.
import type { LlamaConfig } from '../model/config';
import { targetsOf } from '../model/lora-config';
import { runMemory, type RunMemory } from '../train/run-memory';
import type { RunSpec } from '../train/spec';
import { formatBytes } from '../core/format';
import { stepTensors } from '../train/auto-batch/memory';
import type { BackendOffer } from './backend-offer';

export type FitVerdict = 'fits' | 'too-big' | 'unknown';

export interface MethodFit {
  method: 'full' | 'lora';
  memory: RunMemory;
  verdict: FitVerdict;
  /** One line: what it needs and how that compares with the backend. */
  text: string;
}

type Shape = Pick<RunSpec, 'batchSize' | 'maxSourceLength' | 'maxTargetLength' | 'loraR' | 'loraTargets'>;

/** The largest single buffer a step allocates: the biggest step tensor, or the embedding matrix. */
function largestBuffer(config: LlamaConfig, shape: { batchSize: number; T: number }): number {
  const [big] = stepTensors(config, shape.batchSize, shape.T);
  return Math.max(big.bytes, 4 * config.vocabSize * config.hiddenSize);
}

function judge(m: RunMemory, offer: BackendOffer | null, largest: number): { verdict: FitVerdict; why: string } {
  if (!offer) return { verdict: 'unknown', why: 'checking the backend…' };
  if (offer.maxBuffer !== null && largest > offer.maxBuffer)
    return {
      verdict: 'too-big',
      why: `its largest buffer (${formatBytes(largest)}) is over ${offer.backend}'s buffer limit (${formatBytes(offer.maxBuffer)}): lower the batch or lengths`,
    };
  if (offer.bytes !== null)
    return m.total <= offer.bytes
      ? { verdict: 'fits', why: `fits ${offer.backend} (${formatBytes(offer.bytes)} offered)` }
      : { verdict: 'too-big', why: `over what ${offer.backend} offers (${formatBytes(offer.bytes)})` };
  return { verdict: 'unknown', why: `${offer.what}; compare with the device's memory` };
}

const methodName = { full: 'Full fine-tuning', lora: 'LoRA' } as const;

/** Full and LoRA, each judged against the offer (null: the offer is not known yet). */
export function hubFit(config: LlamaConfig, spec: Shape, offer: BackendOffer | null): MethodFit[] {
  const shape = {
    batchSize: spec.batchSize,
    maxSourceLength: spec.maxSourceLength,
    maxTargetLength: spec.maxTargetLength,
  };
  const lora = { r: spec.loraR, targetModules: targetsOf(spec.loraTargets) };
  const largest = largestBuffer(config, { batchSize: spec.batchSize, T: spec.maxSourceLength + spec.maxTargetLength });
  return (['full', 'lora'] as const).map((method) => {
    const memory = runMemory(config, shape, method, lora);
    const { verdict, why } = judge(memory, offer, largest);
    const trains =
      method === 'lora'
        ? `${memory.trainableParameters.toLocaleString('en-US')} adapter parameters (r ${spec.loraR}, ${spec.loraTargets})`
        : `all ${memory.trainableParameters.toLocaleString('en-US')} parameters`;
    return {
      method,
      memory,
      verdict,
      text: `${methodName[method]}: ${formatBytes(memory.total)} (weights ${formatBytes(memory.weights)}, optimizer ${formatBytes(memory.optimizer)}, activations ≥ ${formatBytes(memory.activations)}; trains ${trains}) — ${why}`,
    };
  });
}
