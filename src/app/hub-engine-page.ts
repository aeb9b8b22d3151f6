// The page's Hub engine: model/hub's plan, download and cache over the browser's model cache
// (OPFS, else Cache Storage), opened once on first use. The one place app/ binds HubEngine to it.
import { loadCachedModel, openModelCache, type ModelCache } from '../model/hub/cache';
import { downloadHubModel } from '../model/hub/download';
import { planHubModel, type HubModelPlan } from '../model/hub/plan';
import type { HubEngine } from './hub-engine';

/** HubEngine over a model cache (the page's, or a test's in memory). */
export function hubEngineOver(open: () => Promise<ModelCache>): HubEngine {
  let cache: Promise<ModelCache> | null = null;
  const opened = () => (cache ??= open());
  return {
    plan: (ref, access) => planHubModel(ref, access),
    // The session hands back the plan this engine made: its full HubModelPlan.
    download: async (plan, opts) => downloadHubModel(plan as HubModelPlan, await opened(), opts),
    listCached: async () => (await opened()).listCachedModels(),
    deleteCached: async (repo, commit) => (await opened()).deleteCachedModel(repo, commit),
    loadCached: async (ref) => loadCachedModel(ref, await opened()),
  };
}

let page: HubEngine | null = null;

/** The page's one engine, made on first use. */
export function pageHubEngine(): HubEngine {
  page ??= hubEngineOver(openModelCache);
  return page;
}
