// Sweeps on the page: the study list (IndexedDB), the sweep config (localStorage), and the one
// sweep that runs at a time. Trials run as ordinary training runs in fresh workers; every trial
// change is saved as it happens, so a reload loses nothing and a running study resumes.
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { parseSweepCliConfig, type SweepCliFlags } from '../sweep/studio/cli-config';
import { DEFAULT_SWEEP, createSweepStudy, validateSearchSpace, type SweepConfig } from '../sweep/studio/default-study';
import { SweepRunner } from '../sweep/studio/runner';
import { openStudyStore, type StudyStore, type StudySummary } from '../sweep/persist/storage';
import { Study } from '../sweep/engine/study';
import { exportStudyJSON, exportTrialsCSV, importStudyJSON, studyFileName } from '../sweep/persist/transfer';
import type { Trial } from '../sweep/engine/trial';
import { validateSpec, type RunSpec } from '../train/spec';
import { workerExecutor } from '../runtime/train/trial-executor';
import { strToU8, zipSync } from 'fflate';
import { exportScaleOutBundle } from '../export/bundle';
import type { ModelFile } from '../model/io/model-files';
import { useDataStore } from './data';
import { useModelStore } from './model';
import { useRunStore } from './run';
import { formatEta, SweepProgressTracker, type SweepProgress } from './sweep-progress';
import { studyView, trialView } from './study-view';
import type { StudyView, TrialView } from './sweep-view';

/** What a study keeps of how it was started: the sweep and the run settings it varies. */
interface StoredConfig {
  sweep: SweepConfig;
  base: RunSpec;
}

/** An explicit sweep to start instead of the Sweep tab's config and the Settings panel's run settings. */
export interface SweepSetup {
  sweep: SweepConfig;
  base: RunSpec;
  /** Called with the new study's id once it is saved (the sweep itself then runs to its end). */
  onCreated?(id: string): void;
}

export type SweepStatus = 'idle' | 'running' | 'paused' | 'complete' | 'stopped' | 'error';

interface SweepState {
  config: SweepConfig;
  studies: StudySummary[];
  view: StudyView | null;
  status: SweepStatus;
  message: string | null;
  live: { trial: number; step: number; totalSteps: number } | null;
  setConfig(patch: Partial<SweepConfig>): void;
  configIssues(): string[];
  refresh(): Promise<void>;
  select(id: string): Promise<void>;
  start(name?: string, setup?: SweepSetup): Promise<void>;
  resume(id: string): Promise<void>;
  pause(): void;
  stop(): void;
  exportJSON(id: string): Promise<{ name: string; text: string }>;
  exportCSV(id: string): Promise<{ name: string; text: string }>;
  /** The scale-out bundle (train.py, optuna_search.py, accelerate and DeepSpeed configs) with the best trial's parameters, zipped. */
  exportBundle(id: string): Promise<{ name: string; bytes: Uint8Array }>;
  importJSON(text: string): Promise<void>;
  remove(id: string): Promise<void>;
}

let db: Promise<StudyStore> | null = null;
const storage = () => (db ??= openStudyStore());
let runner: SweepRunner | null = null;
let launching = false; // start/resume in progress (before the runner exists)
/** The study being driven, for the headless hook's status (the view may show another study). */
let active: { id: string; study: Study; cfg: StoredConfig; progress: SweepProgressTracker } | null = null;

