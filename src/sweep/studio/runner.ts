// Runs a study the way the seed's hyperparameter_search does: each trial is a fresh training run
// with the sampled settings, evaluated with generation every epoch; the per-epoch ROUGE objective
// is reported so the pruner can stop a weak trial early; after the trials, one final training
// with the best parameters. How a run executes (workers on the page, the engine in tests) is
// injected, so this file stays plain TypeScript.
import type { RougeSummary, RunEvent } from '../../core/events';
import { validateSpec, type RunSpec } from '../../train/spec';
import { objectiveFrom, suggestFromSpec, type SweepConfig } from './default-study';
import type { ParamValue } from '../engine/distributions';
import { TIE_BREAK_ATTR, type Study } from '../engine/study';
import type { Trial } from '../engine/trial';

/** One training run in progress: its end, and a way to stop it early (pruning, pause, stop). */
export interface TrialExecution {
  done: Promise<{ reason: 'finished' | 'stopped' }>;
  stop(): void;
}
export type TrialExecutor = (spec: RunSpec, onEvent: (e: RunEvent) => void) => TrialExecution;

/** Search-space names (transformers' TrainingArguments words) and the run setting each one sets. */
export const PARAM_TO_SETTING: Record<string, keyof RunSpec> = {
  learning_rate: 'learningRate',
  per_device_train_batch_size: 'batchSize',
  num_train_epochs: 'epochs',
  weight_decay: 'weightDecay',
  warmup_ratio: 'warmupRatio',
  gradient_accumulation_steps: 'gradientAccumulation',
  max_grad_norm: 'maxGradNorm',
  seed: 'seed',
};

/** The base settings with a trial's parameters applied; throws naming an unknown or unusable parameter. */
export function specForParams(base: RunSpec, params: Record<string, ParamValue>): RunSpec {
  const spec: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(params)) {
    const key = PARAM_TO_SETTING[name];
    if (!key)
      throw new Error(
        `sweep: parameter "${name}" does not set any training setting; known: ${Object.keys(PARAM_TO_SETTING).join(', ')}`,
      );
    spec[key] =
      typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
  }
  try {
    return validateSpec(spec);
  } catch (e) {
    throw new Error(`sweep: parameters ${JSON.stringify(params)} give invalid settings: ${(e as Error).message}`);
  }
}

/** One epoch of a trial as the runner records it (the trial's `epochs` user attribute). */
export interface EpochRecord extends RougeSummary {
  epoch: number;
  /** The study's objective after this epoch (what the pruner saw). */
  objective: number;
  evalLoss: number | null;
}

export interface SweepRunnerOptions {
  study: Study;
  config: SweepConfig;
  baseSpec: RunSpec;
  execute: TrialExecutor;
  /** Called whenever a trial changes (started, reported, finished): persist it here. */
  onTrialChange?: (trial: Trial) => void | Promise<void>;
  /** Every event of the run in progress, tagged with its trial number (-1 for the final training). */
  onEvent?: (trialNumber: number, e: RunEvent) => void;
}

export type SweepOutcome = 'complete' | 'paused' | 'stopped';

export class SweepRunner {
  private current: TrialExecution | null = null;
  private halt: 'pause' | 'stop' | null = null;

  constructor(private readonly o: SweepRunnerOptions) {}

  /** Trials that count towards nTrials: every one that ended (complete, pruned or failed). */
  finishedTrials(): number {
    return this.o.study.trials.filter((t) => t.state !== 'running').length;
  }

  /** Runs trials until nTrials have finished, then the final training; resumable after pause. */
  async run(): Promise<SweepOutcome> {
    this.halt = null;
    while (this.finishedTrials() < this.o.config.nTrials) {
      if (this.halt) return this.halt === 'pause' ? 'paused' : 'stopped';
      await this.runTrial();
    }
    if (this.halt) return this.halt === 'pause' ? 'paused' : 'stopped';
    await this.runFinal();
    return 'complete';
  }

