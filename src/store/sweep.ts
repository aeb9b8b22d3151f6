// The Sweep tab's state: the sweep config (localStorage), the study list, the study shown and the
// sweep's status. The sweep itself (storage, trials, exports) is the sweep session's
// (app/sweep-session.ts); its changes land here through `changed`.
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { DEFAULT_SWEEP, validateSearchSpace, type SweepConfig } from '../sweep/studio/default-study';
import type { StudySummary } from '../sweep/persist/storage';
import {
  SweepSession,
  type LiveTrial,
  type SweepChange,
  type SweepSetup,
  type SweepStatus,
} from '../app/sweep-session';
import { useDataStore } from './data';
import { modelSession } from './model';
import { useRunStore } from './run';
import { studyView } from './study-view';
import type { StudyView } from './sweep-view';

interface SweepState {
  config: SweepConfig;
  studies: StudySummary[];
  view: StudyView | null;
  status: SweepStatus;
  message: string | null;
  live: LiveTrial | null;
  /** Studies another tab drives: shown read-only here, their Resume and delete off. */
  elsewhere: string[];
  setConfig(patch: Partial<SweepConfig>): void;
  configIssues(): string[];
  refresh(): Promise<void>;
  select(id: string): Promise<void>;
  /** Starts `setup`, or the Sweep tab's config with the Settings panel's run settings. */
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
  /** On load: list the studies, and resume one whose page died while it ran (once per page). */
  resumeInterrupted(): Promise<void>;
}

/** The session's changes as store state: the study to show becomes the dashboard's view. */
function applyChange({ shown, ...rest }: SweepChange): Partial<SweepState> {
  if (shown === undefined) return rest;
  return { ...rest, view: shown && studyView(shown.id, shown.name, shown.status, shown.study, shown.config) };
}

/** The page's one sweep session; the headless API (app/headless.ts) drives it too. */
export const sweepSession = new SweepSession({
  changed: (c) => useSweepStore.setState(applyChange(c)),
  data: () => useDataStore.getState().source,
  models: modelSession,
});

export const useSweepStore = create<SweepState>()(
  persist(
    (set, get) => ({
      config: { ...DEFAULT_SWEEP },
      studies: [],
      view: null,
      status: 'idle',
      message: null,
      live: null,
      elsewhere: [],

      setConfig(patch) {
        set({ config: { ...get().config, ...patch } });
      },

      configIssues() {
        const c = get().config;
        const issues = validateSearchSpace(c.searchSpace).map((i) => i.message);
        if (!Number.isInteger(c.nTrials) || c.nTrials < 1)
          issues.push(`trials must be a positive integer, got ${c.nTrials}`);
        return issues;
      },

      refresh: () => sweepSession.refresh(),
      select: (id) => sweepSession.select(id),

      async start(name, setup) {
        if (sweepSession.busy) return;
        const issues = setup ? [] : get().configIssues();
        if (issues.length > 0) {
          set({ status: 'error', message: `sweep settings: ${issues.join('; ')}` });
          return;
        }
        await sweepSession.start(name, setup ?? { sweep: get().config, base: useRunStore.getState().settings });
      },

      resume: (id) => sweepSession.resume(id),
      pause: () => sweepSession.pause(),
      stop: () => sweepSession.stop(),
      exportJSON: (id) => sweepSession.exportJSON(id),
      exportCSV: (id) => sweepSession.exportCSV(id),
      exportBundle: (id) => sweepSession.exportBundle(id),
      importJSON: (text) => sweepSession.importJSON(text),
      remove: (id) => sweepSession.remove(id),
      resumeInterrupted: () => sweepSession.resumeInterrupted(),
    }),
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
