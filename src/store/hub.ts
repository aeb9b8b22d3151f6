// Hub models on the page: the form (model id, revision, endpoint — kept in localStorage — and the
// access token, which lives in this store's memory only and is never written), and what the Hub session reports —
// the plan, download progress, an interrupted download to continue, the cached models.
import { create } from 'zustand';
import { browserPersist, HubModels, initialHubModelsState, localPending, type HubModelsState } from '../app/hub-models';
import { pageHubEngine } from '../app/hub-engine-page';
import type { HubCachedModel } from '../app/hub-engine';
import { modelSession } from './model';
import { localSettings } from './local-settings';

/** The Hub the model form talks to: VITE_HF_MODEL_ENDPOINT at build time (a mirror), else huggingface.co. */
export const HUB_MODEL_ENDPOINT: string =
  (import.meta.env?.VITE_HF_MODEL_ENDPOINT as string | undefined) || 'https://huggingface.co';

/** The endpoint the user typed is kept (it is no secret), so a mirror survives a reload. */
const ENDPOINT_KEY = 'training-studio/hub-model-endpoint';
function storedEndpoint(): string {
  return localSettings.getItem(ENDPOINT_KEY) || HUB_MODEL_ENDPOINT;
}
/** Through the page's safe layer: a refused write lasts for this page (and is said once). */
function keepEndpoint(endpoint: string): void {
  if (endpoint.trim() === '' || endpoint.trim() === HUB_MODEL_ENDPOINT) localSettings.removeItem(ENDPOINT_KEY);
  else localSettings.setItem(ENDPOINT_KEY, endpoint.trim());
}

export interface HubModelForm {
  repo: string;
  revision: string;
  token: string; // memory only: never written anywhere
  endpoint: string;
}

export interface HubStore extends HubModelsState {
  form: HubModelForm;
  setForm(f: Partial<HubModelForm>): void;
  init(): Promise<void>;
  planModel(): Promise<void>;
  download(): Promise<void>;
  cancel(): void;
  continuePending(): Promise<void>;
  discardPending(): void;
  baseFromCache(m: HubCachedModel): Promise<void>;
  deleteCached(m: HubCachedModel): Promise<void>;
}

let session: HubModels | null = null;
/** The page's Hub session, made on first use (tests of other stores never open the cache). */
function hub(): HubModels {
  session ??= new HubModels(
    {
      engine: pageHubEngine(),
      models: modelSession,
      pending: localPending(localSettings),
      persist: browserPersist,
      onChange: (c) => useHubStore.setState(c),
    },
    HUB_MODEL_ENDPOINT,
  );
  return session;
}

/** Hands the form's token and endpoint to the session just before it is used. */
function withForm(): HubModels {
  const { token, endpoint } = useHubStore.getState().form;
  const s = hub();
  s.setToken(token);
  s.setEndpoint(endpoint);
  return s;
}

export const useHubStore = create<HubStore>()((set) => ({
  ...initialHubModelsState,
  form: { repo: '', revision: 'main', token: '', endpoint: storedEndpoint() },
  setForm(f) {
    if (f.endpoint !== undefined) keepEndpoint(f.endpoint);
    set((s) => ({ form: { ...s.form, ...f } }));
  },
  init: () => hub().init(),
  async planModel() {
    const { repo, revision } = useHubStore.getState().form;
    await withForm().planModel({ repo, revision });
  },
  download: () => withForm().download(),
  cancel: () => hub().cancel(),
  continuePending: () => withForm().continuePending(),
  discardPending: () => hub().discardPending(),
  baseFromCache: (m) => hub().useCached(m),
  deleteCached: (m) => hub().deleteCached(m),
}));
