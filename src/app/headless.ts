// The automation API on `globalThis.__studio`, for headless drivers (`npm run sweep`:
// scripts/sweep.mjs, the soak: scripts/soak.mjs) and the e2e tests' fault drills. Installed once,
// by main.tsx, from the page's sessions and a read-out of what the page shows; it drives the same
// sessions the buttons do, so a driver sees exactly what a person would.
import type { RougeSummary } from '../core/events';
import type { FaultKind } from '../core/run-types';
import type { SweepCliFlags } from '../sweep/studio/cli-config';
import { parseSweepCliConfig } from '../sweep/studio/cli-config';
import { plainParams, type Trial } from '../sweep/engine/trial';
import type { ModelSession } from './model-session';
import type { RunSession } from './run-session';
import { formatEta, type SweepProgress } from './sweep-progress';
import type { SweepSession, SweepStatus } from './sweep-session';

/** One finished or running trial as a driver prints it. */
export interface HeadlessTrial {
  number: number;
  state: Trial['state'];
  value: number | null;
  params: Record<string, number | string>;
  failReason?: string;
}

export interface HeadlessSweepStatus {
  /** Whether the page found training data ('checking' until it knows; 'missing' = nothing to train on). */
  data: string;
  dataLabel: string;
  status: SweepStatus;
  studyId: string | null;
  /** What a trial's value is: 'sum' (of ROUGE-1/2/L/Lsum) or one score. */
  objective: string;
  trials: number;
  /** Trials that ended (complete, pruned or failed). */
  finished: number;
  progress: SweepProgress | null;
  /** Every progress change after the `since` the caller passed, with its ETA text, oldest first. */
  progressLog: Array<{ seq: number; progress: SweepProgress; eta: string }>;
  /** The ETA as `m:ss` ('?' while unknown). */
  eta: string;
  results: HeadlessTrial[];
  best: { number: number; value: number; params: Record<string, unknown> } | null;
  /** The sweep ended (complete, stopped, paused or failed); `error` says why when it failed. */
  done: boolean;
  error: string | null;
}

export interface HeadlessSweep {
  /** Validates the CLI config (cli-config.ts) and starts the sweep; resolves once its study is saved. */
  start(
    config: unknown,
    flags?: SweepCliFlags,
  ): Promise<{ studyId: string } | { issues: string[] } | { error: string }>;
  status(since?: number): HeadlessSweepStatus;
  stop(): void;
  exportJSON(id: string): Promise<{ name: string; text: string }>;
  exportCSV(id: string): Promise<{ name: string; text: string }>;
  /**
   * Characters of JSON the page holds for the sweep: the running study (trials, curves, samples)
   * and the dashboard's view of it. The soak compares their growth per trial with the heap's.
   */
  footprint(): { studyChars: number; viewChars: number };
}

/** One ROUGE read-out (mean F × 100, stemmed) and how many validation pairs it covers. */
export type HeadlessRouge = RougeSummary & { examples: number };

/** What the current run must beat, beside what it reached: the numbers the ROUGE chart draws. */
export interface HeadlessBaselines {
  /** LEAD: each validation document's first sentence as its summary; null until the run reports it. */
  lead: HeadlessRouge | null;
  /** The model before its first step (epoch 0); null when the run did not evaluate it (a resume, no validation). */
  epoch0: (HeadlessRouge & { evalLoss: number | null; genLen: number }) | null;
  /** The newest evaluation (epoch 0 until the first epoch ends). */
  latest: (HeadlessRouge & { epoch: number; evalLoss: number | null; genLen: number }) | null;
}

export interface StudioApi {
  sweep: HeadlessSweep;
  /** The current (or last) run's baselines and newest ROUGE, as the ROUGE chart shows them. */
  baselines(): HeadlessBaselines;
  /** Fault drill: `__studio.killWorker(1)` ends replica 1 silently, as a crash would; the run must notice (heartbeats) and go on without it. */
  killWorker(rank: number): void;
  injectFault(kind: FaultKind): void;
  /** The last trained model's HF files, name → base64 (null: none yet). */
  trainedModelFiles(): Promise<Record<string, string> | null>;
}

