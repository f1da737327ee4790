// Web tester for the banana-ripeness function. No framework, no build step.
// Every URL is relative, so the page works at "/" and under "/function/banana-ripeness/".
/* global document, fetch, FormData, URLSearchParams, Blob, URL, atob, setTimeout, clearTimeout, createImageBitmap, performance, FileReader */
import { apiKeyHeaders, setUpApiKey } from './api-key.js';
import { drawDetections, setUpCamera } from './camera.js';
import { analyseOnDevice, runsOn, setUpDeviceMode } from './device-mode.js';
import { stageText } from './modules/labels.js';
import { checkOption, OPTIONS } from './modules/options.js';

const form = document.querySelector('#upload-form');
const fileInput = document.querySelector('#photo');
const dropZone = document.querySelector('#drop-zone');
const fileName = document.querySelector('#file-name');
const maxDetections = document.querySelector('#max-detections');
const submitButton = document.querySelector('#submit');
const statusLine = document.querySelector('#status');
const errorBox = document.querySelector('#error');
const result = document.querySelector('#result');
const resultHeading = document.querySelector('#result-heading');
const annotated = document.querySelector('#annotated');
const highlight = document.querySelector('#highlight');
const caption = document.querySelector('#annotated-caption');
const downloadJpeg = document.querySelector('#download-jpeg');
const downloadJson = document.querySelector('#download-json');
const summaryList = document.querySelector('#summary');
const detectionsBody = document.querySelector('#detections tbody');
const timingsList = document.querySelector('#timings');
const modelsLine = document.querySelector('#models');

const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
/** JPEG quality of the annotated photo made on the device (the function's default). */
const DEVICE_JPEG_QUALITY = 0.85;
/** JPEG quality of a camera frame sent to the function. */
const FRAME_JPEG_QUALITY = 0.8;
/**
 * A photo whose short side is below this many pixels is shown enlarged to it, its boxes and
 * labels drawn by the page at that size: drawn at the photo's own size (as in the JPEG the
 * function returns, which is still the download), a label is a good part of the photo.
 */
const SMALL_PHOTO_SIDE = 480;
/** A photo is analysed again this long after the last change of an option. */
const RERUN_DELAY_MS = 400;
let selectedFile = null;
/** Object URLs of the current downloads, revoked when the next result replaces them. */
let downloadUrls = [];

const percent = (value) => `${(value * 100).toFixed(1)} %`;

function element(tag, properties = {}, children = []) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

function swatch(colour) {
  const node = element('span', { className: 'swatch' });
  node.style.background = colour;
  node.setAttribute('aria-hidden', 'true');
  return node;
}

/** "ripe: 2" per stage, every stage listed, with the colour of its boxes. */
function stageCounts(response) {
  return response.stages.map(({ name, colour }) =>
    element('li', {}, [swatch(colour), `${stageText(name)}: ${response.summary[name] ?? 0}`]),
  );
}

/** The ranges of the inputs, from the option definitions the function checks against. */
function applyRange(input, spec) {
  input.max = String(spec.max);
  // An open lower end (iou) starts one step above it.
  input.min = String(spec.minExclusive ? spec.min + Number(input.step) : spec.min);
}

let rerunTimer;
/** A request is on its way; an analysis asked for meanwhile runs once it is answered. */
let analysing = false;
let analyseAgain = false;
/** Analyses the current photo again once the options have stopped changing. */
function scheduleRerun() {
  clearTimeout(rerunTimer);
  if (selectedFile) rerunTimer = setTimeout(() => void analyse(), RERUN_DELAY_MS);
}

/**
 * A slider that defers to the model's card until it is moved: its value is sent only once
 * chosen, and "Model default" takes the choice back. Either re-runs the analysis. It starts
 * at the served detector's default (`showDefault`, from GET models), so that one notch
 * either way moves away from what the model applies.
 */
