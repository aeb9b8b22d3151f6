// What a run must beat, on the same validation pairs, prompt, generation settings and ROUGE as its
// per-epoch evaluation: LEAD (each document's first sentence: no model at all) and epoch 0 (the
// model before its first step, as transformers' trainer.evaluate() before train()). The epoch-0
// numbers arrive as an ordinary 'evaluation' event with epoch 0 and step 0, so every chart and
// store that reads evaluations draws them at the start of the x axis.
import type { Pair } from '../core/example';
import type { RunEvent } from '../core/events';
import { leadSentences } from '../metrics/lead';
import { rougeSummary } from './evaluate';

export type BaselineEvent = Extract<RunEvent, { type: 'baseline' }>;

/** LEAD-1 scored against the references (the same rougeSummary as every evaluation). */
export function leadBaseline(validation: readonly Pair[]): BaselineEvent {
  return {
    type: 'baseline',
    name: 'lead',
    rouge: rougeSummary(
      validation.map((p) => leadSentences(p.input)),
      validation.map((p) => p.target),
    ),
    examples: validation.length,
  };
}

export interface BaselineRun {
  validation: readonly Pair[];
  emit: (e: RunEvent) => void;
  /** Score the model before training (epoch 0). False for a run that continues from a checkpoint or snapshot: it has no "before". */
  epochZero: boolean;
  /** The run's validation loss on its current weights (the loop's own evaluateLoss). */
  evalLoss: () => Promise<number | null>;
  /** The run's per-epoch evaluation (generation, ROUGE, the 'evaluation' event); with replicas every rank calls it. */
  evaluate: (e: { epoch: number; step: number; evalLoss: number | null }) => Promise<void>;
}

/**
 * Reports LEAD, then, when asked, evaluates the untouched model as epoch 0. Without validation
 * pairs there is nothing to score. Every rank calls this (the generation is sharded); LEAD costs a
 * ROUGE pass over the references and no model.
 */
export async function reportBaselines(b: BaselineRun): Promise<void> {
  if (b.validation.length === 0) return;
  b.emit(leadBaseline(b.validation));
  if (!b.epochZero) return;
  b.emit({ type: 'status', message: 'epoch 0: validation loss of the model before its first step' });
  await b.evaluate({ epoch: 0, step: 0, evalLoss: await b.evalLoss() });
}
