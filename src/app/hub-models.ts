// Models from the Hugging Face Hub by id, as the page does it: plan a repo (sizes, dtypes,
// parameters, before any weight moves), download it into the model cache with progress and
// cancel, continue a download a reload interrupted, make the result the run's base model, and list
// and delete cached models.
// The access token is held in this object's memory for the session only: it is never written to
// storage, never part of a reported state, and scrubbed from every error message (a library could
// echo a header). A download in progress is remembered (repo, revision, commit, endpoint — no
// token) so a reload can offer to continue it; completed files are not fetched again.
import type { ModelFile } from '../model/io/model-files';
import { errorMessage } from '../core/errors';
import type { HubAccess, HubCachedModel, HubDownloadProgress, HubEngine, HubModelRef, HubPlan } from './hub-engine';
import type { HubBaseRef } from './model-storage';

/** An unfinished download, as remembered across a reload. */
export interface PendingDownload {
  repo: string;
  revision: string; // as the user asked
  commit: string; // what it resolved to: the continuation fetches exactly these files
  endpoint: string;
  startedAt: string;
}

export interface PendingStore {
  get(): PendingDownload | null;
  set(p: PendingDownload): void;
  clear(): void;
}

export type HubPhase = 'idle' | 'planning' | 'planned' | 'downloading';

export interface HubModelsState {
  phase: HubPhase;
  plan: HubPlan | null;
  progress: HubDownloadProgress | null;
  pending: PendingDownload | null;
  cached: HubCachedModel[];
  error: string | null;
  /** What navigator.storage.persist() answered (null: not asked yet, or no such API). */
  persisted: boolean | null;
  /** The last thing that finished, in words ("… is the base model"). */
  notice: string | null;
}

export interface HubModelsDeps {
  engine: HubEngine;
  /** The page's model session: a downloaded model becomes its base. */
  models: {
    readonly base: { hub?: HubBaseRef } | null;
    useHubBase(ref: HubBaseRef, files: ModelFile[], notes: string[]): Promise<void>;
    clearBase(): Promise<void>;
  };
  pending: PendingStore;
  /** navigator.storage.persist(), asked once when a model is first cached. */
  persist?: () => Promise<boolean>;
  onChange(c: Partial<HubModelsState>): void;
}

export const initialHubModelsState: HubModelsState = {
  phase: 'idle',
  plan: null,
  progress: null,
  pending: null,
  cached: [],
  error: null,
  persisted: null,
  notice: null,
};

const PENDING_KEY = 'training-studio/hub-download';

/** The part of Storage a PendingStore uses (the page passes its safe layer, store/local-settings.ts). */
export type PendingStorage = Pick<Storage, 'getItem' | 'removeItem'> & { setItem(key: string, value: string): unknown };

/** localStorage where the browser lets us reach it; access itself throws when storage is disabled. */
function defaultStorage(): PendingStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/**
 * The remembered download in localStorage (no token: the record is the repo, revision, commit and
 * endpoint). Best effort and never throwing: a refused write only means a reload cannot offer to
 * continue the download; the download itself goes on.
 */
export function localPending(storage: PendingStorage | undefined = defaultStorage()): PendingStore {
  return {
    get() {
      try {
        const raw = storage?.getItem(PENDING_KEY);
        if (!raw) return null;
        const p = JSON.parse(raw) as Partial<PendingDownload>;
        const ok = [p.repo, p.revision, p.commit, p.endpoint, p.startedAt].every((v) => typeof v === 'string');
        return ok ? (p as PendingDownload) : null;
      } catch {
        return null; // an unreadable record is no offer, not an error on every load
      }
    },
    set(p) {
      const { repo, revision, commit, endpoint, startedAt } = p; // exactly these fields: nothing else is stored
      try {
        storage?.setItem(PENDING_KEY, JSON.stringify({ repo, revision, commit, endpoint, startedAt }));
      } catch {
        // storage full or refused: the download goes on; only its resumption after a reload is lost
      }
    },
    clear() {
      try {
        storage?.removeItem(PENDING_KEY);
      } catch {
        // refused: nothing is lost but the offer to continue
      }
    },
  };
}