/** What the page shows, as the stores hold it (the API reports it as a person would see it). */
export interface PageReadout {
  data: { status: string; label: string };
  sweep: { status: SweepStatus; message: string | null; objective: string; view: unknown };
  baselines?: HeadlessBaselines;
}

export interface HeadlessWiring {
  run(): RunSession;
  sweep: SweepSession;
  models: ModelSession;
  page(): PageReadout;
}

const trialResult = (t: Trial): HeadlessTrial => ({
  number: t.number,
  state: t.state,
  value: t.value,
  params: plainParams(t),
  failReason: t.failReason ?? undefined,
});

export function headlessSweep(w: HeadlessWiring): HeadlessSweep {
  const session = w.sweep;
  let started = false;
  return {
    async start(config, flags = {}) {
      if (session.busy) return { error: 'a sweep is already running on this page' };
      const parsed = parseSweepCliConfig(config, flags);
      if (!parsed.ok) return { issues: parsed.issues };
      const { name, sweep, run } = parsed.config;
      started = true;
      session.reset();
      // The same session the Start button drives, with the config's settings instead of the tabs' ones.
      let created!: (id: string) => void;
      const saved = new Promise<string>((resolve) => (created = resolve));
      const ended = session.start(name ?? `cli sweep ${new Date().toISOString()}`, {
        sweep,
        base: run,
        onCreated: created,
      });
      const first = await Promise.race([saved, ended.then(() => null)]);
      if (first === null) return { error: w.page().sweep.message ?? 'the sweep ended before its study was saved' };
      return { studyId: first };
    },

    status(since = 0) {
      const { data, sweep: s } = w.page();
      const active = session.active;
      const study = active?.study;
      const best = study?.bestTrial;
      const progress = active?.progress.snapshot() ?? null;
      const ended = s.status === 'complete' || s.status === 'stopped' || s.status === 'paused' || s.status === 'error';
      return {
        data: data.status,
        dataLabel: data.label,
        status: s.status,
        studyId: active?.id ?? null,
        objective: active?.cfg.sweep.objective ?? s.objective,
        trials: active?.cfg.sweep.nTrials ?? 0,
        finished: study ? study.trials.filter((t) => t.state !== 'running').length : 0,
        progress,
        progressLog: (active?.progress.since(since) ?? []).map((e) => ({ ...e, eta: formatEta(e.progress.etaSec) })),
        eta: formatEta(progress?.etaSec ?? null),
        results: (study?.trials ?? []).map(trialResult),
        best:
          best && best.value !== null ? { number: best.number, value: best.value, params: { ...best.params } } : null,
        done: started && ended && !session.busy,
        error: s.status === 'error' ? (s.message ?? 'the sweep failed') : null,
      };
    },

    stop: () => session.stop(),
    footprint: () => ({
      studyChars: session.active ? JSON.stringify(session.active.study).length : 0,
      viewChars: JSON.stringify(w.page().sweep.view ?? null).length,
    }),
    exportJSON: (id) => session.exportJSON(id),
    exportCSV: (id) => session.exportCSV(id),
  };
}

/** Puts the API on `globalThis.__studio` (keeping anything else already there). Call once, from main.tsx. */
export function installHeadless(w: HeadlessWiring): void {
  const api: StudioApi = {
    sweep: headlessSweep(w),
    baselines: () => w.page().baselines ?? { lead: null, epoch0: null, latest: null },
    killWorker: (rank) => w.run().killWorker(rank),
    injectFault: (kind) => w.run().injectFault(kind),
    trainedModelFiles: () => w.models.trainedFilesBase64(),
  };
  const g = globalThis as { __studio?: Record<string, unknown> };
  g.__studio = Object.assign(g.__studio ?? {}, api);
}
