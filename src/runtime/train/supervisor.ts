// The fault policy of a training group: what the page does when a replica goes silent or fails, or
// a GPU device is lost. Plain decisions over what the run has reported (rank 0's last snapshot, its
// newest checkpoint, the recoveries so far): no workers, no timers, so each rule is testable on its
// own. client.ts carries the decisions out (terminates workers, launches the next group).
import type { RunSpec } from '../../train/spec';

/** A lost GPU device gets this many fresh starts from the last checkpoint before the run gives up. */
export const MAX_DEVICE_RECOVERIES = 2;

/** Rank 0's weights at an optimizer step (every replica holds the same). */
export interface Snapshot {
  step: number;
  weights: Float32Array;
}

export type FaultDecision =
  /** Go on with one replica fewer: the survivors restart from the supervisor's `resume` snapshot (step 0 without one). */
  | { action: 'shrink'; spec: RunSpec; message: string }
  /** Fresh workers (fresh devices) continue from this checkpoint of the run, moments included. */
  | { action: 'recover'; resumeCheckpoint: string; message: string }
  /** Nothing to go on with: the run ends with this error. */
  | { action: 'give-up'; message: string };

/**
 * The spec for the survivors of a group of `world` that lost one replica: one replica fewer, and
 * the per-device batch scaled by world / (world − 1) so the global batch (per-device × replicas)
 * stays the same — when that is a whole number; otherwise the batch is kept and the global batch
 * shrinks. Null when no replica would be left.
 */
export function survivorSpec(spec: RunSpec, world: number): RunSpec | null {
  if (world <= 1) return null;
  const scale = world / (world - 1);
  const scaled = spec.batchSize * scale;
  return { ...spec, replicas: world - 1, batchSize: Number.isInteger(scaled) ? scaled : spec.batchSize };
}

/** One run's fault state and policy; begin() starts it afresh for each run the user starts. */
export class RunSupervisor {
  private snapshot: Snapshot | undefined;
  private lastCheckpoint: string | null = null;
  private deviceRecoveries = 0;
  private stopRequested = false;

  constructor(private readonly maxDeviceRecoveries = MAX_DEVICE_RECOVERIES) {}

  /** A new run: no snapshot, no checkpoint, no recoveries yet. */
  begin(): void {
    this.snapshot = undefined;
    this.lastCheckpoint = null;
    this.deviceRecoveries = 0;
    this.stopRequested = false;
  }

  /** The user asked the run to stop: a failure from now on ends it rather than resuming it. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Rank 0 sent its weights (every SNAPSHOT_EVERY_STEPS steps). */
  snapshotTaken(s: Snapshot): void {
    this.snapshot = s;
  }

  /** Rank 0 saved an epoch checkpoint. */
  checkpointSaved(id: string): void {
    this.lastCheckpoint = id;
  }

  /** Where the next group of workers resumes from: the last snapshot, if there is one. */
  get resume(): Snapshot | undefined {
    return this.snapshot;
  }

  /**
   * A replica of a group of `world` failed or went silent (message says which and how). With others
   * left and no stop asked, the survivors resume from the last snapshot: every replica held the same
   * weights, and the same global batch is spread over one fewer.
   */
  replicaLost(spec: RunSpec, world: number, message: string): FaultDecision {
    const next = this.stopRequested ? null : survivorSpec(spec, world);
    if (!next) return { action: 'give-up', message };
    const from = this.snapshot?.step ?? 0;
    const left = world - 1;
    return {
      action: 'shrink',
      spec: next,
      message: `${message}; resuming from step ${from} with ${left} replica${left > 1 ? 's' : ''}`,
    };
  }

  /**
   * A worker lost its GPU device. A fresh worker gets a fresh device, so the run resumes from its
   * newest checkpoint (which carries the moments too: the snapshot is dropped) — if it saves
   * checkpoints, has saved one, no stop was asked and it has not used up its recoveries. Otherwise
   * null: the device loss is handled as any other replica failure (replicaLost).
   */
  deviceLost(savesCheckpoints: boolean, message: string): Extract<FaultDecision, { action: 'recover' }> | null {
    if (
      this.stopRequested ||
      !savesCheckpoints ||
      !this.lastCheckpoint ||
      this.deviceRecoveries >= this.maxDeviceRecoveries
    )
      return null;
    this.deviceRecoveries += 1;
    this.snapshot = undefined;
    return {
      action: 'recover',
      resumeCheckpoint: this.lastCheckpoint,
      message: `${message}; resuming in a fresh worker from checkpoint ${this.lastCheckpoint}`,
    };
  }
}
