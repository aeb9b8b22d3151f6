// Picks where checkpoints persist: the Origin Private File System when the browser has it (files,
// no structured-clone copies of 100 MB values), else IndexedDB. getDirectory() can exist yet
// refuse (Firefox private windows), so OPFS is tried, not merely detected.
import { openIndexedDbCheckpointStore } from './idb';
import { openOpfsCheckpointStore } from './opfs';
import type { CheckpointStore } from './store';

export async function openCheckpointStore(): Promise<CheckpointStore> {
  if (typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function') {
    try {
      return await openOpfsCheckpointStore();
    } catch {
      // fall through to IndexedDB
    }
  }
  if (typeof indexedDB !== 'undefined') return openIndexedDbCheckpointStore();
  throw new Error(
    'no persistent storage for checkpoints: this browser offers neither the Origin Private File System nor IndexedDB',
  );
}
