// Push to the Hub from the page: the trained model's adapter or merged files, with a model card built
// from what the page knows (the run's settings, its data, its ROUGE), to the user's repo. The access
// token is an argument of push() and nothing else: it never enters this store's state, storage or logs.
import { create } from 'zustand';
import { DEFAULT_HUB_URL, filesToPush, pushToHub, type HubPushResult, type PushWhat } from '../app/hub-push';
import type { ModelFile } from '../model/io/model-files';
import { modelCard, type ModelCardInput } from '../export/model-card';
import { DEFAULT_HUB_DATASET } from '../data/hub';
import { failure } from '../core/errors';
import { useModelStore } from './model';
import { leadBaseline } from './run-events';
import type { RougeSummary } from '../core/events';
import { exportFilesOf } from '../app/model-session';
import { useRunStore } from './run';
import { useDataStore } from './data';

/** The Hub endpoint for models (VITE_HF_HUB_URL points the studio at a mirror or a test stand-in). */
export const HUB_MODELS_URL: string = (import.meta.env?.VITE_HF_HUB_URL as string | undefined) || DEFAULT_HUB_URL;

export interface PushArgs {
  repo: string;
  token: string;
  private: boolean;
  what: PushWhat;
  /** HUB_MODELS_URL when absent (tests give the stand-in's). */
  hubUrl?: string;
}

export interface HubPushStore {
  status: 'idle' | 'pushing' | 'done' | 'error';
  /** What is happening now, in words. */
  progress: string | null;
  result: HubPushResult | null;
  error: string | null;
  push(args: PushArgs): Promise<void>;
  cancel(): void;
}

let controller: AbortController | null = null;

/** The card's facts, from the stores (the base's Hub identity, when the model session records one). */
function cardInput(what: PushWhat, repoId: string, trainedFiles: ModelFile[]): ModelCardInput {
  const run = useRunStore.getState();
  const data = useDataStore.getState();
  const evals = run.evaluations;
  const last = evals.filter((e) => e.epoch > 0).at(-1);
  const epoch0 = evals.find((e) => e.epoch === 0);
  const lead = leadBaseline(run.baselines);
  const pick = (e: RougeSummary) => ({
    rouge1: e.rouge1,
    rouge2: e.rouge2,
    rougeL: e.rougeL,
    rougeLsum: e.rougeLsum,
  });
  // base_model_name_or_path of the adapter names the base; a merged model's card uses the same.
  const adapterConfig = trainedFiles.find((f) => f.name === 'adapter_config.json');
  let base: ModelCardInput['base'] = null;
  if (adapterConfig)
    try {
      const c = JSON.parse(new TextDecoder().decode(adapterConfig.bytes)) as Record<string, unknown>;
      if (typeof c.base_model_name_or_path === 'string')
        base = {
          id: c.base_model_name_or_path,
          ...(typeof c.revision === 'string' ? { revision: c.revision } : {}),
        };
    } catch {
      base = null; // an unreadable config only costs the card its base line
    }
  const hubName =
    data.status === 'default' ? DEFAULT_HUB_DATASET : data.status === 'hub' ? data.hub.dataset : undefined;
  return {
    kind: what,
    repoId,
    base,
    spec: run.settings,
    data: {
      hubName,
      label: data.label,
      trainPairs: data.trainPairs?.length,
      validationPairs: data.validationPairs?.length,
    },
    rouge: last
      ? {
          model: pick(last),
          epoch0: epoch0 ? pick(epoch0) : undefined,
          lead: lead ? pick(lead) : undefined,
          examples: last.examples,
        }
      : undefined,
  };
}

const PHASES: Record<string, string> = {
  'checking-token': 'checking the token',
  'creating-repo': 'creating the repo',
  preuploading: 'preparing the upload',
  committing: 'committing',
};

export const useHubPushStore = create<HubPushStore>()((set) => ({
  status: 'idle',
  progress: null,
  result: null,
  error: null,

  async push({ repo, token, private: isPrivate, what, hubUrl }) {
    const trained = useModelStore.getState().trained;
    // A LoRA model keeps its adapter beside the base's files; 'merged' merges them (merge_and_unload).
    let files: ModelFile[] | null = null;
    try {
      const all = trained ? exportFilesOf(trained, what === 'adapter' ? 'adapter' : 'model') : null;
      files = all ? filesToPush(what === 'adapter' ? all : all.filter((f) => f.name !== 'README.md'), what) : null;
    } catch (e) {
      set({ status: 'error', error: failure(`Push to the Hub failed`, e) });
      return;
    }
    if (!files) {
      set({
        status: 'error',
        error: trained
          ? what === 'adapter'
            ? 'this model has no LoRA adapter (it was fine-tuned in full): push the merged model instead'
            : 'this model has no Hugging Face model files to push'
          : 'no trained model yet: train one first',
      });
      return;
    }
    controller?.abort();
    controller = new AbortController();
    set({ status: 'pushing', progress: 'starting', result: null, error: null });
    try {
      const repoId = repo.trim();
      const result = await pushToHub({
        repo: repoId,
        token,
        private: isPrivate,
        files,
        card: (finalId) => modelCard(cardInput(what, finalId, trained!.adapter ?? trained!.files)),
        hubUrl: hubUrl ?? HUB_MODELS_URL,
        signal: controller.signal,
        onProgress: (p) =>
          set({
            progress:
              p.phase === 'uploading' ? `uploading ${p.file} (${Math.round(p.fraction * 100)}%)` : PHASES[p.phase],
          }),
      });
      set({ status: 'done', result, progress: null });
    } catch (e) {
      set({ status: 'error', error: failure(`Push to the Hub failed`, e), progress: null });
    } finally {
      controller = null;
    }
  },

  cancel() {
    controller?.abort();
  },
}));
