// Shared by the run-state tests (run-events, run-replicas, run-readouts): a training step as the
// worker reports it, and events applied in order the way the store applies them.
import type { SessionEvent } from '../core/session-events';
import { applyEvent, type RunState } from './run-events';

export const step = (
  n: number,
  loss: number,
  extra: Partial<Extract<SessionEvent, { type: 'step' }>> = {},
): SessionEvent => ({
  type: 'step',
  step: n,
  totalSteps: 4,
  epoch: 1,
  loss,
  lr: n / 10000,
  gradNorm: 1,
  tokensPerSec: 1000 + n,
  elapsedMs: 100 * n,
  skipped: false,
  ...extra,
});

export const replay = (s: RunState, events: SessionEvent[]) => events.reduce(applyEvent, s);
