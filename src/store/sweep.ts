// The Sweep tab's state: the sweep config (localStorage), the study list, the study shown and the
// sweep's status. The sweep itself (storage, trials, exports) is the sweep session's
// (app/sweep-session.ts); its changes land here through `changed`.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { DEFAULT_SWEEP, type SweepConfig } from '../sweep/studio/default-study';
import type { StudySummary } from '../sweep/persist/storage';
import {
  SweepSession,
  type LiveTrial,
  type SweepChange,
  type SweepSetup,
  type SweepStatus,
} from '../app/sweep-session';
import type { TrialsPage, TrialsQuery } from '../app/study-file';
import { useDataStore } from './data';
import { checkPageSettings } from '../app/run-settings-check';
import { firstIssue } from '../train/settings-check';
import { modelSession } from './model';
import { useRunStore } from './run';
import { digestView, studyView } from './study-view';
import type { StudyView } from './sweep-view';
import { localSettings } from './local-settings';
import { boundedMessage } from '../core/bounded-text';
import {
  sweepConfigIssues,
  sweepConfigStorage,
  SWEEP_CONFIG_KEY,
  SWEEP_CONFIG_VERSION,
  type PersistedSweep,
} from './sweep-config-storage';

interface SweepState {
  config: SweepConfig;
  studies: StudySummary[];
  view: StudyView | null;
  status: SweepStatus;
  message: string | null;
  live: LiveTrial | null;
  /** Studies another tab drives: shown read-only here, their Resume and delete off. */
  elsewhere: string[];
  /** Shown once when the stored sweep config could not be used and the defaults were loaded instead. */
  configNotice: string | null;
  dismissConfigNotice(): void;
  /** What a study import in progress is doing; null when none is. */
  importing: string | null;
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
  /** Imports a study file in the study worker (nothing of it is parsed on the page). */
  importFile(file: File): Promise<void>;
  /** A page of a big study's trials table (its `view.whole` is set), sorted and filtered in the study worker. */
  trialsPage(id: string, query: TrialsQuery): Promise<TrialsPage>;
  remove(id: string): Promise<void>;
  /** On load: list the studies, and resume one whose page died while it ran (once per page). */
  resumeInterrupted(): Promise<void>;
}

/** The session's changes as store state: the study to show becomes the dashboard's view. */
function applyChange({ shown, ...rest }: SweepChange): Partial<SweepState> {
  if (shown === undefined) return rest;
  if (shown === null) return { ...rest, view: null };
  const view =
    'study' in shown
      ? studyView(shown.id, shown.name, shown.status, shown.study, shown.config)
      : digestView(shown.digest, shown.config);
  return { ...rest, view };
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
      configNotice: null,

      dismissConfigNotice() {
        set({ configNotice: null });
      },
      importing: null,

      setConfig(patch) {
        set({ config: { ...get().config, ...patch } });
      },

      configIssues() {
        return sweepConfigIssues(get().config);
      },

      refresh: () => sweepSession.refresh(),
      select: (id) => sweepSession.select(id),

      async start(name, setup) {
        if (sweepSession.busy) return;
        const issues = setup ? [] : get().configIssues();
        // The run settings every trial starts from, checked as the Train tab checks them (the chosen
        // model's positions): refused here once, not by each trial in turn.
        const base = setup?.base ?? useRunStore.getState().settings;
        const settingsIssue = firstIssue(checkPageSettings(base, modelSession.base, useDataStore.getState()));
        if (settingsIssue) issues.push(`run settings: ${settingsIssue}`);
        if (issues.length > 0) {
          set({ status: 'error', message: boundedMessage(`sweep settings: ${issues.join('; ')}`) });
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
      importFile: (file) => sweepSession.importFile(file),
      trialsPage: (id, query) => sweepSession.trialsPage(id, query),
      remove: (id) => sweepSession.remove(id),
      resumeInterrupted: () => sweepSession.resumeInterrupted(),
    }),
    {
      name: SWEEP_CONFIG_KEY,
      version: SWEEP_CONFIG_VERSION,
      // Through the page's safe layer (a full or refused localStorage never throws here), checked
      // whole on load: an unusable stored config is backed up and the defaults are shown and used.
      storage: sweepConfigStorage(localSettings),
      partialize: (s): PersistedSweep => ({ config: s.config }),
      merge: (stored, current) => {
        const p = (stored ?? {}) as PersistedSweep;
        return { ...current, config: p.config ?? current.config, configNotice: p.configNotice ?? null };
      },
    },
  ),
);
