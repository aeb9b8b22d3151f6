// What a training run tells the page: the engine's facts (RunEvent) less the weight snapshots the
// client keeps for recovery, plus the facts only the page side knows — where the replicas run, how
// the group stands, how the run ended. Heartbeats never get this far (liveness is the client's
// business), so the run state's reducer handles every member of this union and nothing else.
import type { RunEvent } from './events';
import type { BackendName, ReplicaInfo } from './run-types';

/** Facts about a run as a whole (the training worker and its client report them beside RunEvents). */
export type RunOutcomeEvent =
  | { type: 'backend'; backend: BackendName; reason: string; adapter: string }
  // numTensors/numBytes: tf.memory() after the run's tensors are freed (a leak shows as growth across runs)
  | {
      type: 'done';
      reason: 'finished' | 'stopped';
      steps: number;
      elapsedMs: number;
      checksum: number;
      optimizerBytes: number;
      numTensors?: number;
      numBytes?: number;
    }
  | { type: 'error'; message: string; deviceLost?: boolean } // deviceLost: the GPU went away (a fresh worker gets a fresh device)
  | { type: 'replicas'; replicas: ReplicaInfo[] }; // page-side summary of the group (from the client, not a worker)

/** What a run session (app/run-session.ts) emits to its listener. */
export type SessionEvent = Exclude<RunEvent, { type: 'snapshot' }> | RunOutcomeEvent;
