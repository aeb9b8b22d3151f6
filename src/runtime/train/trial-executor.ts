// Sweep trials run as ordinary training runs in fresh workers: a TrialExecutor over the client.
import type { TrialExecutor } from '../../sweep/studio/runner';
import type { RunEvent } from '../../core/events';
import type { RunSpec } from '../../train/spec';
import { createTrainingClient, type StartExtras } from './client';
import type { DataSource } from '../../core/run-types';
import type { FromWorker } from './protocol';

const RUN_EVENTS = new Set<FromWorker['type']>(['status', 'model', 'step', 'epoch', 'evaluation']);

/** Each call starts one run; `done` settles when its workers finish, stop, or fail. */
export function workerExecutor(data: DataSource, onAny?: (e: FromWorker) => void, extras?: StartExtras): TrialExecutor {
  return (spec: RunSpec, onEvent: (e: RunEvent) => void) => {
    let settle!: { resolve: (r: { reason: 'finished' | 'stopped' }) => void; reject: (e: Error) => void };
    const done = new Promise<{ reason: 'finished' | 'stopped' }>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const client = createTrainingClient((e) => {
      onAny?.(e);
      if (e.type === 'done') {
        client.dispose();
        settle.resolve({ reason: e.reason });
      } else if (e.type === 'error') {
        client.dispose();
        settle.reject(new Error(e.message));
      } else if (RUN_EVENTS.has(e.type)) onEvent(e as RunEvent);
    });
    // No epoch 0 for trials: every trial starts from the same base (a fresh preset differs only by
    // seed), so it would cost each one an extra generation pass and tell the search nothing.
    client.start(spec, data, { evaluateBeforeTraining: false, ...extras });
    return { done, stop: () => client.stop() };
  };
}
