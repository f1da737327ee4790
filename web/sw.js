// The page's service worker: keeps the page, onnxruntime-web's WebAssembly and the models of
// the device mode (device/models.json and the ONNX files it names), so that the page opens
// and grades photos on this device with the network cut or the server stopped.
// - On install it fetches all of them: the first visit leaves the page ready for offline use.
// - Files named by their content (an ONNX file's URL carries its SHA-256, onnxruntime-web's
//   folder its version) are answered from the cache when it has them; everything else from
//   the network first, the cache when the network fails, so an online page is always current.
// - A fresh device/models.json drops the models and runtimes it no longer names.
// Photos (POST) and the server's answers are never cached.
/* global self, caches, fetch, URL */

const CACHE = 'banana-tester-v1';
const MANIFEST = 'device/models.json';
const SHELL = [
  './',
  'app.js',
  'camera.js',
  'api-key.js',
  'device-mode.js',
  'style.css',
  'icon.svg',
  'manifest.webmanifest',
  'gen/device.js',
  'modules/labels.js',
  'modules/options.js',
];

const scope = () => new URL(self.registration.scope);
const here = (path) => new URL(path, scope()).href;

/** URLs of the files a device/models.json names: both models and onnxruntime-web's. */
function namedBy(manifest) {
  const { folder, files } = manifest.ort;
  return [
    manifest.detector.url,
    manifest.classifier.url,
    ...files.map((file) => `${folder}${file}`),
  ].map(here);
}

/** Files whose URL names their content: kept until a manifest stops naming them. */
function isVersioned(url) {
  return url.searchParams.has('sha256') || url.pathname.includes('/modules/ort/');
}

/** Caches `manifestResponse` and what it names; drops versioned files it does not name. */
async function keepManifest(cache, manifestResponse) {
  const manifest = await manifestResponse.clone().json();
  const named = namedBy(manifest);
  await cache.put(here(MANIFEST), manifestResponse);
  for (const url of named) {
    if (!(await cache.match(url))) await cache.add(url);
  }
  for (const request of await cache.keys()) {
    if (isVersioned(new URL(request.url)) && !named.includes(request.url)) {
      await cache.delete(request);
    }
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL.map(here));
      const manifest = await fetch(here(MANIFEST), { cache: 'no-cache' });
      // A server without device models still gets an offline page (server mode needs it online).
      if (manifest.ok) await keepManifest(cache, manifest);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** Whether the worker answers for this request: the page's own files, fetched with GET. */
function isPageFile(request, url) {
  const root = scope();
  if (request.method !== 'GET' || url.origin !== root.origin) return false;
  if (!url.pathname.startsWith(root.pathname)) return false;
  const path = url.pathname.slice(root.pathname.length);
  // The page itself is the scope's own URL ('' here, './' in SHELL).
  return (
    path === '' ||
    path === 'index.html' ||
    SHELL.includes(path) ||
    path === MANIFEST ||
    isVersioned(url)
  );
}

async function answer(request) {
  const url = new URL(request.url);
  const cache = await caches.open(CACHE);
  if (isVersioned(url)) {
    const kept = await cache.match(request);
    if (kept) return kept;
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  }
  try {
    const response = await fetch(request);
    if (response.ok) {
      if (url.href === here(MANIFEST)) await keepManifest(cache, response.clone());
      else await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) return kept;
    if (request.mode === 'navigate') {
      const page = await cache.match(here('./'));
      if (page) return page;
    }
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (isPageFile(event.request, url)) event.respondWith(answer(event.request));
});
