// Facts the engine reports while it prepares and trains a run (the worker forwards them as-is).
export type RunEvent =
  | { type: 'status'; message: string }
  | {
      type: 'model';
      paramCount: number; // every parameter the model holds (LoRA: base + adapters)
      trainableParams?: number; // LoRA: the adapters' (what trains); absent = all of them (Full)
      lossOnDocument?: boolean; // the training loss covers the document's tokens too (train on inputs)
      vocabSize: number;
      preset: string;
      trainExamples: number;
      validationExamples: number;
    }
  | {
      type: 'step';
      step: number; // 1-based optimizer step
      totalSteps: number;
      epoch: number; // 1-based
      loss: number;
      lr: number;
      gradNorm: number;
      tokensPerSec: number;
      elapsedMs: number;
      skipped: boolean; // the update was skipped (non-finite loss or gradients)
    }
  | { type: 'epoch'; epoch: number; trainLoss: number; evalLoss: number | null }
  // Every parameter in flat layout order after `step` optimizer steps: what a run resumes from.
  | { type: 'snapshot'; step: number; weights: Float32Array }
  | {
      // Generation on the validation split after an epoch (the seed's predict_with_generate);
      // epoch 0 (step 0) is the model before its first step, as trainer.evaluate() before train().
      type: 'evaluation';
      epoch: number;
      step: number;
      rouge: RougeSummary; // mean F × 100 over pairs, stemmed, as the seed's compute_metrics reports
      genLen: number; // mean generated length in tokens
      evalLoss: number | null;
      examples: number; // validation pairs generated
      samples: Sample[]; // a few predictions beside their references
    }
  | {
      // A score that needs no training, on the same validation pairs and ROUGE as 'evaluation',
      // reported once per run (train/baselines.ts). 'lead': each document's first sentence (LEAD-1).
      type: 'baseline';
      name: BaselineName;
      rouge: RougeSummary;
      examples: number; // validation pairs scored
    }
  // ---- auto batch size (train/auto-batch/) ----
  | {
      // The per-device batch the probe found (or the cache remembered), and the accumulation that keeps the effective batch.
      type: 'autoBatch';
      batchSize: number;
      gradientAccumulation: number;
      tried: BatchTry[]; // this rank's sizes in the order tried; empty when cached
      cached: boolean;
    };

/** One size the auto batch search tried: ok, or why not ("out of memory", a device limit). */
export interface BatchTry {
  batchSize: number;
  ok: boolean;
  reason?: string;
  peakBytes?: number; // bytes the probe step held beyond the model, when it ran
}
// ---- end auto batch size ----

/** The reference scores a run reports beside its own (epoch 0 is an 'evaluation' with epoch 0). */
export type BaselineName = 'lead';

export interface RougeSummary {
  rouge1: number;
  rouge2: number;
  rougeL: number;
  rougeLsum: number;
}

export interface Sample {
  document: string; // the article, cut to a preview length
  reference: string;
  prediction: string;
}
