/**
 * The page's one model service (./page-models.ts) and a reactive copy of what it holds, for the views.
 * Tests read it through `window.__pp.models()`: workers, loaded models and leases per view.
 */
import type { LoadedModel } from './model-service';
import { modelService } from './page-models';

class LoadedModels {
  list = $state.raw<readonly LoadedModel[]>([]);
}

export { modelService };
export const loadedModels = new LoadedModels();
modelService.onChange = (models) => (loadedModels.list = models);

const hooks = globalThis as { __pp?: Record<string, unknown> };
hooks.__pp = { ...(hooks.__pp ?? {}), models: () => modelService.debug() };
