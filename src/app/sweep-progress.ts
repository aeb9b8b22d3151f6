// Where a running sweep stands, for a headless driver's progress line (`npm run sweep`):
// trial, epoch, step, the last loss and ROUGE objective, and an estimate of the time left.
// Pure (time is passed in), so the estimate is unit-tested in Node.
import { objectiveFrom, type SweepObjective } from '../sweep/studio/default-study';
import type { RunEvent } from '../core/events';
import { formatClock } from '../core/format';

export interface SweepProgress {
  /** The study's trial number (0-based) of the run in progress; -1 = the final training with the best parameters. */
  trial: number;
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  /** The last optimizer step's training loss in this run; null before the first step. */
  loss: number | null;
  /** The objective (ROUGE, or the evaluation loss) of this run's last evaluation; null before the first. */
  rouge: number | null;
  /** Seconds until the sweep (every trial and the final training) ends; null until there is a rate to go by. */
  etaSec: number | null;
}

/** One change of progress, numbered so a poller can ask for what it has not seen. */
export interface ProgressEntry {
  seq: number;
  progress: SweepProgress;
}

// Entries kept for pollers (`npm run sweep` asks every second; a run makes a few per second at most).
const LOG_SIZE = 500;

export class SweepProgressTracker {
  private current: SweepProgress | null = null;
  private readonly log: ProgressEntry[] = [];
  private seq = 0;
  private runStartedAt = 0;
  private readonly durations: number[] = []; // wall ms of each finished run (trial or final)

  constructor(
    private readonly nTrials: number,
    private readonly objective: SweepObjective,
  ) {}

  /**
   * One event of a run. `finished`: trials that have ended before this one (the runner's count);
   * `epochs`: how many epochs this run trains.
   */
  event(trial: number, e: RunEvent, ctx: { finished: number; epochs: number; now: number }): void {
    if (!this.current || this.current.trial !== trial) {
      // A new run began: the previous one (if any) ended just now.
      if (this.current) this.durations.push(ctx.now - this.runStartedAt);
      this.runStartedAt = ctx.now;
      this.current = {
        trial,
        epoch: 0,
        epochs: ctx.epochs,
        step: 0,
        totalSteps: 0,
        loss: null,
        rouge: null,
        etaSec: null,
      };
    }
    const c = this.current;
    if (e.type === 'step') Object.assign(c, { step: e.step, totalSteps: e.totalSteps, epoch: e.epoch, loss: e.loss });
    else if (e.type === 'evaluation')
      Object.assign(c, { epoch: e.epoch, rouge: objectiveFrom(e.rouge, this.objective, e.evalLoss) });
    c.etaSec = this.eta(ctx.finished, ctx.now);
    this.log.push({ seq: ++this.seq, progress: { ...c } });
    if (this.log.length > LOG_SIZE) this.log.shift();
  }

  /**
   * Every change after `seq`, oldest first: a poller that samples only snapshot() misses a run that
   * starts and ends between two polls (tiny trials on wasm take about two seconds).
   */
  since(seq: number): ProgressEntry[] {
    return this.log.filter((e) => e.seq > seq);
  }

  snapshot(): SweepProgress | null {
    return this.current ? { ...this.current } : null;
  }

  /** Time left = the rest of this run at its own pace + the runs still to come at the mean finished run's length. */
  private eta(finished: number, now: number): number | null {
    const c = this.current!;
    const elapsed = now - this.runStartedAt;
    // A run's own estimate needs a step done: before that only finished runs say anything.
    const ownTotal = c.step > 0 && c.totalSteps > 0 ? elapsed / (c.step / c.totalSteps) : null;
    const mean =
      this.durations.length > 0 ? this.durations.reduce((a, b) => a + b, 0) / this.durations.length : ownTotal;
    if (mean === null) return null;
    const rest = Math.max(0, (ownTotal ?? mean) - elapsed);
    // After trial k (with `finished` ended before it): nTrials - finished - 1 more trials, then the final run.
    const runsAfter = c.trial < 0 ? 0 : Math.max(0, this.nTrials - finished - 1) + 1;
    return Math.round((rest + runsAfter * mean) / 1000);
  }
}

/** `1:02:03` / `4:05`: the ETA as a terminal line shows it; '?' before there is one. */
export function formatEta(sec: number | null): string {
  return sec === null || !Number.isFinite(sec) ? '?' : formatClock(sec * 1000);
}
