// Live camera mode: frames from the camera, downscaled to at most 640 px and analysed one at
// a time (by the function, sent as JPEG with format=none, or on this device: app.js decides),
// with the boxes and numbered labels drawn on a canvas over the video by the same label
// placement as the function's annotated photos.
/* global document, navigator, performance, setTimeout */
import {
  LABEL_FONT_FAMILY,
  contrastingColour,
  layoutDetectionLabels,
  outlineWithHalo,
  stageText,
  strokeWidthFor,
} from './modules/labels.js';

/** Longest side of a frame analysed, in pixels. */
export const MAX_FRAME_SIDE = 640;
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
 * Draws the boxes (halo, then stage colour) and the numbered labels of one answer over what
 * the canvas holds (a canvas the size of the frame that was analysed: resizing it clears it).
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
    stageLabel: stageText(detection.stage),
    detectionConfidence: detection.confidence,
    colour: colourOf.get(detection.stage) ?? '#000000',
  }));
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
 * Wires the Camera tab. `analyseFrame(canvas)` answers for a frame (the server's JSON shape)
 * or throws an error whose message is shown; `stageCounts(answer)` gives the list items of the
 * per-stage counts.
 */
export function setUpCamera({ analyseFrame, stageCounts }) {
  const elements = cameraElements();
  const { video, toggle, message } = elements;
  const capture = document.createElement('canvas');
  const view = createAnswerView(elements, stageCounts);

  let stream = null;
  let state = 'stopped'; // stopped | starting | running | paused
  /** The frame loop; a new one starts only after the previous one has ended. */
  let loop = Promise.resolve();
  let generation = 0;

  const say = (text) => showMessage(message, text);
  const setState = (next) => {
    state = next;
    showState(toggle, next);
  };

  function resume() {
    setState('running');
    void video.play();
    generation += 1;
    const mine = generation;
    const live = () => state === 'running' && generation === mine;
    const frames = { video, capture, live, analyseFrame, say, showAnswer: view.show };
    loop = loop.then(() => analyseFrames(frames));
  }

  async function start() {
    if (state !== 'stopped') return;
    say('');
    if (!navigator.mediaDevices?.getUserMedia) {
      say(NO_CAMERA_MESSAGE);
      return;
    }
    setState('starting');
    try {
      stream = await openCamera();
    } catch (error) {
      setState('stopped');
      say(cameraErrorMessage(error));
      return;
    }
    if (state !== 'starting') {
      // The tab was left while the browser asked for permission.
      stopTracks(stream);
      stream = null;
      return;
    }
    video.srcObject = stream;
    view.reset();
    resume();
  }

  function pause() {
    setState('paused');
    video.pause();
    view.restartWindow();
  }

  function stop() {
    if (state === 'stopped') return;
    setState('stopped');
    generation += 1;
    stopTracks(stream);
    stream = null;
    video.srcObject = null;
    view.clear();
  }

  toggle.addEventListener('click', () => {
    if (state === 'stopped') void start();
    else if (state === 'running') pause();
    else if (state === 'paused') resume();
  });

  return { start, stop };
}

const NO_CAMERA_MESSAGE =
  'This browser gives the page no camera: camera mode needs a browser with camera access and the page opened over HTTPS (or on localhost).';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Camera tab's elements. */
function cameraElements() {
  return {
    video: document.querySelector('#camera-video'),
    overlay: document.querySelector('#camera-overlay'),
    toggle: document.querySelector('#camera-toggle'),
    message: document.querySelector('#camera-message'),
    stats: document.querySelector('#camera-stats'),
    counts: document.querySelector('#camera-counts'),
  };
}

/** Shows `text` in the message element, hidden when there is nothing to say. */
function showMessage(message, text) {
  message.textContent = text;
  message.hidden = text === '';
}

/** The toggle button for a camera state: its label, whether it can be pressed, aria-pressed. */
function showState(toggle, state) {
  toggle.textContent = {
    stopped: 'Start camera',
    starting: 'Starting…',
    running: 'Pause',
    paused: 'Resume',
  }[state];
  toggle.disabled = state === 'starting';
  toggle.setAttribute('aria-pressed', String(state === 'paused'));
}

/** Asks for the camera: the one facing away from the user where there is a choice, about 640x480. */
function openCamera() {
  return navigator.mediaDevices.getUserMedia({
    audio: false,
    video: {
      facingMode: { ideal: 'environment' },
      width: { ideal: 640 },
      height: { ideal: 480 },
    },
  });
}

/** Ends every track of a camera stream (null: nothing to end), which turns the camera off. */
function stopTracks(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** The video's current frame, downscaled to frameSize, drawn in `capture`. */
function grabFrame(video, capture) {
  const size = frameSize(video.videoWidth, video.videoHeight);
  capture.width = size.width;
  capture.height = size.height;
  capture
    .getContext('2d', { willReadFrequently: true })
    .drawImage(video, 0, 0, size.width, size.height);
}

/**
 * Everything shown about the answers: the boxes over the video, the frame rate and the
 * per-stage counts.
 */
function createAnswerView({ overlay, stats, counts }, stageCounts) {
  const context = overlay.getContext('2d');
  const frameStats = createFrameStats(stats);
  return {
    /** Draws an answer; `started` is when its frame was grabbed. */
    show(answer, started) {
      overlay.width = answer.image.width;
      overlay.height = answer.image.height;
      drawDetections(context, answer);
      frameStats.record(answer, performance.now() - started);
      counts.replaceChildren(...stageCounts(answer));
    },
    clear() {
      context.clearRect(0, 0, overlay.width, overlay.height);
    },
    restartWindow: frameStats.restartWindow,
    reset: frameStats.reset,
  };
}

/**
 * Frames per second over the last FPS_WINDOW answers and the frames analysed since the camera
 * started, shown in `stats` (text, and data-fps / data-frames for tests).
 */
function createFrameStats(stats) {
  let finished = [];
  let analysed = 0;
  return {
    record(response, ms) {
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
    },
    /** After a pause, the frame rate counts from the next answer. */
    restartWindow() {
      finished = [];
    },
    reset() {
      finished = [];
      analysed = 0;
    },
  };
}

/**
 * One frame analysed at a time, while `live()`: a frame is grabbed, analysed, and its answer
 * drawn by `showAnswer` before the next frame. A refusal or failure is shown by `say` and the
 * next frame tried after RETRY_DELAY_MS.
 */
async function analyseFrames({ video, capture, live, analyseFrame, say, showAnswer }) {
  while (live()) {
    if (video.readyState < 2 || video.videoWidth === 0) {
      await sleep(50);
      continue;
    }
    // A task boundary per frame: an analysis on the device may finish in microtasks alone,
    // and the page must still paint, play the video and handle input in between.
    await sleep(0);
    const started = performance.now();
    grabFrame(video, capture);
    try {
      const answer = await analyseFrame(capture);
      if (!live()) break;
      say('');
      showAnswer(answer, started);
    } catch (error) {
      if (!live()) break;
      say(error.message);
      await sleep(RETRY_DELAY_MS);
    }
  }
}
