// The current run: its settings (persisted), and everything its session has reported about it.
// The session (app/run-session.ts, with the worker client inside) lives in module scope, not in
// state: it is not data to render, and a worker handle inside zustand state would be copied into
// every snapshot and render.
import { create } from 'zustand';
import { persist, type PersistStorage, type StorageValue } from 'zustand/middleware';
import { PRESETS, type PresetName } from '../model/config';
import { defaultSpec, validateSpec, type RunSpec } from '../train/spec';
import { RunSession } from '../app/run-session';
import { useDataStore } from './data';
import { modelSession } from './model';
import { checkpointLibrary, useCheckpointsStore } from './checkpoints';
import { applyEvent, beginRun, initialRunState, requestStop, type RunState } from './run-events';
import { errorMessage } from '../core/errors';
import { runHistory } from './runs';
import { newRunId } from '../app/checkpoint-library';
import { checkPageSettings } from '../app/run-settings-check';
import { firstIssue } from '../train/settings-check';
import { RUN_HELD_MESSAGE } from '../app/tab-lease';

/** Bump the version (and the key with it) when RunSpec changes meaning, not merely gains a field. */
export const SETTINGS_VERSION = 1;
export const SETTINGS_KEY = `training-studio/settings/v${SETTINGS_VERSION}`;
/** Where an unusable stored value is kept, so a reset to defaults never destroys the user's data. */
export const SETTINGS_BACKUP_KEY = `${SETTINGS_KEY}/invalid-backup`;

type FieldErrors = Partial<Record<keyof RunSpec, string>>;

export interface RunStore extends RunState {
  /** Always a valid RunSpec: edits that fail validateSpec are kept out (see fieldErrors). */
  settings: RunSpec;
  /** Per-field messages for edits that were rejected; the field's draft is still on screen. */
  fieldErrors: FieldErrors;
  /** Shown once when stored settings could not be used and defaults were loaded instead. */
  settingsNotice: string | null;

  /** Applies one field if the resulting spec is valid; otherwise records why. Returns success. */
  setSetting<K extends keyof RunSpec>(key: K, value: RunSpec[K]): boolean;
  /** Switches preset and resets the lengths and vocabulary to that preset's values. */
  setPreset(preset: PresetName): void;
  resetSettings(): void;
  dismissSettingsNotice(): void;
  start(): void;
  /** Continues a run from one of its epoch checkpoints, with that run's settings. */
  resume(checkpointId: string): Promise<void>;
  stop(): void;
}

// ---- persistence -------------------------------------------------------------------------------

/** What persist writes (settings only) and what our storage hands back on load. */
interface Persisted {
  settings?: RunSpec;
  settingsNotice?: string | null;
}

export type StoredSettingsCheck = { ok: true; settings: RunSpec } | { ok: false; problem: string };

/**
 * Parses what is stored under SETTINGS_KEY. Fields a newer RunSpec added are filled from the
 * defaults (an older save is still the user's settings), unknown fields are dropped (they would
 * otherwise travel to the worker), and the result must pass validateSpec.
 */
export function checkStoredSettings(raw: string): StoredSettingsCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { ok: false, problem: `not valid JSON (${errorMessage(err)})` };
  }
  const state = (parsed as { state?: unknown } | null)?.state;
  const stored = (state as { settings?: unknown } | null | undefined)?.settings;
  if (typeof stored !== 'object' || stored === null)
    return { ok: false, problem: 'no settings object in the stored value' };
  const s = stored as Record<string, unknown>;
  const base = defaultSpec(typeof s.preset === 'string' && s.preset in PRESETS ? (s.preset as PresetName) : 'small');
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(base) as (keyof RunSpec)[]) merged[key] = key in s ? s[key] : base[key];
  try {
    return { ok: true, settings: validateSpec(merged) };
  } catch (err) {
    return { ok: false, problem: errorMessage(err) };
  }
}

function localStore(): Storage | null {
  try {
    // `window` guard: this module is also imported by Node tests, where there is no localStorage.
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null; // storage disabled by the browser's privacy settings
  }
}

let lastWritten: string | null = null;

/**
 * localStorage with validation on read. An unusable value is copied to SETTINGS_BACKUP_KEY before
 * anything can overwrite it, and the load yields a notice instead of settings, so the store starts
 * from defaults and says so.
 */
const settingsStorage: PersistStorage<Persisted> = {
  getItem(name): StorageValue<Persisted> | null {
    const ls = localStore();
    const raw = ls?.getItem(name) ?? null;
    if (raw === null) return null;
    const checked = checkStoredSettings(raw);
    if (checked.ok) {
      lastWritten = raw;
      return { state: { settings: checked.settings, settingsNotice: null }, version: SETTINGS_VERSION };
    }
    let kept = `The saved value is kept in localStorage under "${SETTINGS_BACKUP_KEY}".`;
    try {
      ls?.setItem(SETTINGS_BACKUP_KEY, raw);
    } catch (err) {
      kept = `It could not be backed up (${errorMessage(err)}); it is still under "${name}" until you change a setting.`;
    }
    const notice = `Saved settings could not be used (${checked.problem}), so the defaults are loaded. ${kept}`;
    return { state: { settingsNotice: notice }, version: SETTINGS_VERSION };
  },
  setItem(name, value) {
    // persist writes on every state change, including each training step; skip identical writes.
    const json = JSON.stringify(value);
    if (json === lastWritten) return;
    try {
      localStore()?.setItem(name, json);
      lastWritten = json;
    } catch (err) {
      console.warn(`could not save settings: ${errorMessage(err)}`);
    }
  },
  removeItem(name) {
    localStore()?.removeItem(name);
  },
};

