// Live camera mode: frames from the camera, downscaled to at most 640 px and sent as JPEG one
// at a time (format=none: detections only), with the boxes and numbered labels drawn on a
// canvas over the video by the same label placement as the function's annotated photos.
/* global document, navigator, fetch, performance, setTimeout */
import { apiKeyHeaders } from './api-key.js';
import {
  LABEL_FONT_FAMILY,
  contrastingColour,
  layoutDetectionLabels,
  outlineWithHalo,
  strokeWidthFor,
} from './modules/labels.js';

/** Longest side of a frame sent to the function, in pixels. */
export const MAX_FRAME_SIDE = 640;
const JPEG_QUALITY = 0.8;
/** Frames per second are averaged over this many of the last frames. */
const FPS_WINDOW = 10;
/** Pause before the next frame after a failed request. */
const RETRY_DELAY_MS = 1000;

/** The size of a frame sent for a video of `width` x `height`. */
export function frameSize(width, height) {
  const scale = Math.min(1, MAX_FRAME_SIDE / Math.max(width, height));
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/** What to tell the user when getUserMedia fails. */
export function cameraErrorMessage(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera access was denied. Allow the camera for this page in the browser settings, then press "Start camera" again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Connect a camera, or use the Photo tab to upload a photo.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera could not be started: another application may be using it.';
    default:
      return `The camera could not be started (${error?.name ?? 'error'}: ${error?.message ?? error}).`;
  }
}

/**
 * Draws the boxes (halo, then stage colour) and the numbered labels of one answer onto a
 * canvas the size of the frame that was analysed.
 */
export function drawDetections(context, response) {
  const image = response.image;
  const colourOf = new Map(response.stages.map(({ name, colour }) => [name, colour]));
  const detections = response.detections.map((detection) => ({
    box: {
      xMin: detection.box.x_min,
      yMin: detection.box.y_min,
      xMax: detection.box.x_max,
      yMax: detection.box.y_max,
    },
    stageLabel: detection.stage.replaceAll('_', ' '),
    stageConfidence: detection.stage_confidence,
    colour: colourOf.get(detection.stage) ?? '#000000',
  }));
  context.clearRect(0, 0, image.width, image.height);
  const stroke = strokeWidthFor(image);
  const fillRects = (rects, colour) => {
    context.fillStyle = colour;
    for (const { x, y, width, height } of rects) context.fillRect(x, y, width, height);
  };
  for (const { box, colour } of detections) {
    const { halo, fill } = outlineWithHalo(box, image, stroke);
    fillRects(halo, contrastingColour(colour));
    fillRects(fill, colour);
  }
  const { fontSize, labels } = layoutDetectionLabels(detections, image);
  context.font = `bold ${fontSize}px ${LABEL_FONT_FAMILY}`;
  context.textBaseline = 'alphabetic';
  labels.forEach((label, i) => {
    const colour = detections[i]?.colour;
    if (!label || !colour) return;
    const { x, y, width, height } = label.rect;
    const contrast = contrastingColour(colour);
    const b = label.border;
    fillRects([label.rect], contrast);
    fillRects([{ x: x + b, y: y + b, width: width - 2 * b, height: height - 2 * b }], colour);
    context.fillStyle = contrast;
    context.fillText(label.text, label.textX, label.textY, width - 2 * (label.textX - x));
  });
}

/**
 * Wires the Camera tab. `query()` gives the request's query parameters, `errorMessage(response)`
 * the text for a refused request, `stageCounts(response)` the list items of the per-stage counts.
 */
