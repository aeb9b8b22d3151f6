// The user's models survive a reload: the imported base model and the last trained model, as the
// Hugging Face files they are, in IndexedDB (one record per slot).
import { openDB, type IDBPDatabase } from 'idb';
import type { ModelFile } from '../model/io/model-files';
import { isQuotaError, usageText } from '../core/storage-quota';
import { failure } from '../core/errors';

export type ModelSlot = 'base' | 'trained';

/** A base model from the Hugging Face Hub: its files live in the model cache, not in this record. */
export interface HubBaseRef {
  repo: string;
  revision: string; // as the user asked (branch, tag or commit)
  commit: string; // the sha the files came from
}

export interface StoredModel {
  slot: ModelSlot;
  label: string; // what the user sees: where it came from, when
  notes: string[];
  files: ModelFile[]; // stored empty for a Hub base (read from the model cache on load)
  savedAt: string; // ISO time
  hub?: HubBaseRef;
  /** A PEFT LoRA adapter on the model `files` (or `hub`) is: adapter_config.json + adapter_model.safetensors. */
  adapter?: ModelFile[];
}

/** What a stored record keeps: a Hub model's files stay in the model cache, never a second copy here. */
export const toStored = (m: StoredModel): StoredModel => (m.hub ? { ...m, files: [] } : m);

const DB = 'training-studio-models';
let dbPromise: Promise<IDBPDatabase> | null = null;

function db(): Promise<IDBPDatabase> {
  dbPromise ??= openDB(DB, 1, { upgrade: (d) => d.createObjectStore('models', { keyPath: 'slot' }) });
  return dbPromise;
}

async function explain(err: unknown, what: string): Promise<Error> {
  if (isQuotaError(err))
    return new Error(
      `browser storage is full: could not ${what}. ${await usageText()} Delete old studies or checkpoints to free space.`,
      { cause: err },
    );
  return new Error(failure(`could not ${what}`, err), { cause: err });
}

export async function saveModel(m: StoredModel): Promise<void> {
  try {
    await (await db()).put('models', toStored(m));
  } catch (e) {
    throw await explain(e, `save the ${m.slot} model`);
  }
}

export async function loadModels(): Promise<Partial<Record<ModelSlot, StoredModel>>> {
  try {
    const all = (await (await db()).getAll('models')) as StoredModel[];
    return Object.fromEntries(all.map((m) => [m.slot, m]));
  } catch (e) {
    throw await explain(e, 'read the saved models');
  }
}

export async function deleteModel(slot: ModelSlot): Promise<void> {
  try {
    await (await db()).delete('models', slot);
  } catch (e) {
    throw await explain(e, `forget the ${slot} model`);
  }
}
