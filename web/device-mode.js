// The "Run the models" switch: on the server (the photo is posted to the function) or on this
// device (web/src/device.ts, bundled as gen/device.js: onnxruntime-web in the page, the photo
// never sent). Loads the device's models when first asked, shows their versions, reloads
// them when the server's change, and registers the service worker that keeps the page and
// the models for offline use.
/* global document, navigator, localStorage, location, URL, performance, console */

const statusLine = document.querySelector('#device-status');
const choices = [...document.querySelectorAll('input[name="run_on"]')];
const STORAGE_KEY = 'banana-run-on';
/** How often a device-mode analysis asks the server whether its models changed. */
const RECHECK_MS = 30_000;

const base = new URL('./', location.href);
let mode = 'server';
/** The loaded models: a promise of { models, manifest }, or undefined before the first use. */
let loading;
let checkedAt = 0;
let checking;

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function say(text) {
  statusLine.textContent = text;
}

const deviceModule = () => import('./gen/device.js');

function describe(manifest, loadMs) {
  const { detector, classifier } = manifest;
  const size = megabytes(detector.bytes + classifier.bytes);
  const threads = globalThis.crossOriginIsolated ? 'several threads' : 'one thread';
  return (
    `On this device: ${detector.card.name} ${detector.card.version}, ` +
    `${classifier.card.name} ${classifier.card.version} (${size}, ${threads}` +
    `${loadMs === undefined ? '' : `, ready in ${(loadMs / 1000).toFixed(1)} s`}).`
  );
}

/** Loads the models named by `manifest` (fetched first when not given). */
function load(manifest) {
  const previous = loading;
  const mine = (async () => {
    const { fetchManifest, loadDeviceModels } = await deviceModule();
    const wanted = manifest ?? (await fetchManifest(base));
    checkedAt = performance.now();
    const size = megabytes(wanted.detector.bytes + wanted.classifier.bytes);
    say(`Loading the models onto this device (${size})…`);
    const started = performance.now();
    const models = await loadDeviceModels(base, wanted);
    say(describe(wanted, performance.now() - started));
    const old = await previous?.catch(() => undefined);
    await old?.models.release();
    return { models, manifest: wanted };
  })();
  loading = mine;
  mine.catch((error) => {
    say(`The models could not be loaded on this device: ${error.message}`);
    // The next analysis tries again.
    if (loading === mine) loading = undefined;
  });
  return mine;
}

/** Reloads the models when the server's have changed (at most every RECHECK_MS; offline: kept). */
async function recheck(current) {
  if (performance.now() - checkedAt < RECHECK_MS) return;
  checking ??= (async () => {
    try {
      const { fetchManifest } = await deviceModule();
      const manifest = await fetchManifest(base);
      checkedAt = performance.now();
      // The files (by hash) and the cards (versions, thresholds, classes) of both models.
      const same = ['detector', 'classifier'].every(
        (kind) =>
          manifest[kind].sha256 === current.manifest[kind].sha256 &&
          JSON.stringify(manifest[kind].card) === JSON.stringify(current.manifest[kind].card),
      );
      if (!same) await load(manifest);
    } catch {
      // Offline or the server is gone: the models on the device stay.
      checkedAt = performance.now();
    } finally {
      checking = undefined;
    }
  })();
  await checking;
}

/** The device's models, loaded on first use and reloaded when the server's changed. */
async function deviceModels() {
  const current = await (loading ?? load());
  void recheck(current);
  return current.models;
}

/** Where the models run now: 'server' or 'device'. */
export function runsOn() {
  return mode;
}

/**
 * Analyses a photo (a Blob) or a frame (a canvas) on this device with the page's options
 * (min_confidence, iou, max_detections as text): `{ answer, photo }`, the answer in the
 * server's shape without `img`, and the decoded photo (`photo.rgba`, ImageData) to draw on.
 * Refusals throw a DeviceInputError whose message is shown as the server's would be.
 */
export async function analyseOnDevice(source, options) {
  const models = await deviceModels();
  return models.analyse(source, options);
}

/**
 * Wires the switch; `onChange(mode)` runs when it moves. The choice is remembered, and the
 * models start loading as soon as the device is chosen.
 */
export function setUpDeviceMode(onChange) {
  const remembered = localStorage.getItem(STORAGE_KEY);
  if (remembered === 'device' || remembered === 'server') mode = remembered;
  for (const choice of choices) {
    choice.checked = choice.value === mode;
    choice.addEventListener('change', () => {
      if (!choice.checked) return;
      mode = choice.value;
      localStorage.setItem(STORAGE_KEY, mode);
      if (mode === 'device') void deviceModels().catch(() => undefined);
      else say('');
      onChange(mode);
    });
  }
  if (mode === 'device') void deviceModels().catch(() => undefined);
  registerServiceWorker();
}

/** The service worker that keeps the page and the device's models (sw.js). */
function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('sw.js').catch((error) => {
    console.warn(`offline use is not available: ${error.message}`);
  });
}
