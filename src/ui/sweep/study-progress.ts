// The study-level progress of a sweep: trials finished of those asked for, and the time left as the
// mean length of the finished trials times the trials still to run (the running one counted by what
// is left of it), plus the final training with the best parameters, which the runner always does
// after the trials and which takes about one trial. Pure (no clock): unit-tested in Node.
import type { TrialView } from '../../store/sweep-view';

export interface StudyProgress {
  /** Trials that have ended (complete, pruned or failed). */
  done: number;
  /** Trials the study asks for (never fewer than it has). */
  total: number;
  /** Mean wall time of the ended trials that have one; null before the first. */
  meanTrialMs: number | null;
  /** Time left for the trials and the final training; null without a mean, or when nothing runs. */
  etaMs: number | null;
}

/**
 * `running`: the sweep is being driven now (no ETA otherwise); `live`: the run in progress (trial -1:
 * the final training) and its step of its total, when the page drives it.
 */
export function studyProgress(
  trials: readonly TrialView[],
  nTrials: number,
  running: boolean,
  live: { trial: number; step: number; totalSteps: number } | null = null,
): StudyProgress {
  const ended = trials.filter((t) => t.state !== 'running');
  const durations = ended
    .map((t) => t.durationMs)
    .filter((d): d is number => d !== null && Number.isFinite(d) && d >= 0);
  const meanTrialMs = durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
  const total = Math.max(nTrials, trials.length);
  const done = ended.length;
  if (!running || meanTrialMs === null) return { done, total, meanTrialMs, etaMs: null };
  // The run in progress counts by the fraction of its steps left (all of it before its first step).
  const fractionLeft = live && live.totalSteps > 0 ? Math.min(1, Math.max(0, 1 - live.step / live.totalSteps)) : 1;
  const inFinal = live !== null && live.trial < 0;
  const runningTrial = !inFinal && trials.length > done;
  const notStarted = Math.max(0, total - done - (runningTrial ? 1 : 0));
  const etaMs = (notStarted + (runningTrial ? fractionLeft : 0) + (inFinal ? fractionLeft : 1)) * meanTrialMs;
  return { done, total, meanTrialMs, etaMs };
}
