// A study's summary (trial counts by state and its best trial), kept in its own store beside the
// study and updated by every write, so the study list reads one small record per study instead of
// every trial: listing by reading all trials is what took the tab down with a 10^5-trial study.
// storage.ts applies these inside its write transactions.
import { betterResult, tieBreakOf, type StudyDirection } from '../engine/study';
import type { TrialData } from '../engine/study-data';
import type { TrialState } from '../engine/trial';
import { studyRange, type WriteTx } from './study-database';
import type { StudyMeta } from './study-record';

export interface BestOfStudy {
  number: number;
  value: number;
  tieBreak: number | null;
}

/** What the summaries store holds, one per study (keyed by the study's id). */
export interface StoredSummary {
  id: string;
  /**
   * The study's updatedAt when this summary was last made right. Every write that changes the
   * study moves both; a study whose updatedAt differs was written by code that does not keep
   * summaries (an older studio in another tab), and its summary is rebuilt from the trials.
   */
  updatedAt: string;
  /** Trial records stored (numbers 0..n-1 once resumePoint has filled any gap). */
  trialCount: number;
  states: Record<TrialState, number>;
  /** Best complete trial (per direction, ties to the lower tie-break, then the lower number); null when none. */
  best: BestOfStudy | null;
}

export function emptySummary(id: string, updatedAt: string): StoredSummary {
  return { id, updatedAt, trialCount: 0, states: { running: 0, complete: 0, pruned: 0, failed: 0 }, best: null };
}

/** The trial as a best-trial candidate: complete with a value ('Infinity' strings count; NaN does not). */
function candidate(t: TrialData): BestOfStudy | null {
  if (t.state !== 'complete' || t.value === null || t.value === 'NaN') return null;
  const value = Number(t.value);
  if (Number.isNaN(value)) return null;
  return { number: t.number, value, tieBreak: tieBreakOf(t.userAttrs ?? {}) };
}

/** a ranks above b: as Study.bestTrial, with equal results going to the lower trial number (Optuna). */
export function ranksAbove(a: BestOfStudy, b: BestOfStudy, direction: StudyDirection): boolean {
  if (betterResult(a, b, direction)) return true;
  return !betterResult(b, a, direction) && a.number < b.number;
}

/** The summary of these trials, from scratch. */
export function summarizeTrials(
  id: string,
  updatedAt: string,
  trials: Iterable<TrialData>,
  direction: StudyDirection,
): StoredSummary {
  let s = emptySummary(id, updatedAt);
  for (const t of trials) s = withTrial(s, undefined, t, direction) ?? s;
  return s;
}

/**
 * The summary after `next` replaced `old` (undefined: a trial not stored before), or null when it
 * cannot be known without the other trials: the best trial itself got worse or stopped counting.
 */
export function withTrial(
  s: StoredSummary,
  old: TrialData | undefined,
  next: TrialData,
  direction: StudyDirection,
): StoredSummary | null {
  const states: Record<TrialState, number> = { ...s.states };
  if (old !== undefined) states[old.state] = Math.max(0, states[old.state] - 1);
  states[next.state] += 1;
  const c = candidate(next);
  let best = s.best;
  if (best !== null && best.number === next.number) {
    // The best trial was rewritten: still as good (the same record saved again) keeps it.
    if (c === null || c.value !== best.value || c.tieBreak !== best.tieBreak) return null;
    best = c;
  } else if (c !== null && (best === null || ranksAbove(c, best, direction))) best = c;
  return { ...s, trialCount: s.trialCount + (old === undefined ? 1 : 0), states, best };
}

/**
 * Moves the study's summary along with a write that changed the study from `meta` to `next`:
 * `change` gives the new summary, or null when it must be rebuilt from the trials. A summary that
 * was already stale (or missing) is left so: the list rebuilds it from the trials.
 */
export async function keepSummary(
  tx: WriteTx,
  meta: StudyMeta,
  next: StudyMeta,
  change: (s: StoredSummary) => StoredSummary | null,
): Promise<void> {
  const summaries = tx.objectStore('summaries');
  const s = await summaries.get(meta.id);
  if (s === undefined || s.updatedAt !== meta.updatedAt) return;
  const changed = change(s);
  if (changed !== null) {
    await summaries.put({ ...changed, updatedAt: next.updatedAt });
    return;
  }
  const trials = await tx.objectStore('trials').getAll(studyRange(meta.id));
  await summaries.put(summarizeTrials(meta.id, next.updatedAt, trials, meta.direction));
}