function defaultableSlider(name, spec) {
  const input = document.querySelector(`#${name}`);
  const output = document.querySelector(`#${name}-value`);
  const reset = document.querySelector(`#${name}-reset`);
  applyRange(input, spec);
  let initial = input.value;
  let chosen = false;
  const defaultText = () => (defaultKnown ? `model default (${initial})` : 'model default');
  let defaultKnown = false;
  input.addEventListener('input', () => {
    chosen = true;
    output.textContent = Number(input.value).toFixed(2);
    reset.hidden = false;
    scheduleRerun();
  });
  reset.addEventListener('click', () => {
    chosen = false;
    input.value = initial;
    output.textContent = defaultText();
    reset.hidden = true;
    input.focus();
    scheduleRerun();
  });
  return {
    value: () => (chosen ? input.value : undefined),
    showDefault(value, source) {
      initial = String(value);
      defaultKnown = true;
      if (source) output.title = `default set by ${source}`;
      if (chosen) return;
      input.value = initial;
      output.textContent = defaultText();
    },
  };
}

const sliders = {
  min_confidence: defaultableSlider('min-confidence', OPTIONS.min_confidence),
  iou: defaultableSlider('iou', OPTIONS.iou),
};
applyRange(maxDetections, OPTIONS.max_detections);
maxDetections.addEventListener('input', scheduleRerun);

/** A detector's default thresholds on the sliders and in the placeholder. */
function showDefaults({ min_confidence, min_confidence_source, iou, max_detections }) {
  sliders.min_confidence.showDefault(min_confidence, min_confidence_source);
  sliders.iou.showDefault(iou);
  maxDetections.placeholder = `model default (${max_detections})`;
}

/**
 * The served models' defaults on the sliders; retried while a service starts. Without the
 * server (offline), the card of the device's detector (device/models.json, kept by the
 * service worker) gives them.
 */
async function showServedDefaults(attempt = 0) {
  try {
    const response = await fetch('./models');
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { detector } = await response.json();
    if (detector.defaults) showDefaults(detector.defaults);
  } catch {
    const device = await fetch('./device/models.json')
      .then((response) => (response.ok ? response.json() : undefined))
      .catch(() => undefined);
    const thresholds = device?.detector.card.thresholds;
    if (thresholds) {
      showDefaults({
        min_confidence: thresholds.confidence,
        min_confidence_source: thresholds.source,
        iou: thresholds.iou,
        max_detections: thresholds.maxDetections,
      });
    }
    if (attempt < 10) setTimeout(() => void showServedDefaults(attempt + 1), 2000);
  }
}
void showServedDefaults();

/** The options as query parameters; untouched ones defer to the detector's model card. */
function optionQuery(extra = {}) {
  const query = new URLSearchParams();
  for (const [name, slider] of Object.entries(sliders)) {
    const value = slider.value();
    if (value !== undefined) query.set(name, value);
  }
  if (maxDetections.value !== '') query.set('max_detections', maxDetections.value);
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return query;
}

/** The options as the device mode takes them: text, or undefined where the model decides. */
function deviceOptions() {
  return Object.fromEntries(optionQuery().entries());
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body?.error?.message) return `${body.error.message} (HTTP ${response.status})`;
  } catch {
    // not JSON: fall through
  }
  return `The server answered HTTP ${response.status} ${response.statusText}.`;
}

/** Shows why a photo was refused; the previous photo's result goes, so it is not mistaken for this one's. */
function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  statusLine.textContent = '';
  result.hidden = true;
}

function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

function selectFile(file) {
  clearError();
  if (!file) return;
  if (!ACCEPTED_TYPES.includes(file.type)) {
    selectedFile = null;
    submitButton.disabled = true;
    showError(`"${file.name}" is not a JPEG, PNG or WebP image.`);
    return;
  }
  selectedFile = file;
  fileName.textContent = `${file.name} (${(file.size / 1024).toFixed(0)} KiB)`;
  submitButton.disabled = false;
  void analyse();
}

function renderSummary(response) {
  summaryList.replaceChildren(...stageCounts(response));
}