// ---- the session --------------------------------------------------------------------------------

let session: RunSession | null = null;

/** The page's one run session, made on first use (its client spawns workers only on a start). */
export function runSession(): RunSession {
  if (session) return session;
  const created = new RunSession({
    onEvent: (e) => {
      useRunStore.setState((s) => applyEvent(s, e));
      runHistory.event(e); // the Runs view keeps every run (store/run-history.ts)
    },
    models: modelSession,
    checkpoints: checkpointLibrary,
  });
  // Vite hot reload replaces this module; terminate the old session's workers instead of leaking them.
  import.meta.hot?.dispose(() => created.dispose());
  session = created;
  return created;
}

// ---- the store ----------------------------------------------------------------------------------

const withoutKeys = (errors: FieldErrors, keys: (keyof RunSpec)[]): FieldErrors => {
  const next = { ...errors };
  for (const k of keys) delete next[k];
  return next;
};

export const useRunStore = create<RunStore>()(
  persist(
    (set, get) => ({
      ...initialRunState,
      settings: defaultSpec(),
      fieldErrors: {},
      settingsNotice: null,

      setSetting(key, value) {
        const { settings, fieldErrors } = get();
        try {
          const next = validateSpec({ ...settings, [key]: value });
          set({ settings: next, fieldErrors: withoutKeys(fieldErrors, [key]) });
          return true;
        } catch (err) {
          set({ fieldErrors: { ...fieldErrors, [key]: errorMessage(err).replace(/^run spec: /, '') } });
          return false;
        }
      },

      setPreset(preset) {
        const p = PRESETS[preset];
        const reset: (keyof RunSpec)[] = ['preset', 'maxSourceLength', 'maxTargetLength', 'vocabSize'];
        set((s) => ({
          settings: {
            ...s.settings,
            preset,
            maxSourceLength: p.maxSourceLength,
            maxTargetLength: p.maxTargetLength,
            vocabSize: p.vocabSize,
          },
          fieldErrors: withoutKeys(s.fieldErrors, reset),
        }));
      },

      resetSettings() {
        set({ settings: defaultSpec(), fieldErrors: {} });
      },

      dismissSettingsNotice() {
        set({ settingsNotice: null });
      },

      start() {
        const s = get();
        if (s.status === 'running') return;
        const data = useDataStore.getState().source;
        if (!data) {
          set({
            status: 'error',
            error: 'No training data yet: pick a JSONL/CSV file with document and summary columns.',
          });
          return;
        }
        const bad = Object.entries(s.fieldErrors)[0];
        if (bad) {
          set({ status: 'error', error: `Fix the settings first: ${bad[1]}` });
          return;
        }
        let spec: RunSpec;
        try {
          spec = validateSpec({ ...s.settings });
        } catch (err) {
          set({ status: 'error', error: errorMessage(err) });
          return;
        }
        const base = modelSession.base;
        // What the settings panel shows under the fields (the chosen model's positions), in the same words.
        const issue = firstIssue(checkPageSettings(spec, base, useDataStore.getState()));
        if (issue) {
          set({ status: 'error', error: `Fix the settings first: ${issue}` });
          return;
        }
        set(beginRun());
        // The kept run and its checkpoints share one id, so a resume continues the kept run.
        const runId = newRunId();
        runHistory.begin(runId, spec, base ? base.label : `a fresh ${spec.preset} model`);
        runSession().start(spec, data, runId);
      },

      async resume(checkpointId) {
        if (get().status === 'running') return;
        const data = useDataStore.getState().source;
        if (!data) {
          set({ status: 'error', error: 'No training data yet: a resumed run needs the data it was trained on.' });
          return;
        }
        // A run another tab is running writes these checkpoints: resuming it here would prune them under it.
        const ckptRun = useCheckpointsStore.getState().list.find((c) => c.id === checkpointId)?.runId;
        if (ckptRun && (await runHistory.heldElsewhere(ckptRun))) {
          set({ status: 'error', error: `Could not resume from ${checkpointId}: ${RUN_HELD_MESSAGE}` });
          return;
        }
        try {
          // The run continues with its own settings; the page shows them (where it runs may change).
          await runSession().resume(checkpointId, data, get().settings, (spec, statusLine) => {
            set({ settings: spec, fieldErrors: {} });
            set(beginRun());
            set({ statusLine });
            const ckpt = useCheckpointsStore.getState().list.find((c) => c.id === checkpointId);
            const base = modelSession.base;
            if (ckpt) runHistory.resume(ckpt.runId, ckpt, spec, base ? base.label : `a fresh ${spec.preset} model`);
            else runHistory.begin(newRunId(), spec, statusLine.replace(/…$/, ''));
          });
        } catch (err) {
          set({ status: 'error', error: `Could not resume from ${checkpointId}: ${errorMessage(err)}` });
        }
      },

      stop() {
        if (get().status !== 'running') return;
        session?.stop();
        set((s) => requestStop(s));
      },
    }),
    {
      name: SETTINGS_KEY,
      version: SETTINGS_VERSION,
      storage: settingsStorage,
      // Only the settings are the user's to keep; a run's results belong to that page session.
      partialize: (s): Persisted => ({ settings: s.settings }),
      merge: (persisted, current) => {
        const p = (persisted ?? {}) as Persisted;
        return {
          ...current,
          settings: p.settings ?? current.settings,
          settingsNotice: p.settingsNotice ?? null,
        };
      },
    },
  ),
);
