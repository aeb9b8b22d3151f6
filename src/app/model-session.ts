// The two models a page keeps: the base a run starts from (null: a fresh preset) and the model the
// last run or sweep trained. This session is their one owner — runs and sweeps read the base and
// hand their trained model here — and reports every change to its listener (the model store).
// Files are read and checked when picked, in a worker (app/model-file.ts: unzipping and parsing a
// model on the page froze it for seconds), which answers with the files to keep or one short
// message naming what is wrong; they are kept in IndexedDB, so nothing is lost on reload. A refused
// pick changes nothing: the base and trained models stay as they were. A base from the Hugging Face Hub is kept as a
// reference (repo, revision, commit): its files stay in the model cache and are read from it on load.
import { zipModelFiles, type ModelFile } from '../model/io/model-files';
import { mergedModelFiles } from '../model/io/adapted-model';
import type { PickedAdapter, PickedModel } from '../model/io/picked';
import { importAdapterInWorker, importModelInWorker } from './model-file';
import { listSome } from '../core/bounded-text';
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

/** Reads picked files as a model or an adapter (the model-file worker; tests pass their own). */
export interface ModelFileReader {
  model(picked: File[]): Promise<PickedModel>;
  adapter(picked: File[], baseConfig: ModelFile, baseId?: { id: string; revision: string }): Promise<PickedAdapter>;
}

const workerReader: ModelFileReader = { model: importModelInWorker, adapter: importAdapterInWorker };

/** The names of the files a user picked, as a label shows them (a folder of thousands stays one line). */
const pickedNames = (picked: File[]) =>
  listSome(
    picked.map((f) => f.name),
    3,
  );

export class ModelSession {
  base: StoredModel | null = null;
  trained: StoredModel | null = null;
  private loaded: Promise<void> | null = null;

  /** `hubFiles` reads a Hub base's files from the model cache (no request: works offline). */
  constructor(
    private readonly changed: (c: ModelsChange) => void,
    private readonly hubFiles?: (ref: HubBaseRef) => Promise<ModelFile[]>,
    private readonly reader: ModelFileReader = workerReader,
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
        this.set({
          base: m.base ? await this.withHubFiles(m.base) : null,
          trained: m.trained ? await this.withHubFiles(m.trained) : null,
        }),
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
    // Kept as HF files whatever came in (a llama2.c pair is converted once, in the worker).
    const m = await this.reader.model(picked); // throws, naming what is wrong; nothing is changed yet
    const base: StoredModel = {
      slot: 'base',
      label: `Imported ${pickedNames(picked)}`,
      notes: m.notes,
      files: m.files,
      savedAt: stamp(),
    };
    this.set({ base });
    await saveModel(base);
  }

  async clearBase(): Promise<void> {
    this.set({ base: null });
    await deleteModel('base').catch((e: unknown) => this.changed({ error: errorMessage(e) }));
  }

  /**
   * A run's or a sweep's final model, as the HF files the worker sent. A LoRA run sends its PEFT
   * adapter, and `files` only when the base is not the page's (a fresh preset): the trained model is
   * then the run's base (`onBase`: its files, or its Hub reference) with the adapter on it.
   */
  async setTrained(
    files: ModelFile[],
    label: string,
    lora?: { adapter: ModelFile[]; onBase: StoredModel | null },
  ): Promise<void> {
    const names = (fs: ModelFile[]) => fs.map((f) => f.name).join(', ');
    let trained: StoredModel;
    if (lora) {
      const base = files.length > 0 || !lora.onBase ? { files } : { files: lora.onBase.files, hub: lora.onBase.hub };
      const from = lora.onBase && files.length === 0 ? lora.onBase.label : 'its fresh base';
      trained = {
        slot: 'trained',
        label,
        notes: [`LoRA adapter (${names(lora.adapter)}) on ${from}`],
        ...base,
        adapter: lora.adapter,
        savedAt: stamp(),
      };
    } else trained = { slot: 'trained', label, notes: [names(files)], files, savedAt: stamp() };
    this.set({ trained });
    await this.saveQuietly(trained);
  }