/** Outlines detection `index` over the annotated photo (in percent, so it follows resizing). */
function showHighlight(response, index) {
  for (const row of detectionsBody.rows) row.classList.toggle('active', row.rowIndex - 1 === index);
  const detection = response.detections[index];
  if (!detection) {
    highlight.hidden = true;
    return;
  }
  const { width, height } = response.image;
  const { x_min, y_min, x_max, y_max } = detection.box;
  const clampPercent = (value, size) => (Math.min(size, Math.max(0, value)) / size) * 100;
  const left = clampPercent(x_min, width);
  const top = clampPercent(y_min, height);
  Object.assign(highlight.style, {
    left: `${left}%`,
    top: `${top}%`,
    width: `${clampPercent(x_max, width) - left}%`,
    height: `${clampPercent(y_max, height) - top}%`,
  });
  highlight.dataset.number = String(index + 1);
  highlight.hidden = false;
}

function renderDetections(response) {
  const colourOf = new Map(response.stages.map(({ name, colour }) => [name, colour]));
  const cell = (label, children) => {
    const td = element('td', {}, children);
    td.dataset.label = label;
    return td;
  };
  highlight.hidden = true;
  detectionsBody.replaceChildren(
    ...response.detections.map((detection, index) => {
      const { x_min, y_min, x_max, y_max } = detection.box;
      const box = [x_min, y_min, x_max, y_max].map((v) => Math.round(v)).join(', ');
      const row = element('tr', { tabIndex: 0 }, [
        cell('#', [`#${index + 1}`]),
        cell('Stage', [swatch(colourOf.get(detection.stage)), ` ${stageText(detection.stage)}`]),
        cell('Stage confidence', [percent(detection.stage_confidence)]),
        cell('Ripeness index', [detection.ripeness_index.toFixed(2)]),
        cell('Detection confidence', [percent(detection.confidence)]),
        cell('Box', [box]),
      ]);
      const show = () => showHighlight(response, index);
      const hide = () => showHighlight(response, -1);
      row.addEventListener('mouseenter', show);
      row.addEventListener('focus', show);
      row.addEventListener('click', show);
      row.addEventListener('mouseleave', hide);
      row.addEventListener('blur', hide);
      return row;
    }),
  );
  if (response.detections.length === 0) {
    detectionsBody.replaceChildren(
      element('tr', {}, [element('td', { colSpan: 5, textContent: 'No bananas found.' })]),
    );
  }
}

function renderTimings(response) {
  timingsList.replaceChildren(
    ...Object.entries(response.timings_ms).flatMap(([stage, ms]) => [
      element('dt', { textContent: stage }),
      element('dd', { textContent: `${ms.toFixed(1)} ms` }),
    ]),
  );
  const { detector, classifier } = response.models;
  // The confidence threshold applied and where it came from: the slider ("request"), the
  // model card, or a calibration written by npm run calibrate.
  const threshold =
    detector.min_confidence === undefined
      ? ''
      : ` (boxes from confidence ${detector.min_confidence}, set by ${detector.min_confidence_source})`;
  const where = response.on_device ? ', run on this device' : '';
  modelsLine.textContent = `Models: ${detector.name} ${detector.version}${threshold}, ${classifier.name} ${classifier.version}${where}.`;
}

/**
 * "3 bananas found (detector 41-93% sure)": how many, and how sure the detector was of them,
 * so that one unsure box on a zucchini does not read as a found banana.
 */
function foundText(detections) {
  const count = detections.length;
  if (count === 0) return 'no bananas found';
  const sure = detections.map(({ confidence }) => Math.round(confidence * 100));
  const [low, high] = [Math.min(...sure), Math.max(...sure)];
  const range = low === high ? `${low}%` : `${low}-${high}%`;
  return `${count} ${count === 1 ? 'banana' : 'bananas'} found (detector ${range} sure)`;
}

function describe(response) {
  const count = response.detections.length;
  const counts = response.stages
    .filter(({ name }) => response.summary[name] > 0)
    .map(({ name }) => `${response.summary[name]} ${stageText(name)}`);
  const noun = count === 1 ? 'banana' : 'bananas';
  return count === 0
    ? `The photo (${response.image.width} x ${response.image.height}); no bananas found.`
    : `The photo (${response.image.width} x ${response.image.height}) with ${count} ${noun} outlined and numbered: ${counts.join(', ')}.`;
}