export const useSweepStore = create<SweepState>()(
  persist(
    (set, get) => {
      const fail = (e: unknown) => set({ status: 'error', message: e instanceof Error ? e.message : String(e) });

      const show = async (id: string, study?: Study) => {
        const loaded = await (await storage()).loadStudy(id);
        const s = study ?? Study.fromJSON(loaded.data);
        const cfg = (loaded.meta.config as unknown as StoredConfig).sweep;
        set({ view: studyView(id, loaded.meta.name, loaded.meta.status, s, cfg) });
      };

      /** Drive a study to its end (or a pause), saving every trial change. */
      const drive = async (id: string, study: Study, cfg: StoredConfig) => {
        const store = await storage();
        const source = useDataStore.getState().source;
        if (!source) throw new Error('no training data: pick a file or serve the default data first');
        const save = async (t: Trial) => {
          const data = study.toJSON();
          const trial = data.trials.find((x) => x.number === t.number);
          if (trial) await store.saveTrial(id, trial, { sampler: data.sampler, pruner: data.pruner, userAttrs: data.userAttrs });
          set({ view: studyView(id, get().view?.name ?? id, 'running', study, cfg.sweep) });
        };
        launching = false;
        const progress = new SweepProgressTracker(cfg.sweep.nTrials, cfg.sweep.objective);
        active = { id, study, cfg, progress };
        // Epochs of a run: a searched num_train_epochs wins over the base settings (the final run uses the best's).
        const epochsOf = (trial: number) => {
          const params = trial < 0 ? study.bestTrial?.params : study.trials.find((t) => t.number === trial)?.params;
          const e = Number(params?.num_train_epochs);
          return Number.isInteger(e) && e > 0 ? e : cfg.base.epochs;
        };
        let lastTrained: ModelFile[] | null = null;
        const sweepRunner = new SweepRunner({
          study,
          config: cfg.sweep,
          baseSpec: cfg.base,
          // Trials fine-tune the imported model when there is one; each run's model arrives as
          // 'trained', and the last is the final training's (kept once the sweep completes).
          execute: workerExecutor(source, (e) => {
            if (e.type === 'trained') lastTrained = e.files;
          }, { model: useModelStore.getState().base?.files }),
          onTrialChange: save,
          onEvent: (trial, e) => {
            progress.event(trial, e, { finished: sweepRunner.finishedTrials(), epochs: epochsOf(trial), now: Date.now() });
            if (e.type === 'step') set({ live: { trial, step: e.step, totalSteps: e.totalSteps } });
          },
        });
        runner = sweepRunner;
        set({ status: 'running', message: null });
        await store.setStatus(id, 'running');
        const outcome = await sweepRunner.run();
        runner = null;
        if (outcome === 'complete' && lastTrained && study.bestTrial) {
          await useModelStore.getState().setTrained(lastTrained, `Sweep ${get().view?.name ?? id}: final training with the best parameters (trial ${study.bestTrial.number})`);
        }
        const data = study.toJSON();
        await store.saveEngineState(id, { sampler: data.sampler, pruner: data.pruner, userAttrs: data.userAttrs });
        await store.setStatus(id, outcome);
        set({ status: outcome, live: null });
        await get().refresh();
        await show(id, study);
      };

      return {
        config: { ...DEFAULT_SWEEP },
        studies: [],
        view: null,
        status: 'idle',
        message: null,
        live: null,

        setConfig(patch) {
          set({ config: { ...get().config, ...patch } });
        },

        configIssues() {
          const c = get().config;
          const issues = validateSearchSpace(c.searchSpace).map((i) => i.message);
          if (!Number.isInteger(c.nTrials) || c.nTrials < 1) issues.push(`trials must be a positive integer, got ${c.nTrials}`);
          return issues;
        },

        async refresh() {
          try {
            set({ studies: await (await storage()).listStudies() });
          } catch (e) {
            fail(e);
          }
        },

        async select(id) {
          try {
            await show(id);
          } catch (e) {
            fail(e);
          }
        },

        async start(name, setup) {
          if (runner || launching) return;
          launching = true;
          const issues = setup ? [] : get().configIssues();
          if (issues.length > 0) {
            launching = false;
            fail(new Error(`sweep settings: ${issues.join('; ')}`));
            return;
          }
          try {
            const sweep = setup?.sweep ?? get().config;
            const base = validateSpec({ ...(setup?.base ?? useRunStore.getState().settings) });
            const study = createSweepStudy(sweep);
            const data = study.toJSON();
            const cfg: StoredConfig = { sweep, base };
            const id = await (await storage()).createStudy({
              name: name ?? `sweep ${new Date().toLocaleString()}`,
              config: cfg as never,
              direction: data.direction,
              sampler: data.sampler,
              pruner: data.pruner,
              userAttrs: data.userAttrs,
            });
            setup?.onCreated?.(id);
            await get().refresh();
            await show(id, study);
            await drive(id, study, cfg);
          } catch (e) {
            runner = null;
            launching = false;
            fail(e);
          }
        },

        async resume(id) {
          if (runner || launching) return;
          launching = true;
          try {
            const store = await storage();
            await store.resumePoint(id); // trials cut off by a reload are kept, marked failed
            const loaded = await store.loadStudy(id);
            const study = Study.fromJSON(loaded.data);
            await show(id, study);
            await drive(id, study, loaded.meta.config as unknown as StoredConfig);
          } catch (e) {
            runner = null;
            launching = false;
            fail(e);
          }
        },

        pause() {
          runner?.pause();
        },

        stop() {
          runner?.stop();
        },

        async exportJSON(id) {
          const { meta, data } = await (await storage()).loadStudy(id);
          return { name: studyFileName(meta, 'json'), text: exportStudyJSON(meta, data) };
        },

        async exportBundle(id) {
          const { meta, data } = await (await storage()).loadStudy(id);
          const cfg = meta.config as unknown as StoredConfig;
          const best = Study.fromJSON(data).bestTrial;
          const files = exportScaleOutBundle({ spec: cfg.base, sweep: cfg.sweep, bestParams: best?.params as Record<string, number | string> | undefined });
          const name = studyFileName(meta, 'json').replace(/\.json$/, '-scale-out.zip');
          return { name, bytes: zipSync(Object.fromEntries(Object.entries(files).map(([f, text]) => [f, strToU8(text)]))) };
        },

        async exportCSV(id) {
          const { meta, data } = await (await storage()).loadStudy(id);
          return { name: studyFileName(meta, 'csv'), text: exportTrialsCSV(data) };
        },

        async importJSON(text) {
          try {
            const id = await (await storage()).importStudy(importStudyJSON(text));
            await get().refresh();
            await show(id);
            set({ message: null });
          } catch (e) {
            fail(e);
          }
        },

        async remove(id) {
          try {
            await (await storage()).deleteStudy(id);
            if (get().view?.id === id) set({ view: null });
            await get().refresh();
          } catch (e) {
            fail(e);
          }
        },
      };
    },
    {
      name: 'training-studio/sweep-config/v1',
      storage: createJSONStorage(() => localStorage),
      partialize: (s) => ({ config: s.config }),
      // A stored config that no longer validates falls back to the default (the old one stays in
      // localStorage until the user changes settings).
      merge: (stored, current) => {
        const c = (stored as { config?: SweepConfig } | undefined)?.config;
        if (!c || validateSearchSpace(c.searchSpace).length > 0) return current;
        return { ...current, config: { ...DEFAULT_SWEEP, ...c } };
      },
    },
  ),
);