  /**
   * A PEFT adapter the user picked, on the current base: it becomes the trained model (Try it,
   * export, push). Throws, naming what is wrong, when it is not a LoRA adapter for this base.
   */
  async importAdapter(picked: File[]): Promise<void> {
    const base = this.base;
    if (!base || base.files.length === 0)
      throw new Error('choose the base model the adapter was trained on first (a Hub model or model files)');
    const config = base.files.find((f) => f.name === 'config.json');
    if (!config) throw new Error('the base model has no config.json; choose the base model again');
    const a = await this.reader.adapter(picked, config, hubIdentityOf(base)); // throws, naming what is wrong
    const trained: StoredModel = {
      slot: 'trained',
      label: `Adapter ${pickedNames(picked)} on ${base.label}`,
      notes: a.notes,
      files: base.files,
      hub: base.hub,
      adapter: a.adapter,
      savedAt: stamp(),
    };
    this.set({ trained });
    await saveModel(trained);
  }

  async continueFromTrained(): Promise<void> {
    const t = this.trained;
    if (!t) return;
    const base: StoredModel = { ...t, slot: 'base', label: `${t.label} (to fine-tune further)`, savedAt: stamp() };
    this.set({ base });
    await this.saveQuietly(base);
  }

  /**
   * The files of a slot's model as the user takes it home: 'model' its HF files (a LoRA model:
   * base + adapter merged, as merge_and_unload() saves it), 'adapter' its PEFT adapter (null without one).
   */
  filesToExport(slot: ModelSlot, what: 'model' | 'adapter'): ModelFile[] | null {
    const m = this[slot];
    return m ? exportFilesOf(m, what) : null;
  }

  /** The zip of a slot's HF files (or its PEFT adapter), and a file name for it. */
  exportZip(slot: ModelSlot, what: 'model' | 'adapter' = 'model'): { name: string; bytes: Uint8Array } | null {
    const m = this[slot];
    const files = this.filesToExport(slot, what);
    if (!m || !files) return null;
    const kind = what === 'adapter' ? 'peft-adapter' : m.adapter ? 'model-merged-hf' : 'model-hf';
    return {
      name: `${slot === 'trained' ? 'trained' : 'base'}-${kind}-${m.savedAt.slice(0, 19).replace(/[:T]/g, '-')}.zip`,
      bytes: zipModelFiles(files),
    };
  }

  /** Text from a slot's model (with its adapter) in a short-lived worker (opts: tryOptionsOf the run settings); null when the slot is empty. */
  async generate(slot: ModelSlot, prompt: string, opts: TryOptions): Promise<Generated | null> {
    const m = this[slot];
    return m ? generateInWorker(modelFilesOf(m), prompt, opts) : null;
  }

  /** For headless drivers: the last trained model's HF files, name → base64 (null: none yet). */
  async trainedFilesBase64(): Promise<Record<string, string> | null> {
    await this.load();
    const t = this.trained;
    return t ? Object.fromEntries(modelFilesOf(t).map((f) => [f.name, base64(f.bytes)])) : null;
  }
}

/**
 * A model's files as the user takes it home: 'model' its HF files (a LoRA model: base + adapter
 * merged, as merge_and_unload() saves it), 'adapter' its PEFT adapter (null without one).
 */
export function exportFilesOf(m: StoredModel, what: 'model' | 'adapter'): ModelFile[] | null {
  if (what === 'adapter') return m.adapter ?? null;
  return m.adapter ? mergedModelFiles(modelFilesOf(m)) : m.files;
}

/** Where a stored model came from on the Hub, as the worker and PEFT name a base ({id: repo, revision: commit}); undefined for local files. */
export const hubIdentityOf = (m: StoredModel | null): { id: string; revision: string } | undefined =>
  m?.hub ? { id: m.hub.repo, revision: m.hub.commit } : undefined;

/** Every file of a stored model: the base's and, for a LoRA model, its adapter's (model/io/adapted-model.ts reads them). */
export const modelFilesOf = (m: StoredModel): ModelFile[] => [...m.files, ...(m.adapter ?? [])];