/** The annotated JPEG and the answer without it, as files to save. */
function renderDownloads(response, photoName) {
  for (const url of downloadUrls) URL.revokeObjectURL(url);
  const base = photoName.replace(/\.[^.]*$/, '') || 'photo';
  const jpeg = Uint8Array.from(atob(response.img), (char) => char.charCodeAt(0));
  const detections = { ...response };
  delete detections.img;
  downloadUrls = [
    URL.createObjectURL(new Blob([jpeg], { type: 'image/jpeg' })),
    URL.createObjectURL(
      new Blob([`${JSON.stringify(detections, null, 2)}\n`], { type: 'application/json' }),
    ),
  ];
  downloadJpeg.href = downloadUrls[0];
  downloadJpeg.download = `${base}-annotated.jpg`;
  downloadJson.href = downloadUrls[1];
  downloadJson.download = `${base}-ripeness.json`;
}

/** The answer with its boxes and image size multiplied by `scale`. */
function scaledAnswer(response, scale) {
  const times = (value) => value * scale;
  return {
    ...response,
    image: { width: times(response.image.width), height: times(response.image.height) },
    detections: response.detections.map((detection) => {
      const { x_min, y_min, x_max, y_max } = detection.box;
      const box = {
        x_min: times(x_min),
        y_min: times(y_min),
        x_max: times(x_max),
        y_max: times(y_max),
      };
      return { ...detection, box };
    }),
  };
}

/**
 * A small photo enlarged to SMALL_PHOTO_SIDE on its short side, with the boxes and labels
 * drawn at that size by the camera view's drawing (lib/drawing's placement), as a JPEG data
 * URL; undefined for a photo that is large enough. The browser applies EXIF orientation, as
 * the function did before it measured the boxes.
 */
async function enlargedPhoto(file, response) {
  const { width, height } = response.image;
  const scale = SMALL_PHOTO_SIDE / Math.min(width, height);
  if (!(scale > 1)) return undefined;
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  drawDetections(context, scaledAnswer(response, canvas.width / width));
  return { src: canvas.toDataURL('image/jpeg', 0.92), scale: canvas.width / width };
}

async function render(response, file) {
  const size = `${response.image.width} x ${response.image.height} px`;
  const enlarged = await enlargedPhoto(file, response).catch(() => undefined);
  annotated.src = enlarged?.src ?? `data:image/jpeg;base64,${response.img}`;
  annotated.alt = describe(response);
  caption.textContent = enlarged
    ? `${size}, shown ${enlarged.scale.toFixed(1)}x enlarged, labels drawn at this size`
    : size;
  renderDownloads(response, file.name);
  renderSummary(response);
  renderDetections(response);
  renderTimings(response);
  result.hidden = false;
}

async function analyse() {
  if (!selectedFile) return;
  if (analysing) {
    analyseAgain = true;
    return;
  }
  const file = selectedFile;
  clearTimeout(rerunTimer);
  clearError();
  if (maxDetections.value !== '') {
    const checked = checkOption('max_detections', maxDetections.value);
    if (checked.error !== undefined) {
      showError(`Most bananas to report ${checked.error}.`);
      return;
    }
  }
  submitButton.disabled = true;
  analysing = true;
  try {
    const onDevice = runsOn() === 'device';
    statusLine.textContent = onDevice
      ? 'Analysing the photo on this device…'
      : 'Analysing the photo…';
    const payload = onDevice ? await analysePhotoOnDevice(file) : await analyseOnServer(file);
    if (!payload) return;
    await render(payload, file);
    const where = onDevice ? ' on this device' : '';
    statusLine.textContent = `Done: ${foundText(payload.detections)} in ${payload.timings_ms.total.toFixed(0)} ms${where}.`;
    resultHeading.focus();
  } catch (error) {
    showError(
      error.name === 'DeviceInputError'
        ? `The photo was refused: ${error.message}.`
        : runsOn() === 'device'
          ? `The photo could not be analysed on this device: ${error.message}.`
          : `The request failed: ${error.message}. Is the server running?`,
    );
  } finally {
    analysing = false;
    submitButton.disabled = false;
    // Choosing the same file again must send it again.
    fileInput.value = '';
    if (analyseAgain) {
      analyseAgain = false;
      void analyse();
    }
  }
}

