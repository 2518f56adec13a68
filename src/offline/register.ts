/**
 * Register the service worker (src/offline/sw.js, built to sw.js) that keeps the app, the WASM runtime
 * and the default model for the second visit and for offline use. Called once the first result is
 * drawn, so that its precache never competes with the first visit. (The dev server has no sw.js: there
 * the registration fails with a warning and the app runs without the cache.)
 *
 * `<html data-offline="ready">` once a worker is active: everything the first screen needs is cached.
 */
export function registerServiceWorker(): void {
  const container = globalThis.navigator?.serviceWorker;
  if (!container) return;
  container
    .register(new URL('sw.js', document.baseURI))
    .then(() => container.ready)
    .then(() => (document.documentElement.dataset.offline = 'ready'))
    // without it the app works as before, only without the cache (private windows, file://)
    .catch((e: unknown) => console.warn('the offline cache is unavailable:', e));
}
