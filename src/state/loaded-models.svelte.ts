/**
 * The page's one model service (./model-service.ts) and a reactive copy of what it holds, for the views.
 * Tests read it through `window.__pp.models()`: workers, loaded models and leases per view.
 */
import { ModelService, type LoadedModel } from './model-service';

class LoadedModels {
  list = $state.raw<readonly LoadedModel[]>([]);
}

export const modelService = new ModelService();
export const loadedModels = new LoadedModels();
modelService.onChange = (models) => (loadedModels.list = models);

const hooks = globalThis as { __pp?: Record<string, unknown> };
hooks.__pp = { ...(hooks.__pp ?? {}), models: () => modelService.debug() };
