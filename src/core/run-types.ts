// The shapes the page and the workers share about a run: where its data comes from, which
// backend a replica got, what the page knows of each replica, and the fault drills.

/** A tfjs backend the studio runs on. */
export type BackendName = 'webgpu' | 'wasm' | 'cpu';

/** Where the worker gets its training text: URLs served by the app, or text the user picked. */
export type DataSource =
  | { kind: 'url'; trainUrl: string; validationUrl?: string }
  | { kind: 'text'; name: string; trainText: string; validationText?: string };

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

