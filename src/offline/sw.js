/*
 * Perplexity Playground's service worker: the second visit, and any visit offline, read the app, the
 * WASM runtime and the default model from Cache Storage instead of the network.
 *
 * Built by tools/vite-service-worker.ts, which writes this file to dist/sw.js with the build's id (a
 * hash of every file it serves) and the files the first screen needs, precached at install: the page
 * registers the worker once its first result is drawn, so the precache never competes with that.
 * Everything else of this origin (other models, the WebGPU build, tokenizers) is cached on first use.
 *
 * A new build gets a new cache (the old one is deleted when the new worker activates). Pages are fetched
 * network-first; when the network's page differs from the cached one, a new build is being served, and
 * until its worker takes over every request goes to the network, so that new code never meets old models.
 */
const BUILD = '__PP_BUILD__';
const PRECACHE = __PP_PRECACHE__;
const PREFIX = 'pp-app-';
const CACHE = PREFIX + BUILD;

let buildChanged = false;

const scoped = (path) => new URL(path, self.registration.scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE.map((path) => new Request(scoped(path), { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(self.registration.scope) || request.headers.has('range'))
    return;
  if (request.mode === 'navigate') event.respondWith(page(request));
  else if (!buildChanged) event.respondWith(cacheFirst(request));
});

/** The page: from the network when it answers (and note a new build), else the cached one. */
async function page(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(scoped('./'));
  try {
    const response = await fetch(request);
    if (response.ok && cached) {
      const [fresh, known] = await Promise.all([response.clone().text(), cached.clone().text()]);
      buildChanged = fresh !== known;
    }
    return response;
  } catch (e) {
    if (cached) return cached;
    throw e;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') cache.put(request, response.clone()).catch(() => undefined);
  return response;
}