let resumeChecked = false;

/** On load (once, even under StrictMode's double effects): list the studies, and resume one whose page died while it ran. */
export async function resumeInterruptedSweep(): Promise<void> {
  if (resumeChecked) return;
  resumeChecked = true;
  const s = useSweepStore.getState();
  await s.refresh();
  const running = useSweepStore.getState().studies.find((x) => x.status === 'running');
  if (running) await s.resume(running.id);
  else if (useSweepStore.getState().studies.length > 0) await s.select(useSweepStore.getState().studies[0].id);
}

// ---- headless drivers (`npm run sweep`, scripts/sweep.mjs) ---------------------------------------

/** One finished or running trial as a driver prints it. */
export type HeadlessTrial = Pick<TrialView, 'number' | 'state' | 'value' | 'params' | 'failReason'>;

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
  start(config: unknown, flags?: SweepCliFlags): Promise<{ studyId: string } | { issues: string[] } | { error: string }>;
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

let headlessStarted = false;

const headless: HeadlessSweep = {
  async start(config, flags = {}) {
    if (runner || launching) return { error: 'a sweep is already running on this page' };
    const parsed = parseSweepCliConfig(config, flags);
    if (!parsed.ok) return { issues: parsed.issues };
    const { name, sweep, run } = parsed.config;
    headlessStarted = true;
    active = null;
    useSweepStore.setState({ status: 'idle', message: null });
    // The same action the Start button runs, with the config's settings instead of the tabs' ones.
    let created!: (id: string) => void;
    const saved = new Promise<string>((resolve) => (created = resolve));
    const ended = useSweepStore.getState().start(name ?? `cli sweep ${new Date().toISOString()}`, { sweep, base: run, onCreated: created });
    const first = await Promise.race([saved, ended.then(() => null)]);
    if (first === null) return { error: useSweepStore.getState().message ?? 'the sweep ended before its study was saved' };
    return { studyId: first };
  },

  status(since = 0) {
    const s = useSweepStore.getState();
    const d = useDataStore.getState();
    const study = active?.study;
    const best = study?.bestTrial;
    const progress = active?.progress.snapshot() ?? null;
    const ended = s.status === 'complete' || s.status === 'stopped' || s.status === 'paused' || s.status === 'error';
    return {
      data: d.status,
      dataLabel: d.label,
      status: s.status,
      studyId: active?.id ?? null,
      objective: active?.cfg.sweep.objective ?? s.config.objective,
      trials: active?.cfg.sweep.nTrials ?? 0,
      finished: study ? study.trials.filter((t) => t.state !== 'running').length : 0,
      progress,
      progressLog: (active?.progress.since(since) ?? []).map((e) => ({ ...e, eta: formatEta(e.progress.etaSec) })),
      eta: formatEta(progress?.etaSec ?? null),
      results: (study?.trials ?? []).map((t) => {
        const v = trialView(t);
        return { number: v.number, state: v.state, value: v.value, params: v.params, failReason: v.failReason };
      }),
      best: best && best.value !== null ? { number: best.number, value: best.value, params: { ...best.params } } : null,
      done: headlessStarted && ended && !runner && !launching,
      error: s.status === 'error' ? (s.message ?? 'the sweep failed') : null,
    };
  },

  stop: () => useSweepStore.getState().stop(),
  footprint: () => ({ studyChars: active ? JSON.stringify(active.study).length : 0, viewChars: JSON.stringify(useSweepStore.getState().view ?? null).length }),
  exportJSON: (id) => useSweepStore.getState().exportJSON(id),
  exportCSV: (id) => useSweepStore.getState().exportCSV(id),
};

// Added beside run.ts's hooks (killWorker, …), never replacing them.
const g = globalThis as { __studio?: Record<string, unknown> };
g.__studio = Object.assign(g.__studio ?? {}, { sweep: headless });
