// Which model a run starts from (a fresh preset, or an imported one), the model the last run
// trained, and what the user asked each to say. Files are checked when picked (importModelFiles
// throws with a message naming what is wrong) and kept in IndexedDB, so nothing is lost on reload.
import { create } from 'zustand';
import { exportModelFiles, importModelFiles, zipModelFiles, type ModelFile } from '../model/io/model-files';
import { generateInWorker } from '../runtime/generate/client';
import type { BackendChoice } from '../train/spec';
import { deleteModel, loadModels, saveModel, type ModelSlot, type StoredModel } from './model-storage';

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
  setTrained(files: ModelFile[], label: string): Promise<void>;
  useTrainedAsBase(): Promise<void>;
  /** The zip of a slot's HF files, and a file name for it. */
  exportZip(slot: ModelSlot): { name: string; bytes: Uint8Array } | null;
  tryModel(slot: ModelSlot, prompt: string, opts: { maxNewTokens: number; backend: BackendChoice; summarize: boolean }): Promise<void>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const stamp = () => new Date().toISOString();

let loaded: Promise<void> | null = null;

export const useModelStore = create<ModelStore>()((set, get) => ({
  base: null,
  trained: null,
  busy: null,
  error: null,
  tried: null,

  load() {
    loaded ??= loadModels()
      .then((m) => set({ base: m.base ?? null, trained: m.trained ?? null }))
      .catch((e: unknown) => set({ error: message(e) }));
    return loaded;
  },

  async importFiles(picked) {
    set({ busy: `reading ${picked.map((f) => f.name).join(', ')}`, error: null });
    try {
      const raw = await Promise.all(picked.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      const m = importModelFiles(raw); // throws, naming what is wrong
      // Kept as HF files whatever came in (a llama2.c pair is converted once, here).
      const files = exportModelFiles(m.config, m.weights, m.tokenizer);
      const base: StoredModel = { slot: 'base', label: `Imported ${picked.map((f) => f.name).join(', ')}`, notes: m.notes, files, savedAt: stamp() };
      set({ base });
      await saveModel(base);
    } catch (e) {
      set({ error: `Could not import the model: ${message(e)}` });
    } finally {
      set({ busy: null });
    }
  },

  async clearBase() {
    set({ base: null, error: null });
    await deleteModel('base').catch((e: unknown) => set({ error: message(e) }));
  },

  async setTrained(files, label) {
    const notes = [`${files.map((f) => f.name).join(', ')}`];
    const trained: StoredModel = { slot: 'trained', label, notes, files, savedAt: stamp() };
    set({ trained });
    await saveModel(trained).catch((e: unknown) => set({ error: message(e) }));
  },

  async useTrainedAsBase() {
    const t = get().trained;
    if (!t) return;
    const base: StoredModel = { ...t, slot: 'base', label: `${t.label} (to fine-tune further)`, savedAt: stamp() };
    set({ base, error: null });
    await saveModel(base).catch((e: unknown) => set({ error: message(e) }));
  },

  exportZip(slot) {
    const m = get()[slot];
    if (!m) return null;
    return { name: `${slot === 'trained' ? 'trained' : 'base'}-model-hf-${m.savedAt.slice(0, 19).replace(/[:T]/g, '-')}.zip`, bytes: zipModelFiles(m.files) };
  },

  async tryModel(slot, prompt, opts) {
    const m = get()[slot];
    if (!m) return;
    set({ busy: `generating with the ${slot} model`, error: null });
    try {
      const out = await generateInWorker(m.files, prompt, opts);
      set({ tried: { slot, prompt, text: out.text, backend: out.backend } });
    } catch (e) {
      set({ error: `Generation failed: ${message(e)}` });
    } finally {
      set({ busy: null });
    }
  },
}));

/** Base64 in chunks: String.fromCharCode(...bytes) overflows the stack on a whole model. */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// For headless drivers (scripts/sweep.mjs): the last trained model's HF files, name → base64.
const g = globalThis as { __studio?: Record<string, unknown> };
g.__studio = Object.assign(g.__studio ?? {}, {
  trainedModelFiles: async (): Promise<Record<string, string> | null> => {
    await useModelStore.getState().load();
    const t = useModelStore.getState().trained;
    return t ? Object.fromEntries(t.files.map((f) => [f.name, base64(f.bytes)])) : null;
  },
});