/** The function's answer for the photo, or undefined after showing its refusal. */
async function analyseOnServer(file) {
  const body = new FormData();
  body.append('img', file, file.name);
  const response = await fetch(`./?${optionQuery()}`, {
    method: 'POST',
    headers: apiKeyHeaders(),
    body,
  });
  if (!response.ok) {
    showError(await errorMessage(response));
    return undefined;
  }
  return response.json();
}

/** Base64 of a blob's bytes. */
function base64Of(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () =>
      resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * The answer made on this device, in the function's shape: the models run in the page
 * (device-mode.js), and the annotated JPEG is drawn here by the camera view's drawing
 * (lib/drawing's placement), its time in `draw` and `encode`.
 */
async function analysePhotoOnDevice(file) {
  const { answer, photo } = await analyseOnDevice(file, deviceOptions());
  let mark = performance.now();
  const canvas = document.createElement('canvas');
  canvas.width = answer.image.width;
  canvas.height = answer.image.height;
  const context = canvas.getContext('2d');
  context.putImageData(photo.rgba, 0, 0);
  drawDetections(context, answer);
  const draw = performance.now() - mark;
  mark = performance.now();
  const jpeg = await new Promise((resolve) =>
    canvas.toBlob(resolve, 'image/jpeg', DEVICE_JPEG_QUALITY),
  );
  const img = await base64Of(jpeg);
  const encode = performance.now() - mark;
  const round = (ms) => Math.round(ms * 10) / 10;
  const { total, ...stages } = answer.timings_ms;
  const timings = {
    ...stages,
    draw: round(draw),
    encode: round(encode),
    total: round(total + draw + encode),
  };
  return { img, ...answer, timings_ms: timings, on_device: true };
}

/** A camera frame's answer: from the function (JPEG, format=none) or from this device. */
async function analyseFrame(capture) {
  if (runsOn() === 'device') {
    try {
      return (await analyseOnDevice(capture, deviceOptions())).answer;
    } catch (error) {
      throw new Error(`The frame could not be analysed on this device: ${error.message}`, {
        cause: error,
      });
    }
  }
  const blob = await new Promise((resolve) =>
    capture.toBlob(resolve, 'image/jpeg', FRAME_JPEG_QUALITY),
  );
  let response;
  try {
    response = await fetch(`./?${optionQuery({ format: 'none' })}`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', ...apiKeyHeaders() },
      body: blob,
    });
  } catch (error) {
    throw new Error(`The request failed: ${error.message}. Is the server running?`, {
      cause: error,
    });
  }
  if (!response.ok) throw new Error(await errorMessage(response));
  return response.json();
}

setUpApiKey();
fileInput.addEventListener('change', () => selectFile(fileInput.files[0]));
form.addEventListener('submit', (event) => {
  event.preventDefault();
  void analyse();
});

for (const name of ['dragenter', 'dragover']) {
  dropZone.addEventListener(name, (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
}
for (const name of ['dragleave', 'drop']) {
  dropZone.addEventListener(name, () => dropZone.classList.remove('dragging'));
}
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  selectFile(event.dataTransfer.files[0]);
});

const camera = setUpCamera({ analyseFrame, stageCounts });
setUpDeviceMode(() => {
  if (selectedFile) void analyse();
});

// Tabs: Photo and Camera; the camera runs only while its tab is open.
const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
  }
  if (tab.id === 'tab-camera') void camera.start();
  else camera.stop();
}
for (const [i, tab] of tabs.entries()) {
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (step === undefined) return;
    const next = tabs[(i + step + tabs.length) % tabs.length];
    next.focus();
    selectTab(next);
  });
}
