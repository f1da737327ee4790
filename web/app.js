// Web tester for the banana-ripeness function. No framework, no build step.
// Every URL is relative, so the page works at "/" and under "/function/banana-ripeness/".
/* global document, fetch, FormData, URLSearchParams */

const form = document.querySelector('#upload-form');
const fileInput = document.querySelector('#photo');
const dropZone = document.querySelector('#drop-zone');
const fileName = document.querySelector('#file-name');
const minConfidence = document.querySelector('#min-confidence');
const minConfidenceValue = document.querySelector('#min-confidence-value');
const maxDetections = document.querySelector('#max-detections');
let minConfidenceChosen = false;
const submitButton = document.querySelector('#submit');
const statusLine = document.querySelector('#status');
const errorBox = document.querySelector('#error');
const result = document.querySelector('#result');
const resultHeading = document.querySelector('#result-heading');
const annotated = document.querySelector('#annotated');
const caption = document.querySelector('#annotated-caption');
const summaryList = document.querySelector('#summary');
const detectionsBody = document.querySelector('#detections tbody');
const timingsList = document.querySelector('#timings');
const modelsLine = document.querySelector('#models');

const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
let selectedFile = null;

const percent = (value) => `${(value * 100).toFixed(1)} %`;
const humanStage = (stage) => stage.replaceAll('_', ' ');

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

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  statusLine.textContent = '';
}

function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

function selectFile(file) {
  clearError();
  if (!file) return;
  if (!ACCEPTED_TYPES.includes(file.type)) {
    showError(`"${file.name}" is not a JPEG, PNG or WebP image.`);
    return;
  }
  selectedFile = file;
  fileName.textContent = `${file.name} (${(file.size / 1024).toFixed(0)} KiB)`;
  submitButton.disabled = false;
  void analyse();
}

function renderSummary(response) {
  summaryList.replaceChildren(
    ...response.stages.map(({ name, colour }) =>
      element('li', {}, [swatch(colour), `${humanStage(name)}: ${response.summary[name] ?? 0}`]),
    ),
  );
}

function renderDetections(response) {
  const colourOf = new Map(response.stages.map(({ name, colour }) => [name, colour]));
  detectionsBody.replaceChildren(
    ...response.detections.map((detection, index) => {
      const { x_min, y_min, x_max, y_max } = detection.box;
      const box = [x_min, y_min, x_max, y_max].map((v) => Math.round(v)).join(', ');
      return element('tr', {}, [
        element('td', { textContent: String(index + 1) }),
        element('td', {}, [
          swatch(colourOf.get(detection.stage)),
          ` ${humanStage(detection.stage)}`,
        ]),
        element('td', { textContent: percent(detection.stage_confidence) }),
        element('td', { textContent: percent(detection.confidence) }),
        element('td', { textContent: box }),
      ]);
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
  modelsLine.textContent = `Models: ${detector.name} ${detector.version}, ${classifier.name} ${classifier.version}.`;
}

function describe(response) {
  const count = response.detections.length;
  const counts = response.stages
    .filter(({ name }) => response.summary[name] > 0)
    .map(({ name }) => `${response.summary[name]} ${humanStage(name)}`);
  const noun = count === 1 ? 'banana' : 'bananas';
  return count === 0
    ? `The photo (${response.image.width} x ${response.image.height}); no bananas found.`
    : `The photo (${response.image.width} x ${response.image.height}) with ${count} ${noun} outlined: ${counts.join(', ')}.`;
}

function render(response) {
  annotated.src = `data:image/jpeg;base64,${response.img}`;
  annotated.alt = describe(response);
  caption.textContent = `${response.image.width} x ${response.image.height} px`;
  renderSummary(response);
  renderDetections(response);
  renderTimings(response);
  result.hidden = false;
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

async function analyse() {
  if (!selectedFile) return;
  clearError();
  submitButton.disabled = true;
  statusLine.textContent = 'Analysing the photo…';
  const body = new FormData();
  body.append('img', selectedFile, selectedFile.name);
  const query = new URLSearchParams();
  // Untouched, the slider defers to the detector's own threshold (its model card).
  if (minConfidenceChosen) query.set('min_confidence', minConfidence.value);
  if (maxDetections.value !== '') query.set('max_detections', maxDetections.value);
  try {
    const response = await fetch(`./?${query}`, { method: 'POST', body });
    if (!response.ok) {
      showError(await errorMessage(response));
      return;
    }
    const payload = await response.json();
    render(payload);
    const count = payload.detections.length;
    statusLine.textContent = `Done: ${count} ${count === 1 ? 'banana' : 'bananas'} found in ${payload.timings_ms.total.toFixed(0)} ms.`;
    resultHeading.focus();
  } catch (error) {
    showError(`The request failed: ${error.message}. Is the server running?`);
  } finally {
    submitButton.disabled = false;
  }
}

fileInput.addEventListener('change', () => selectFile(fileInput.files[0]));
minConfidence.addEventListener('input', () => {
  minConfidenceChosen = true;
  minConfidenceValue.textContent = Number(minConfidence.value).toFixed(2);
});
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
