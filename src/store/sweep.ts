// Sweeps on the page: the study list (IndexedDB), the sweep config (localStorage), and the one
// sweep that runs at a time. Trials run as ordinary training runs in fresh workers; every trial
// change is saved as it happens, so a reload loses nothing and a running study resumes.
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { DEFAULT_SWEEP, createSweepStudy, validateSearchSpace, type SweepConfig } from '../sweep/default-study';
import { SweepRunner } from '../sweep/runner';
import { openStudyStore, type StudyStore, type StudySummary } from '../sweep/storage';
import { Study } from '../sweep/study';
import { exportStudyJSON, exportTrialsCSV, importStudyJSON, studyFileName } from '../sweep/transfer';
import type { Trial } from '../sweep/trial';
import { validateSpec, type RunSpec } from '../train/spec';
import { workerExecutor } from '../workers/trial-executor';
import { useDataStore } from './data';
import { useRunStore } from './run';
import { studyView } from './study-view';
import type { StudyView } from './sweep-view';

/** What a study keeps of how it was started: the sweep and the run settings it varies. */
interface StoredConfig {
  sweep: SweepConfig;
  base: RunSpec;
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
  start(name?: string): Promise<void>;
  resume(id: string): Promise<void>;
  pause(): void;
  stop(): void;
  exportJSON(id: string): Promise<{ name: string; text: string }>;
  exportCSV(id: string): Promise<{ name: string; text: string }>;
  importJSON(text: string): Promise<void>;
  remove(id: string): Promise<void>;
}

let db: Promise<StudyStore> | null = null;
const storage = () => (db ??= openStudyStore());
let runner: SweepRunner | null = null;
let launching = false; // start/resume in progress (before the runner exists)

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
        runner = new SweepRunner({
          study,
          config: cfg.sweep,
          baseSpec: cfg.base,
          execute: workerExecutor(source),
          onTrialChange: save,
          onEvent: (trial, e) => {
            if (e.type === 'step') set({ live: { trial, step: e.step, totalSteps: e.totalSteps } });
          },
        });
        set({ status: 'running', message: null });
        await store.setStatus(id, 'running');
        const outcome = await runner.run();
        runner = null;
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

        async start(name) {
          if (runner || launching) return;
          launching = true;
          const issues = get().configIssues();
          if (issues.length > 0) {
            fail(new Error(`sweep settings: ${issues.join('; ')}`));
            return;
          }
          try {
            const sweep = get().config;
            const base = validateSpec({ ...useRunStore.getState().settings });
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