  /** Stops the run in progress; the interrupted trial is recorded as failed ("paused"), nothing is lost. */
  pause(): void {
    this.halt = 'pause';
    this.current?.stop();
  }

  stop(): void {
    this.halt = 'stop';
    this.current?.stop();
  }

  private async runTrial(): Promise<void> {
    const { study, config, baseSpec } = this.o;
    const trial = study.ask();
    const epochs: EpochRecord[] = [];
    const losses: { step: number; loss: number }[] = [];
    let pruned = false;
    let spec: RunSpec;
    try {
      spec = specForParams(baseSpec, suggestFromSpec(trial, config.searchSpace));
    } catch (e) {
      study.tell(trial, 'failed', (e as Error).message);
      await this.o.onTrialChange?.(trial);
      return;
    }
    await this.o.onTrialChange?.(trial);
    let changed: Promise<void> = Promise.resolve();
    const onEvent = (e: RunEvent) => {
      this.o.onEvent?.(trial.number, e);
      if (e.type === 'step') losses.push({ step: e.step, loss: e.loss });
      if (e.type !== 'evaluation') return;
      const objective = objectiveFrom(e.rouge, config.objective, e.evalLoss);
      epochs.push({ epoch: e.epoch, ...e.rouge, objective, evalLoss: e.evalLoss });
      // Epoch 0 (the untrained model, when a run reports it) is drawn on the curves but is no
      // intermediate result: the pruner compares trials by what their training did.
      if (e.epoch > 0) trial.report(objective, e.epoch);
      trial.setUserAttr(
        'epochs',
        epochs.map((x) => ({ ...x })),
      );
      trial.setUserAttr(
        'samples',
        e.samples.map((s) => ({ ...s })),
      );
      changed = changed.then(() => this.o.onTrialChange?.(trial));
      if (e.epoch > 0 && !pruned && trial.shouldPrune()) {
        pruned = true;
        this.current?.stop();
      }
    };
    try {
      this.current = this.o.execute(spec, onEvent);
      await this.current.done;
      await changed;
      trial.setUserAttr('losses', thin(losses, 200));
      const last = epochs.filter((x) => x.epoch > 0).at(-1); // a trial stopped before epoch 1 trained nothing
      if (pruned) study.tell(trial, 'pruned');
      else if (this.halt)
        study.tell(
          trial,
          'failed',
          this.halt === 'pause' ? 'interrupted: the sweep was paused' : 'interrupted: the sweep was stopped',
        );
      else if (last) {
        // Equal objectives (every trial at ROUGE 0, say) are ranked by the summary's evaluation loss.
        if (last.evalLoss !== null) trial.setUserAttr(TIE_BREAK_ATTR, last.evalLoss);
        study.tell(trial, last.objective);
      } else study.tell(trial, 'failed', 'the trial reported no evaluation (set validation examples above 0)');
    } catch (e) {
      await changed;
      study.tell(trial, 'failed', (e as Error).message);
    } finally {
      this.current = null;
    }
    await this.o.onTrialChange?.(trial);
  }

  /** The seed's last step: train once more with the best parameters (recorded on the study). */
  private async runFinal(): Promise<void> {
    const { study, baseSpec } = this.o;
    const best = study.bestTrial;
    if (!best) return;
    const spec = specForParams(baseSpec, best.params);
    let last: EpochRecord | null = null;
    this.current = this.o.execute(spec, (e) => {
      this.o.onEvent?.(-1, e);
      if (e.type === 'evaluation' && e.epoch > 0)
        last = {
          epoch: e.epoch,
          ...e.rouge,
          objective: objectiveFrom(e.rouge, this.o.config.objective, e.evalLoss),
          evalLoss: e.evalLoss,
        };
    });
    try {
      await this.current.done;
    } finally {
      this.current = null;
    }
    study.setUserAttr('final', { params: best.params, fromTrial: best.number, result: last });
  }
}

/** At most n points, evenly spaced, last kept: enough for a curve, small enough to store. */
function thin<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(xs[Math.round((i * (xs.length - 1)) / (n - 1))]);
  return out;
}