/** The browser's persist(): asked once; false where the API is missing. */
export function browserPersist(): Promise<boolean> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  return storage?.persist ? storage.persist() : Promise.resolve(false);
}

export const isAbort = (e: unknown) => (e as { name?: unknown } | null)?.name === 'AbortError';

export class HubModels {
  private token = ''; // the session's access token: memory only
  private endpoint: string;
  private controller: AbortController | null = null;
  private plan: HubPlan | null = null;
  private persistAsked = false;

  constructor(
    private readonly deps: HubModelsDeps,
    endpoint: string,
  ) {
    this.endpoint = endpoint;
  }

  /** The token for this session; '' forgets it. Never stored. */
  setToken(token: string): void {
    this.token = token.trim();
  }

  setEndpoint(endpoint: string): void {
    this.endpoint = endpoint.trim().replace(/\/+$/, '');
  }

  private access(endpoint = this.endpoint): HubAccess {
    return this.token ? { endpoint, accessToken: this.token } : { endpoint };
  }

  /** An error's message with the token (if one is set) cut out: it must not reach the screen or logs. */
  private say(e: unknown): string {
    const m = errorMessage(e);
    return this.token ? m.split(this.token).join('[token]') : m;
  }

  /** Reads the remembered download and the cache's list (once, on page load). */
  async init(): Promise<void> {
    this.deps.onChange({ pending: this.deps.pending.get() });
    await this.refreshCached();
  }

  async refreshCached(): Promise<void> {
    try {
      this.deps.onChange({ cached: await this.deps.engine.listCached() });
    } catch (e) {
      this.deps.onChange({ error: `Could not list the cached models: ${this.say(e)}` });
    }
  }

  /** Reads config.json and the safetensors headers; throws nothing (the reason goes to `error`). */
  async planModel(ref: HubModelRef): Promise<HubPlan | null> {
    this.cancel();
    this.plan = null;
    this.deps.onChange({ phase: 'planning', plan: null, progress: null, error: null, notice: null });
    try {
      // The engine checks the id and names what is wrong with it.
      const plan = await this.deps.engine.plan(
        { repo: ref.repo.trim(), revision: ref.revision.trim() || 'main' },
        this.access(),
      );
      this.plan = plan;
      this.deps.onChange({ phase: 'planned', plan });
      return plan;
    } catch (e) {
      this.deps.onChange({ phase: 'idle', error: this.say(e) });
      return null;
    }
  }

  /** Downloads the planned model into the cache and makes it the base model. */
  async download(): Promise<void> {
    const plan = this.plan;
    if (!plan || this.controller) return;
    await this.fetchPlan(plan, this.endpoint);
  }

  /** Continues the download a reload interrupted: the same commit, its completed files not fetched again. */
  async continuePending(): Promise<void> {
    const p = this.deps.pending.get();
    if (!p || this.controller) return;
    this.deps.onChange({ phase: 'planning', error: null, notice: null });
    let plan: HubPlan;
    try {
      plan = await this.deps.engine.plan({ repo: p.repo, revision: p.commit }, this.access(p.endpoint));
    } catch (e) {
      this.deps.onChange({ phase: 'idle', error: this.say(e) });
      return;
    }
    this.plan = plan;
    this.deps.onChange({ plan });
    await this.fetchPlan(plan, p.endpoint, p);
  }

  /** Forgets the interrupted download's offer (the bytes already cached stay until deleted). */
  discardPending(): void {
    this.deps.pending.clear();
    this.deps.onChange({ pending: null });
  }

