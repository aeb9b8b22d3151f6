// The shapes the page and the workers share about a run: where its data comes from, which
// backend a replica got, what the page knows of each replica, and the fault drills.
import type { Pair } from './example';

/** A tfjs backend the studio runs on. */
export type BackendName = 'webgpu' | 'wasm' | 'cpu';

/**
 * Where the worker gets its training pairs: files served by the app (the untouched default sample,
 * fetched and read in the worker), or the pairs the page already read and mapped from the user's
 * data (structured-cloned as they are, never turned back into text).
 */
export type DataSource =
  | { kind: 'url'; trainUrl: string; validationUrl?: string }
  | { kind: 'pairs'; name: string; train: Pair[]; validation?: Pair[] };

export type FaultKind = 'nan-loss' | 'lose-device';

/** What the page knows of one replica (the client assembles it from that worker's messages). */
export interface ReplicaInfo {
  rank: number;
  state: 'starting' | 'running' | 'done' | 'failed';
  backend: string;
  adapter: string;
  checksum: number | null;
  optimizerBytes: number | null;
}
