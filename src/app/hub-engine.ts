// The Hugging Face Hub model engine as the page uses it: plan a repo (config, safetensors headers,
// sizes) before any weight moves, download it into the model cache with progress, list, load and
// delete cached models. The engine itself is src/model/hub/ (plain TypeScript, tested in Node);
// this file is the narrow face the session (hub-models.ts) and its tests program against, so a
// fake engine can stand in for it.
import type { LlamaConfig } from '../model/config';
import type { ModelFile } from '../model/io/model-files';
import type { HubDownloadProgress } from '../model/hub/download';

/** A model on the Hub: repo id and the revision asked for (branch, tag or commit). */
export interface HubModelRef {
  repo: string;
  revision: string;
}

/** Where the Hub is and who asks: the access token lives in memory only (never stored). */
export interface HubAccess {
  endpoint: string;
  accessToken?: string;
}

export interface HubPlanFile {
  path: string;
  size: number; // bytes
}

/** What a repo holds, read before any weights move (the part of model/hub's HubModelPlan the page shows). */
export interface HubPlan {
  repo: string;
  revision: string; // as asked
  commit: string; // the sha the revision resolved to: what the cache and the run's base identity name
  files: HubPlanFile[]; // everything the download fetches (weights, config, tokenizer files)
  downloadBytes: number;
  parameterCount: number;
  /** Per stored dtype: how many tensors and parameters are in it. */
  dtypes: Partial<Record<string, { tensors: number; parameters: number }>>;
  config: LlamaConfig;
  tokenizerFiles: string[];
  sharded: boolean;
  gated: boolean;
  notes: string[];
}

// Download progress is the engine's own (per file and in total: bytes, rate, ETA).
export type { HubDownloadProgress, HubFileProgress, HubFileState } from '../model/hub/download';
/** A model in the browser's model cache, complete or partly downloaded. */
export interface HubCachedModel {
  repo: string;
  commit: string;
  revisions: string[]; // named revisions that point at this commit
  totalBytes: number;
  cachedBytes: number;
  complete: boolean;
  parameterCount: number;
  savedAt: string;
}

export interface HubEngine {
  /** Throws an Error naming the field and the reason when the repo cannot be run. */
  plan(ref: HubModelRef, access: HubAccess): Promise<HubPlan>;
  /** Completed files are not fetched again; a partial file continues with a Range request. */
  download(
    plan: HubPlan,
    opts: { access: HubAccess; signal?: AbortSignal; onProgress?: (p: HubDownloadProgress) => void },
  ): Promise<ModelFile[]>;
  listCached(): Promise<HubCachedModel[]>;
  deleteCached(repo: string, commit: string): Promise<void>;
  /** A cached model's files, with no request (works offline); throws when it is not cached. */
  loadCached(ref: HubModelRef): Promise<ModelFile[]>;
}
