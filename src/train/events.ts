// Facts the engine reports while it prepares and trains a run (the worker forwards them as-is).
export type RunEvent =
  | { type: 'status'; message: string }
  | { type: 'model'; paramCount: number; vocabSize: number; preset: string; trainExamples: number; validationExamples: number }
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
  | { type: 'epoch'; epoch: number; trainLoss: number; evalLoss: number | null };
