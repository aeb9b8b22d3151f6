// The epoch checkpoints kept in this browser (OPFS, else IndexedDB): listed for the checkpoints
// panel, resumed by the run store, exported as Hugging Face files, deleted only by the user
// (or by the keep-last-3 rotation of their own run).
import { create } from 'zustand';
import { exportModelFiles, zipModelFiles } from '../model/io/model-files';
import { decodeCheckpoint, type TrainingCheckpoint } from '../train/checkpoint/checkpoint';
import { openCheckpointStore } from '../train/checkpoint/open';
import type { CheckpointInfo, CheckpointStore } from '../train/checkpoint/store';
import { checkpointModel } from '../train/run';

export interface CheckpointsState {
  list: CheckpointInfo[]; // oldest first
  error: string | null;
  refresh(): Promise<void>;
  load(id: string): Promise<TrainingCheckpoint>;
  remove(id: string): Promise<void>;
  exportZip(id: string): Promise<{ name: string; bytes: Uint8Array }>;
}

let storePromise: Promise<CheckpointStore> | null = null;
const store = () => (storePromise ??= openCheckpointStore());
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A new run's id: a time stamp, so runs sort by age and the id can name a file. */
export const newRunId = (now = new Date()) => `run-${now.toISOString().replace(/[:.]/g, '-')}`;

export const useCheckpointsStore = create<CheckpointsState>()((set, get) => ({
  list: [],
  error: null,

  async refresh() {
    try {
      set({ list: await (await store()).list(), error: null });
    } catch (e) {
      set({ error: `Could not list checkpoints: ${message(e)}` });
    }
  },

  async load(id) {
    return decodeCheckpoint(await (await store()).load(id));
  },

  async remove(id) {
    try {
      await (await store()).delete(id);
    } catch (e) {
      set({ error: `Could not delete ${id}: ${message(e)}` });
    }
    await get().refresh();
  },

  async exportZip(id) {
    const ckpt = await get().load(id);
    const m = checkpointModel(ckpt);
    return { name: `${id}-hf.zip`, bytes: zipModelFiles(exportModelFiles(m.config, m.weights, m.tokenizer)) };
  },
}));
