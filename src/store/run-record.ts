// A kept Train run: what the user gave it (name, notes, tags), what it was (settings, model source,
// backend and adapter) and everything it reported (per-step and per-epoch metrics, samples), as
// the run state's own reducer folds its events. Pure functions, no storage: run-history.ts keeps
// these records, and the unit tests run them in plain Node.
import type { RunSpec } from '../train/spec';
import type { SessionEvent } from '../core/session-events';
import { applyEvent, beginRun, type RunState } from './run-events';

/** A run's standing: a run the page lost before it ended (a reload, a closed tab) is 'interrupted'. */
export type RunRecordStatus = 'running' | 'finished' | 'stopped' | 'error' | 'interrupted';

/** The parts of the run state a kept run holds (not the transient ones: status line, stop request, replicas). */
export type RunResults = Pick<
  RunState,
  | 'backend'
  | 'model'
  | 'steps'
  | 'epochs'
  | 'evaluations'
  | 'baselines'
  | 'samples'
  | 'totalSteps'
  | 'error'
  | 'finalElapsedMs'
  | 'checksum'
  | 'autoBatch'
>;

export interface RunRecord {
  id: string;
  name: string;
  notes: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  status: RunRecordStatus;
  spec: RunSpec;
  /** Where the model came from: the base model's label, or a fresh preset. */
  modelSource: string;
  /** The trained model this run left in the page's trained slot (its label), once it ended. */
  finalModel: string | null;
  results: RunResults;
}

const resultsOf = (s: RunState): RunResults => ({
  backend: s.backend,
  model: s.model,
  steps: s.steps,
  epochs: s.epochs,
  evaluations: s.evaluations,
  baselines: s.baselines,
  samples: s.samples,
  totalSteps: s.totalSteps,
  error: s.error,
  finalElapsedMs: s.finalElapsedMs,
  checksum: s.checksum,
  autoBatch: s.autoBatch,
});

/** "tiny · lr 0.01 · 8 steps" style default name, so a list of fresh runs is told apart at a glance. */
export function defaultRunName(spec: RunSpec, at: Date): string {
  const stamp = at.toISOString().slice(0, 19).replace('T', ' ');
  return `${spec.preset} · lr ${spec.learningRate} · ${stamp}`;
}

export function newRunRecord(id: string, spec: RunSpec, modelSource: string, now: Date): RunRecord {
  const at = now.toISOString();
  return {
    id,
    name: defaultRunName(spec, now),
    notes: '',
    tags: [],
    createdAt: at,
    updatedAt: at,
    status: 'running',
    spec,
    modelSource,
    finalModel: null,
    results: resultsOf(beginRun()),
  };
}

/** The record after one of its run's events (the same object when the event changes nothing kept). */
export function recordEvent(r: RunRecord, e: SessionEvent, now: Date): RunRecord {
  if (e.type === 'status' || e.type === 'replicas') return r; // transient: not part of a kept run
  const before: RunState = { ...beginRun(), ...r.results };
  const after = applyEvent(before, e);
  if (after === before) return r;
  const status: RunRecordStatus =
    e.type === 'error' ? 'error' : e.type === 'done' && r.status !== 'error' ? e.reason : r.status;
  return { ...r, status, results: resultsOf(after), updatedAt: now.toISOString() };
}

/** Records a reload found still 'running' (except the page's own live run): their page is gone. */
export function markInterrupted(records: readonly RunRecord[], liveId: string | null): RunRecord[] {
  return records.filter((r) => r.status === 'running' && r.id !== liveId).map((r) => ({ ...r, status: 'interrupted' }));
}

/** Tags from what the user typed: comma or space separated, trimmed, no duplicates, order kept. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const t of text.split(/[,\s]+/)) if (t) seen.add(t.toLowerCase());
  return [...seen];
}

/**
 * The runs a filter shows: every word must match the name, notes, a tag, the status, the preset or
 * the backend (case-insensitive); `tag:x` matches only a tag exactly. Newest first.
 */
export function filterRuns(records: readonly RunRecord[], query: string): RunRecord[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (r: RunRecord, w: string) => {
    if (w.startsWith('tag:')) return r.tags.includes(w.slice(4));
    const hay = [r.name, r.notes, ...r.tags, r.status, r.spec.preset, r.results.backend?.backend ?? '', r.modelSource]
      .join('\n')
      .toLowerCase();
    return hay.includes(w);
  };
  return records
    .filter((r) => words.every((w) => matches(r, w)))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** Every tag in use, sorted (the filter's tag buttons). */
export const allTags = (records: readonly RunRecord[]): string[] => [...new Set(records.flatMap((r) => r.tags))].sort();
