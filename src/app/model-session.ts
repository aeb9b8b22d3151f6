// The two models a page keeps: the base a run starts from (null: a fresh preset) and the model the
// last run or sweep trained. This session is their one owner — runs and sweeps read the base and
// hand their trained model here — and reports every change to its listener (the model store).
// Files are checked when picked (importModelFiles throws with a message naming what is wrong) and
// kept in IndexedDB, so nothing is lost on reload. A base from the Hugging Face Hub is kept as a
// reference (repo, revision, commit): its files stay in the model cache and are read from it on load.
import { exportModelFiles, importModelFiles, zipModelFiles, type ModelFile } from '../model/io/model-files';
import { generateInWorker, type Generated } from '../runtime/generate/client';
import type { BackendChoice, RunSpec } from '../train/spec';
import { generationSettingsOf, type GenerationSettings } from '../model/generate/generate';
import { deleteModel, loadModels, saveModel, type HubBaseRef, type ModelSlot, type StoredModel } from './model-storage';
import { errorMessage } from '../core/errors';

export interface ModelsChange {
  base?: StoredModel | null;
  trained?: StoredModel | null;
  /** A save or delete in the background failed (foreground actions throw instead). */
  error?: string;
}

/** How Try it decodes: the run's generation settings (as evaluation and the sweep use them), backend, and whether to wrap the text as a training prompt. */
export interface TryOptions extends GenerationSettings {
  maxNewTokens: number;
  backend: BackendChoice;
  summarize: boolean;
}

/** Try it with the run settings' generation: beams, penalties, bans and max new tokens = max target length. */
export function tryOptionsOf(spec: RunSpec, summarize: boolean): TryOptions {
  return { ...generationSettingsOf(spec), maxNewTokens: spec.maxTargetLength, backend: spec.backend, summarize };
}

const stamp = () => new Date().toISOString();

/** Base64 in chunks: String.fromCharCode(...bytes) overflows the stack on a whole model. */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export class ModelSession {
  base: StoredModel | null = null;
  trained: StoredModel | null = null;
  private loaded: Promise<void> | null = null;

  /** `hubFiles` reads a Hub base's files from the model cache (no request: works offline). */
  constructor(
    private readonly changed: (c: ModelsChange) => void,
    private readonly hubFiles?: (ref: HubBaseRef) => Promise<ModelFile[]>,
  ) {}

  private set(c: { base?: StoredModel | null; trained?: StoredModel | null }): void {
    if (c.base !== undefined) this.base = c.base;
    if (c.trained !== undefined) this.trained = c.trained;
    this.changed(c);
  }

  private saveQuietly(m: StoredModel): Promise<void> {
    return saveModel(m).catch((e: unknown) => this.changed({ error: errorMessage(e) }));
  }

  /** Reads the saved models once per page; later calls wait for that read. */
  load(): Promise<void> {
    this.loaded ??= loadModels()
      .then(async (m) =>
        this.set({ base: m.base ? await this.withHubFiles(m.base) : null, trained: m.trained ?? null }),
      )
      .catch((e: unknown) => this.changed({ error: errorMessage(e) }));
    return this.loaded;
  }

  /** A stored Hub base with its files read from the model cache; kept without them (and said why) when they are gone. */
  private async withHubFiles(m: StoredModel): Promise<StoredModel> {
    if (!m.hub || m.files.length > 0) return m;
    try {
      if (!this.hubFiles) throw new Error('no model cache on this page');
      return { ...m, files: await this.hubFiles(m.hub) };
    } catch (e) {
      this.changed({
        error: `The base model ${m.hub.repo} (${m.hub.commit.slice(0, 12)}) could not be read from the model cache: ${errorMessage(e)}. Download it again, or use a fresh preset.`,
      });
      return m;
    }
  }

  /** Makes a model downloaded from the Hub the base; only the reference is saved (the files are in the model cache). */
  async useHubBase(hub: HubBaseRef, files: ModelFile[], notes: string[]): Promise<void> {
    const base: StoredModel = {
      slot: 'base',
      label: `${hub.repo} from the Hugging Face Hub (${hub.revision === hub.commit ? '' : `${hub.revision}, `}commit ${hub.commit.slice(0, 12)})`,
      notes,
      files,
      savedAt: stamp(),
      hub,
    };
    this.set({ base });
    await saveModel({ ...base, files: [] });
  }

  /** Makes the picked files the base model; throws, naming what is wrong, when they are not one. */
  async importFiles(picked: File[]): Promise<void> {
    const raw = await Promise.all(
      picked.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
    );
    const m = importModelFiles(raw); // throws, naming what is wrong
    // Kept as HF files whatever came in (a llama2.c pair is converted once, here).
    const files = exportModelFiles(m.config, m.weights, m.tokenizer);
    const base: StoredModel = {
      slot: 'base',
      label: `Imported ${picked.map((f) => f.name).join(', ')}`,
      notes: m.notes,
      files,
      savedAt: stamp(),
    };
    this.set({ base });
    await saveModel(base);
  }

  async clearBase(): Promise<void> {
    this.set({ base: null });
    await deleteModel('base').catch((e: unknown) => this.changed({ error: errorMessage(e) }));
  }

  /** A run's or a sweep's final model, as the HF files the worker sent. */
  async setTrained(files: ModelFile[], label: string): Promise<void> {
    const notes = [`${files.map((f) => f.name).join(', ')}`];
    const trained: StoredModel = { slot: 'trained', label, notes, files, savedAt: stamp() };
    this.set({ trained });
    await this.saveQuietly(trained);
  }

  async continueFromTrained(): Promise<void> {
    const t = this.trained;
    if (!t) return;
    const base: StoredModel = { ...t, slot: 'base', label: `${t.label} (to fine-tune further)`, savedAt: stamp() };
    this.set({ base });
    await this.saveQuietly(base);
  }

  /** The zip of a slot's HF files, and a file name for it. */
  exportZip(slot: ModelSlot): { name: string; bytes: Uint8Array } | null {
    const m = this[slot];
    if (!m) return null;
    return {
      name: `${slot === 'trained' ? 'trained' : 'base'}-model-hf-${m.savedAt.slice(0, 19).replace(/[:T]/g, '-')}.zip`,
      bytes: zipModelFiles(m.files),
    };
  }

  /** Text from a slot's model in a short-lived worker (opts: tryOptionsOf the run settings); null when the slot is empty. */
  async generate(slot: ModelSlot, prompt: string, opts: TryOptions): Promise<Generated | null> {
    const m = this[slot];
    return m ? generateInWorker(m.files, prompt, opts) : null;
  }

  /** For headless drivers: the last trained model's HF files, name → base64 (null: none yet). */
  async trainedFilesBase64(): Promise<Record<string, string> | null> {
    await this.load();
    const t = this.trained;
    return t ? Object.fromEntries(t.files.map((f) => [f.name, base64(f.bytes)])) : null;
  }
}
