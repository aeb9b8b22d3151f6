// The checkpoints (epoch and mid-epoch) listed in the checkpoints panel (oldest first) and what went wrong with
// them. The checkpoints themselves are the checkpoint library's (app/checkpoint-library.ts), which
// the run session shares to resume from and to say when a run saved one.
import { create } from 'zustand';
import { CheckpointLibrary } from '../app/checkpoint-library';
import type { CheckpointInfo } from '../train/checkpoint/store';
import { failure } from '../core/errors';
import { runHistory } from './runs';
import { storageEstimate, storagePersisted } from '../core/storage-quota';
import { browserPersist } from '../app/hub-models';

/** The site's storage as the browser reports it: bytes used and allowed, and whether it may be evicted. */
export interface StorageReport {
  usage: number | null;
  quota: number | null;
  persisted: boolean | null; // null: not known (no such API)
}

export interface CheckpointsState {
  list: CheckpointInfo[]; // oldest first
  error: string | null;
  storage: StorageReport | null;
  /** The run in progress could not save a checkpoint (storage full): why, and that it trains on without them. */
  off: string | null;
  refresh(): Promise<void>;
  remove(id: string): Promise<void>;
  exportZip(id: string): Promise<{ name: string; bytes: Uint8Array }>;
}

// Checkpoints are what a reload or crash must not lose: once a run saves its first one, ask the
// browser (once a page) to keep the site's storage under pressure instead of evicting it.
let persistAsked = false;
async function askPersist(): Promise<void> {
  if (persistAsked) return;
  persistAsked = true;
  try {
    await browserPersist();
  } catch {
    // best effort: the panel shows what the browser granted either way
  }
}

/** The page's one checkpoint library; the run store hands it to its session. */
export const checkpointLibrary = new CheckpointLibrary(() => {
  // The kept run is written at once too, so a resume from this checkpoint finds every step before it;
  // the panel lists the checkpoint once that write has landed, so a checkpoint shown is never ahead
  // of the kept run (a reload right after it appears keeps both).
  void Promise.all([runHistory.flush(), askPersist()]).then(() => useCheckpointsStore.getState().refresh());
});

export const useCheckpointsStore = create<CheckpointsState>()((set, get) => ({
  list: [],
  error: null,
  storage: null,
  off: null,

  async refresh() {
    try {
      set({ list: await checkpointLibrary.list(), error: null });
    } catch (e) {
      set({ error: failure(`Could not list checkpoints`, e) });
    }
    const [estimate, persisted] = await Promise.all([storageEstimate(), storagePersisted()]);
    set({ storage: { usage: estimate?.usage ?? null, quota: estimate?.quota ?? null, persisted } });
  },

  async remove(id) {
    try {
      await checkpointLibrary.remove(id);
    } catch (e) {
      set({ error: failure(`Could not delete ${id}`, e) });
    }
    await get().refresh();
  },

  exportZip: (id) => checkpointLibrary.exportZip(id),
}));
