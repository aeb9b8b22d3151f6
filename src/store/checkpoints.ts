// The epoch checkpoints listed in the checkpoints panel (oldest first) and what went wrong with
// them. The checkpoints themselves are the checkpoint library's (app/checkpoint-library.ts), which
// the run session shares to resume from and to say when a run saved one.
import { create } from 'zustand';
import { CheckpointLibrary } from '../app/checkpoint-library';
import type { CheckpointInfo } from '../train/checkpoint/store';
import { errorMessage } from '../core/errors';

export interface CheckpointsState {
  list: CheckpointInfo[]; // oldest first
  error: string | null;
  refresh(): Promise<void>;
  remove(id: string): Promise<void>;
  exportZip(id: string): Promise<{ name: string; bytes: Uint8Array }>;
}

/** The page's one checkpoint library; the run store hands it to its session. */
export const checkpointLibrary = new CheckpointLibrary(() => void useCheckpointsStore.getState().refresh());

export const useCheckpointsStore = create<CheckpointsState>()((set, get) => ({
  list: [],
  error: null,

  async refresh() {
    try {
      set({ list: await checkpointLibrary.list(), error: null });
    } catch (e) {
      set({ error: `Could not list checkpoints: ${errorMessage(e)}` });
    }
  },

  async remove(id) {
    try {
      await checkpointLibrary.remove(id);
    } catch (e) {
      set({ error: `Could not delete ${id}: ${errorMessage(e)}` });
    }
    await get().refresh();
  },

  exportZip: (id) => checkpointLibrary.exportZip(id),
}));
