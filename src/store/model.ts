// Which model a run starts from (a fresh preset, or an imported one), the model the last run
// trained, and what the user asked each to say. The models themselves live in the model session
// (app/model-session.ts), which runs and sweeps share; this store mirrors them for the page and
// keeps what is in progress and what went wrong.
import { create } from 'zustand';
import { ModelSession, type TryOptions } from '../app/model-session';
import { pageHubEngine } from '../app/hub-engine-page';
import type { ModelSlot, StoredModel } from '../app/model-storage';
import { failure } from '../core/errors';
import { listSome } from '../core/bounded-text';

/** Try it decodes with the run settings' generation (app/model-session.ts). */
export { tryOptionsOf } from '../app/model-session';

export interface TryResult {
  slot: ModelSlot;
  prompt: string;
  text: string;
  backend: string;
}

export interface ModelStore {
  base: StoredModel | null; // null: a fresh model of the preset
  trained: StoredModel | null;
  busy: string | null; // what is in progress, in words
  error: string | null;
  tried: TryResult | null;
  load(): Promise<void>;
  importFiles(files: File[]): Promise<void>;
  clearBase(): Promise<void>;
  continueFromTrained(): Promise<void>;
  /** A PEFT adapter the user picked becomes the trained model, on the current base (checked against it). */
  importAdapter(files: File[]): Promise<void>;
  /** The zip of a slot's HF files (merged for a LoRA model) or of its PEFT adapter, and a file name for it. */
  exportZip(slot: ModelSlot, what?: 'model' | 'adapter'): { name: string; bytes: Uint8Array } | null;
  tryModel(slot: ModelSlot, prompt: string, opts: TryOptions): Promise<void>;
}

/** The page's one model session; runs and sweeps are handed it (store/run.ts, store/sweep.ts). */
export const modelSession = new ModelSession(
  ({ error, ...models }) => {
    useModelStore.setState(error === undefined ? models : { ...models, error });
  },
  // A Hub base's files come from the model cache, with no request.
  (ref) => pageHubEngine().loadCached({ repo: ref.repo, revision: ref.commit }),
);

export const useModelStore = create<ModelStore>()((set, get) => ({
  base: null,
  trained: null,
  busy: null,
  error: null,
  tried: null,

  load: () => modelSession.load(),

  async importFiles(picked) {
    set({
      busy: `reading ${listSome(
        picked.map((f) => f.name),
        3,
      )}`,
      error: null,
    });
    try {
      await modelSession.importFiles(picked);
    } catch (e) {
      set({ error: failure(`Could not import the model`, e) });
    } finally {
      set({ busy: null });
    }
  },

  async clearBase() {
    set({ error: null });
    await modelSession.clearBase();
  },

  async continueFromTrained() {
    if (!get().trained) return;
    set({ error: null });
    await modelSession.continueFromTrained();
  },

  async importAdapter(picked) {
    set({
      busy: `reading the adapter ${listSome(
        picked.map((f) => f.name),
        3,
      )}`,
      error: null,
    });
    try {
      await modelSession.importAdapter(picked);
    } catch (e) {
      set({ error: failure(`Could not import the adapter`, e) });
    } finally {
      set({ busy: null });
    }
  },

  exportZip: (slot, what) => modelSession.exportZip(slot, what),

  async tryModel(slot, prompt, opts) {
    if (!get()[slot]) return;
    set({ busy: `generating with the ${slot} model`, error: null });
    try {
      const out = await modelSession.generate(slot, prompt, opts);
      if (out) set({ tried: { slot, prompt, text: out.text, backend: out.backend } });
    } catch (e) {
      set({ error: failure(`Generation failed`, e) });
    } finally {
      set({ busy: null });
    }
  },
}));
