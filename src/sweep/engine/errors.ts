// Optuna's TrialPruned: thrown by an objective (after trial.shouldPrune() says so) to stop the
// trial early. Study.optimize records the trial as 'pruned' instead of 'failed'.
export class TrialPruned extends Error {
  constructor(message = 'trial was pruned') {
    super(message);
    this.name = 'TrialPruned';
  }
}

/** True for TrialPruned, also when it crossed a worker boundary and lost its prototype. */
export function isTrialPruned(err: unknown): boolean {
  return (
    err instanceof TrialPruned ||
    (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'TrialPruned')
  );
}