  private async fetchPlan(plan: HubPlan, endpoint: string, resumed?: PendingDownload): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const pending: PendingDownload = resumed ?? {
      repo: plan.repo,
      revision: plan.revision,
      commit: plan.commit,
      endpoint,
      startedAt: new Date().toISOString(),
    };
    this.deps.pending.set(pending);
    this.deps.onChange({ phase: 'downloading', pending, error: null, notice: null, progress: null });
    void this.askPersist();
    try {
      const files = await this.deps.engine.download(plan, {
        access: this.access(endpoint),
        signal: controller.signal,
        onProgress: (progress) => this.deps.onChange({ progress }),
      });
      this.deps.pending.clear();
      this.deps.onChange({ pending: null });
      await this.deps.models.useHubBase(
        { repo: plan.repo, revision: pending.revision, commit: plan.commit },
        files,
        planNotes(plan),
      );
      this.deps.onChange({ phase: 'planned', notice: `${plan.repo} is downloaded and is the base model` });
    } catch (e) {
      this.deps.onChange({
        phase: 'planned',
        error: isAbort(e) ? null : `Download of ${plan.repo} failed: ${this.say(e)}`,
        notice: isAbort(e) ? 'Download cancelled: the files completed so far stay cached' : null,
      });
    } finally {
      this.controller = null;
      await this.refreshCached();
    }
  }

  private async askPersist(): Promise<void> {
    if (this.persistAsked || !this.deps.persist) return;
    this.persistAsked = true;
    try {
      this.deps.onChange({ persisted: await this.deps.persist() });
    } catch {
      this.deps.onChange({ persisted: false });
    }
  }

  cancel(): void {
    this.controller?.abort(new DOMException('download cancelled', 'AbortError'));
  }

  /** Makes a cached model the base model, with no request. */
  async useCached(m: HubCachedModel): Promise<void> {
    this.deps.onChange({ error: null, notice: null });
    try {
      const files = await this.deps.engine.loadCached({ repo: m.repo, revision: m.commit });
      const notes = [
        `${m.repo} at ${m.commit.slice(0, 12)}, from the browser's model cache`,
        `${m.parameterCount.toLocaleString('en-US')} parameters, ${files.length} files`,
      ];
      await this.deps.models.useHubBase(
        { repo: m.repo, revision: m.revisions[0] ?? m.commit, commit: m.commit },
        files,
        notes,
      );
      this.deps.onChange({ notice: `${m.repo} (from the cache) is the base model` });
    } catch (e) {
      this.deps.onChange({ error: `Could not use the cached ${m.repo}: ${this.say(e)}` });
    }
  }

  /** Deletes a cached model; when it is the base model, the base goes back to a fresh preset. */
  async deleteCached(m: HubCachedModel): Promise<void> {
    this.deps.onChange({ error: null, notice: null });
    try {
      await this.deps.engine.deleteCached(m.repo, m.commit);
      const base = this.deps.models.base?.hub;
      const wasBase = base !== undefined && base.repo === m.repo && base.commit === m.commit;
      if (wasBase) await this.deps.models.clearBase();
      const p = this.deps.pending.get();
      if (p && p.repo === m.repo && p.commit === m.commit) this.discardPending();
      this.deps.onChange({
        notice: `Deleted ${m.repo} from the cache${wasBase ? '; the base model is a fresh preset again' : ''}`,
      });
    } catch (e) {
      this.deps.onChange({ error: `Could not delete ${m.repo}: ${this.say(e)}` });
    } finally {
      await this.refreshCached();
    }
  }
}

/** The model card's lines for a downloaded plan. */
export function planNotes(plan: HubPlan): string[] {
  const c = plan.config;
  return [
    `${plan.repo} at ${plan.commit.slice(0, 12)} (revision ${plan.revision})`,
    `${plan.parameterCount.toLocaleString('en-US')} parameters, ${dtypeNames(plan).join('/')}, ${plan.files.length} files`,
    `${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, ${c.numAttentionHeads} heads / ${c.numKeyValueHeads} KV, vocabulary ${c.vocabSize}`,
  ];
}

/** The stored dtypes of a plan's weights, e.g. ['BF16']. */
export const dtypeNames = (plan: Pick<HubPlan, 'dtypes'>): string[] => Object.keys(plan.dtypes).sort();
