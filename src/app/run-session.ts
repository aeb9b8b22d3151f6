// One training run at a time on the page: the session owns the TrainingClient (one for the page's
// lifetime, created on the first start, so tests and the first paint never spawn a worker), starts,
// resumes and stops runs, and turns the client's raw messages into what the page needs: the run's
// facts go to the listener, the trained model to the model session, a saved checkpoint to the
// checkpoint library. Heartbeats and weight snapshots are the client's business and stop here.
import type { SessionEvent } from '../core/session-events';
import type { DataSource, FaultKind } from '../core/run-types';
import { validateSpec, withPlacement, type PlacementKey, type RunSpec } from '../train/spec';
import { createTrainingClient, type TrainingClient } from '../runtime/train/client';
import type { FromWorker } from '../runtime/train/protocol';
import { newRunId, type CheckpointLibrary } from './checkpoint-library';
import { hubIdentityOf, modelFilesOf, type ModelSession } from './model-session';
import type { StoredModel } from './model-storage';

/** Epoch checkpoints kept per run (the seed's save_total_limit). */
const KEEP_CHECKPOINTS = 3;

export interface RunSessionDeps {
  /** Every fact about the run the page shows, in the order the client reported them. */
  onEvent(e: SessionEvent): void;
  /** Where the run's base model comes from and its trained model goes. */
  models: Pick<ModelSession, 'base' | 'setTrained'>;
  checkpoints: Pick<CheckpointLibrary, 'load' | 'runSavedOne'>;
  /**
   * The run could not save a checkpoint (storage full): checkpoints are off for the rest of it and
   * training goes on; `message` says why. Without a listener it is said as a status line.
   */
  onCheckpointsOff?(message: string): void;
  /** The client factory (tests pass a fake). */
  createClient?: (onEvent: (e: FromWorker) => void) => TrainingClient;
}

export class RunSession {
  private client: TrainingClient | null = null;
  /** The settings of the run in progress (names a fresh model in the trained model's label). */
  private spec: RunSpec | null = null;
  /** The base the run in progress started from (a LoRA run's adapter belongs to it, even if the user picks another meanwhile). */
  private runBase: StoredModel | null = null;

  constructor(private readonly deps: RunSessionDeps) {}

  private getClient(): TrainingClient {
    this.client ??= (this.deps.createClient ?? createTrainingClient)((e) => this.handle(e));
    return this.client;
  }

  private handle(e: FromWorker): void {
    switch (e.type) {
      case 'heartbeat': // liveness: the client's watchdog
      case 'snapshot': // weights the client keeps for recovery
        return;
      case 'checkpoint':
        this.deps.checkpoints.runSavedOne();
        return;
      case 'checkpointsOff':
        if (this.deps.onCheckpointsOff) this.deps.onCheckpointsOff(e.message);
        else this.deps.onEvent({ type: 'status', message: e.message });
        return;
      case 'trained': {
        const base = this.runBase;
        const from = base ? base.label : `a fresh ${this.spec?.preset ?? 'preset'} model`;
        const how = e.adapter ? 'LoRA adapter trained on' : 'Trained from';
        void this.deps.models.setTrained(
          e.files,
          `${how} ${from}, ${new Date().toLocaleString()}`,
          e.adapter ? { adapter: e.adapter, onBase: base } : undefined,
        );
        return;
      }
      default:
        this.deps.onEvent(e);
    }
  }

  /** A new run of `spec` on `data`, fine-tuning the base model when there is one; `runId` names its checkpoints. */
  start(spec: RunSpec, data: DataSource, runId: string = newRunId()): void {
    const base = this.deps.models.base;
    if (base && base.files.length === 0) {
      // A Hub base whose files are no longer in the model cache: never fall back to a fresh model silently.
      this.deps.onEvent({
        type: 'error',
        message: `the base model (${base.label}) has no files here: download it again from the Hub, or use a fresh preset`,
      });
      return;
    }
    this.spec = spec;
    this.runBase = base;
    this.getClient().start(spec, data, {
      model: base ? modelFilesOf(base) : undefined,
      modelBase: hubIdentityOf(base),
      checkpoints: { runId, keepLast: KEEP_CHECKPOINTS },
    });
  }

  /**
   * Continues a run from one of its epoch checkpoints, with that run's settings; only where it
   * runs (`where`) may change. `begin` gets the settings and a status line just before the workers
   * start. Throws (before `begin`) when the checkpoint cannot be loaded or its settings are invalid.
   */
  async resume(
    checkpointId: string,
    data: DataSource,
    where: Pick<RunSpec, PlacementKey>,
    begin: (spec: RunSpec, statusLine: string) => void,
  ): Promise<void> {
    const ckpt = await this.deps.checkpoints.load(checkpointId);
    const spec = validateSpec(withPlacement(ckpt.meta.spec, where));
    // A LoRA checkpoint holds adapters only: its base is the page's base, which the engine checks by hash.
    const base = ckpt.meta.config.lora ? this.deps.models.base : null;
    begin(spec, `Resuming ${ckpt.meta.runId} from epoch ${ckpt.meta.epoch} (step ${ckpt.meta.step})…`);
    this.spec = spec;
    this.runBase = base;
    this.getClient().start(spec, data, {
      model: base && base.files.length > 0 ? base.files : undefined,
      modelBase: hubIdentityOf(base),
      resumeCheckpoint: checkpointId,
      checkpoints: { runId: ckpt.meta.runId, keepLast: KEEP_CHECKPOINTS },
    });
  }

  stop(): void {
    this.client?.stop();
  }

  /** Fault drill: ends replica `rank` silently, as a crash would; the run must notice and go on. */
  killWorker(rank: number): void {
    this.client?.killWorker(rank);
  }

  /** Fault drill: rank 0's next step gets a NaN loss, or its GPU device is destroyed. */
  injectFault(kind: FaultKind): void {
    this.client?.injectFault(kind);
  }

  /** Terminates the workers (a hot reload replacing the module that holds this session). */
  dispose(): void {
    this.client?.dispose();
    this.client = null;
  }
}