export function setUpCamera({ query, errorMessage, stageCounts }) {
  const video = document.querySelector('#camera-video');
  const overlay = document.querySelector('#camera-overlay');
  const toggle = document.querySelector('#camera-toggle');
  const message = document.querySelector('#camera-message');
  const stats = document.querySelector('#camera-stats');
  const counts = document.querySelector('#camera-counts');
  const capture = document.createElement('canvas');
  const overlayContext = overlay.getContext('2d');

  let stream = null;
  let state = 'stopped'; // stopped | starting | running | paused
  /** The frame loop; a new one starts only after the previous one has ended. */
  let loop = Promise.resolve();
  let generation = 0;
  let finished = [];
  let analysed = 0;

  const showMessage = (text) => {
    message.textContent = text;
    message.hidden = text === '';
  };
  const setState = (next) => {
    state = next;
    toggle.textContent = {
      stopped: 'Start camera',
      starting: 'Starting…',
      running: 'Pause',
      paused: 'Resume',
    }[next];
    toggle.disabled = next === 'starting';
    toggle.setAttribute('aria-pressed', String(next === 'paused'));
  };

  function grabFrame() {
    const size = frameSize(video.videoWidth, video.videoHeight);
    capture.width = size.width;
    capture.height = size.height;
    capture.getContext('2d').drawImage(video, 0, 0, size.width, size.height);
    return new Promise((resolve) => capture.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
  }

  function showStats(response, ms) {
    const now = performance.now();
    finished = [...finished.slice(-(FPS_WINDOW - 1)), now];
    analysed += 1;
    const first = finished[0];
    const fps = finished.length > 1 ? ((finished.length - 1) * 1000) / (now - first) : 0;
    stats.dataset.frames = String(analysed);
    stats.dataset.fps = fps.toFixed(2);
    stats.textContent =
      `${fps.toFixed(1)} frames/s · ${analysed} frames analysed · ` +
      `${response.image.width} x ${response.image.height} px · last answer in ${ms.toFixed(0)} ms`;
    counts.replaceChildren(...stageCounts(response));
  }

  /** One request in flight at a time: the next frame is grabbed once the answer is drawn. */
  async function run(mine) {
    const live = () => state === 'running' && generation === mine;
    while (live()) {
      if (video.readyState < 2 || video.videoWidth === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const blob = await grabFrame();
      const started = performance.now();
      try {
        const response = await fetch(`./?${query()}`, {
          method: 'POST',
          headers: { 'content-type': 'image/jpeg', ...apiKeyHeaders() },
          body: blob,
        });
        if (!live()) break;
        if (!response.ok) {
          showMessage(await errorMessage(response));
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
          continue;
        }
        const answer = await response.json();
        if (!live()) break;
        showMessage('');
        overlay.width = answer.image.width;
        overlay.height = answer.image.height;
        drawDetections(overlayContext, answer);
        showStats(answer, performance.now() - started);
      } catch (error) {
        showMessage(`The request failed: ${error.message}. Is the server running?`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }

  function resume() {
    setState('running');
    void video.play();
    generation += 1;
    const mine = generation;
    loop = loop.then(() => run(mine));
  }

  async function start() {
    if (state !== 'stopped') return;
    showMessage('');
    if (!navigator.mediaDevices?.getUserMedia) {
      showMessage(
        'This browser gives the page no camera: camera mode needs a browser with camera access and the page opened over HTTPS (or on localhost).',
      );
      return;
    }
    setState('starting');
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: {
          facingMode: { ideal: 'environment' },
          width: { ideal: 640 },
          height: { ideal: 480 },
        },
      });
    } catch (error) {
      setState('stopped');
      showMessage(cameraErrorMessage(error));
      return;
    }
    if (state !== 'starting') {
      // The tab was left while the browser asked for permission.
      for (const track of stream.getTracks()) track.stop();
      stream = null;
      return;
    }
    video.srcObject = stream;
    finished = [];
    analysed = 0;
    resume();
  }

  function pause() {
    setState('paused');
    video.pause();
    finished = [];
  }

  function stop() {
    if (state === 'stopped') return;
    setState('stopped');
    generation += 1;
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    video.srcObject = null;
    overlayContext.clearRect(0, 0, overlay.width, overlay.height);
  }

  toggle.addEventListener('click', () => {
    if (state === 'stopped') void start();
    else if (state === 'running') pause();
    else if (state === 'paused') resume();
  });

  return { start, stop };
}
