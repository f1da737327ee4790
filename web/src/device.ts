/**
 * "On this device": the detector and the classifier run in the page with onnxruntime-web
 * (WebAssembly) on the ONNX files and model cards the function serves (GET device/models.json),
 * through the same TypeScript as the server: letterbox geometry and the detector's input
 * (lib/vision/letterbox.ts, detections.ts), the head's decoding and NMS, the classifier's crops
 * (lib/vision/crop-source.ts with the JavaScript resize of square-crop.ts), softmax and
 * ripeness index, and the JSON answer (function/src/answer.ts). Bundled for the browser by
 * `npm run gen:web` into web/gen/device.js. The photo never leaves the page.
 *
 * What differs from the server, and why: the browser decodes the photo (createImageBitmap,
 * EXIF orientation applied, as sharp does) and scales it to the letterbox size with the
 * training code's bilinear filter (lib/vision/resample.ts), where the server lets libvips
 * shrink while decoding; the boxes agree to IoU >= 0.99 (test/stack/browser/device-mode.test.ts).
 */
import type * as Ort from 'onnxruntime-web';
import { buildResponseBody, type ClassifyResponseBody } from '../../function/src/answer.js';
import type { StageTimings } from '../../function/src/pipeline/run-pipeline.js';
import type { ClassifierCard, DetectorCard } from '../../lib/model-card/types.js';
import type { ScaledPhoto } from '../../lib/vision/crop-source.js';
import { cropBoxesWith } from '../../lib/vision/crop-source.js';
import {
  letterboxTensor,
  postprocessDetections,
  resolveThresholds,
} from '../../lib/vision/detections.js';
import { letterboxGeometry } from '../../lib/vision/letterbox.js';
import { resizeBilinear } from '../../lib/vision/resample.js';
import { logitsToClassProbabilities } from '../../lib/vision/softmax.js';
import { squareCropInJavaScript } from '../../lib/vision/square-crop.js';
import { toInputTensor } from '../../lib/vision/tensor.js';
import { RGB_CHANNELS, type RgbImage, type ScoredBox } from '../../lib/vision/types.js';

/** One model as GET device/models.json describes it. */
interface ServedModel<Card> {
  /** The parsed model card, calibration in force applied (the detector's thresholds). */
  card: Card;
  /** Where the ONNX file is, relative to the page; names the file's SHA-256, so a new file has a new URL. */
  url: string;
  bytes: number;
  sha256: string;
}

/** GET device/models.json. */
export interface DeviceManifest {
  detector: ServedModel<DetectorCard>;
  classifier: ServedModel<ClassifierCard>;
  /** The function's MAX_IMAGE_PIXELS: a larger photo is refused here as it is there. */
  max_image_pixels: number;
  /** onnxruntime-web: its folder relative to the page (named by its version), and its files. */
  ort: { folder: string; files: string[] };
}

/** The page's options as the request would carry them (text from the inputs, or absent). */
export interface DeviceOptions {
  min_confidence?: string | undefined;
  iou?: string | undefined;
  max_detections?: string | undefined;
}

/** A photo or frame the device can read: a file, or something drawn already (a canvas). */
export type DeviceSource = Blob | HTMLCanvasElement | OffscreenCanvas;

export type DeviceAnswer = Omit<ClassifyResponseBody, 'img'>;

/** A refusal the page shows as it shows the server's (the server would answer 400). */
export class DeviceInputError extends Error {
  override name = 'DeviceInputError';
}

type OrtModule = typeof Ort;

/** onnxruntime-web from the function (modules/ort/<version>/), its WebAssembly beside it. */
async function loadOrt(base: URL, ortFolder: string): Promise<OrtModule> {
  const folder = new URL(ortFolder, base).href;
  const ort = (await import(`${folder}ort.wasm.min.mjs`)) as OrtModule;
  ort.env.wasm.wasmPaths = folder;
  // Threads need a cross-origin isolated page (the function sends COOP/COEP for it).
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated
    ? Math.min(4, navigator.hardwareConcurrency || 1)
    : 1;
  return ort;
}

/** The served models' description; throws when the function serves none. */
export async function fetchManifest(base: URL): Promise<DeviceManifest> {
  const response = await fetch(new URL('device/models.json', base), { cache: 'no-cache' });
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as
      { error?: { message?: string } } | undefined;
    throw new Error(body?.error?.message ?? `device/models.json: HTTP ${response.status}`);
  }
  return (await response.json()) as DeviceManifest;
}

/** A decoded photo or frame: its RGBA pixels (for drawing on a canvas) and RGB (for the models). */
export interface DevicePhoto {
  rgba: ImageData;
  rgb: RgbImage;
}

function refuseLarge(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new DeviceInputError(
      `the photo has ${width * height} pixels (${width}x${height}), more than the ${maxPixels} allowed`,
    );
  }
}

/**
 * RGBA pixels by WebCodecs' ImageDecoder, 3-4x faster than a canvas round trip (measured in
 * Chromium: 22 ms against 90 ms for 1280x960); undefined where the browser has no
 * ImageDecoder, cannot convert to RGBA, or reports a rotated or flipped image (EXIF
 * orientation), which createImageBitmap then applies.
 */
async function decodeWithWebCodecs(photo: Blob, maxPixels: number): Promise<ImageData | undefined> {
  if (typeof ImageDecoder === 'undefined' || !('rotation' in VideoFrame.prototype))
    return undefined;
  if (!(await ImageDecoder.isTypeSupported(photo.type))) return undefined;
  const decoder = new ImageDecoder({ data: await photo.arrayBuffer(), type: photo.type });
  let frame: VideoFrame | undefined;
  try {
    frame = (await decoder.decode()).image;
    // Newer than TypeScript's DOM types: how the image is to be turned (EXIF orientation).
    const { rotation, flip } = frame as VideoFrame & { rotation: number; flip: boolean };
    if (rotation !== 0 || flip) return undefined;
    const { displayWidth: width, displayHeight: height } = frame;
    refuseLarge(width, height, maxPixels);
    const rgba = new ImageData(width, height);
    await frame.copyTo(rgba.data, { format: 'RGBA', colorSpace: 'srgb' });
    return rgba;
  } catch (error) {
    if (error instanceof DeviceInputError) throw error;
    return undefined;
  } finally {
    frame?.close();
    decoder.close();
  }
}

/** RGBA pixels through createImageBitmap (EXIF orientation applied) and a canvas. */
async function decodeWithCanvas(photo: Blob, maxPixels: number): Promise<ImageData> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(photo, { imageOrientation: 'from-image' });
  } catch {
    throw new DeviceInputError('the photo could not be decoded: is it a JPEG, PNG or WebP image?');
  }
  try {
    refuseLarge(bitmap.width, bitmap.height, maxPixels);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('this browser gives no 2D canvas');
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, canvas.width, canvas.height);
  } finally {
    bitmap.close();
  }
}

/** A canvas's RGBA pixels (a camera frame drawn already). */
function canvasPixels(canvas: HTMLCanvasElement | OffscreenCanvas): ImageData {
  const settings: CanvasRenderingContext2DSettings = { willReadFrequently: true };
  const context =
    canvas instanceof OffscreenCanvas
      ? canvas.getContext('2d', settings)
      : canvas.getContext('2d', settings);
  if (!context) throw new Error('this browser gives no 2D canvas');
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** The photo's pixels at full resolution, EXIF orientation applied, as the server decodes it. */
export async function decodePhoto(source: DeviceSource, maxPixels: number): Promise<DevicePhoto> {
  const rgba =
    source instanceof Blob
      ? ((await decodeWithWebCodecs(source, maxPixels)) ??
        (await decodeWithCanvas(source, maxPixels)))
      : canvasPixels(source);
  const { width, height } = rgba;
  // One 32-bit read per pixel (RGBA little-endian, as every browser lays ImageData out): 8x
  // faster than reading the bytes one by one.
  const pixels = new Uint32Array(rgba.data.buffer, rgba.data.byteOffset, width * height);
  const data = new Uint8Array(width * height * RGB_CHANNELS);
  for (let p = 0, o = 0; p < pixels.length; p++, o += RGB_CHANNELS) {
    const pixel = pixels[p] as number;
    data[o] = pixel & 0xff;
    data[o + 1] = (pixel >>> 8) & 0xff;
    data[o + 2] = (pixel >>> 16) & 0xff;
  }
  return { rgba, rgb: { data, width, height } };
}

/** The crops of the server's rule, every resize in JavaScript (square-crop.ts). */
const cropBoxes = cropBoxesWith((image, rect, input) => {
  const crop = squareCropInJavaScript(image, rect, input);
  if (crop === undefined) {
    throw new Error(`the classifier's ${input.kernel} resize runs on the server only`);
  }
  return crop;
});

export interface DeviceModels {
  manifest: DeviceManifest;
  /**
   * Detects and grades the bananas of a photo or frame, on this device: the answer, and the
   * decoded photo (for drawing the boxes on it).
   */
  analyse(
    source: DeviceSource,
    options?: DeviceOptions,
  ): Promise<{ answer: DeviceAnswer; photo: DevicePhoto }>;
  release(): Promise<void>;
}

/** The two sessions and how to run them on pixels. */
interface Runners {
  detector(tensor: Uint8Array, dims: readonly number[]): Promise<Float32Array>;
  classifier(crops: RgbImage[]): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Both ONNX files fetched (through the service worker, which keeps them) and loaded. */
async function loadRunners(base: URL, manifest: DeviceManifest): Promise<Runners> {
  const { detector, classifier } = manifest;
  const ort = await loadOrt(base, manifest.ort.folder);
  const session = async (model: ServedModel<unknown>) => {
    const response = await fetch(new URL(model.url, base));
    if (!response.ok) throw new Error(`${model.url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  };
  const [detectorSession, classifierSession] = await Promise.all([
    session(detector),
    session(classifier),
  ]);
  return {
    async detector(tensor, dims) {
      const feeds = { [detector.card.input.name]: new ort.Tensor('uint8', tensor, dims) };
      const out = await detectorSession.run(feeds);
      return out[detector.card.output.name]?.data as Float32Array;
    },
    async classifier(crops) {
      const { input, output } = classifier.card;
      const dims = [crops.length, input.height, input.width, RGB_CHANNELS];
      const feeds = { [input.name]: new ort.Tensor('uint8', toInputTensor(crops, input), dims) };
      const out = await classifierSession.run(feeds);
      return out[output.name]?.data as Float32Array;
    },
    async release() {
      await Promise.all([detectorSession.release(), classifierSession.release()]);
    },
  };
}

/** The page's option names, for messages. */
const OPTION_NAMES = {
  minConfidence: 'min_confidence',
  iou: 'iou',
  maxDetections: 'max_detections',
};

/**
 * The detector's thresholds: the page's where set, the card's (calibration included)
 * otherwise, by the detector service's rule (lib/vision resolveThresholds).
 */
function thresholdsFor(card: DetectorCard, options: DeviceOptions) {
  const thresholds = resolveThresholds(
    {
      minConfidence: options.min_confidence,
      iou: options.iou,
      maxDetections: options.max_detections,
    },
    card,
    OPTION_NAMES,
    (message) => new DeviceInputError(`option ${message}`),
  );
  const asked = options.min_confidence !== undefined && options.min_confidence !== '';
  return { ...thresholds, source: asked ? 'request' : card.thresholds.source };
}

/**
 * The classifier's answers for the boxes, in the shape of the Classify service's: crops cut
 * from the letterbox-scaled image where they keep the input size there, else from `full`.
 */
async function classifyBoxes(
  run: Runners,
  card: ClassifierCard,
  found: readonly ScoredBox[],
  scaled: ScaledPhoto,
  full: RgbImage,
) {
  const crops = await cropBoxes(
    found.map(({ box }) => box),
    scaled,
    () => Promise.resolve(full),
    card.input,
  );
  const logits = crops.length > 0 ? await run.classifier(crops) : new Float32Array();
  const graded = logitsToClassProbabilities(logits, card.classes.length);
  return found.map(({ box, score }, i) => {
    const p = graded[i];
    if (p === undefined) throw new Error(`the classifier answered for ${graded.length} crops`);
    return {
      box,
      confidence: score,
      classification: {
        stage: card.classes[p.index] ?? String(p.index),
        stageIndex: p.index,
        confidence: p.confidence,
        probabilities: p.probabilities,
      },
    };
  });
}

/** One photo or frame through both models, as the function's pipeline runs it. */
async function analyseWith(
  run: Runners,
  manifest: DeviceManifest,
  source: DeviceSource,
  options: DeviceOptions,
): Promise<{ answer: DeviceAnswer; photo: DevicePhoto }> {
  const started = performance.now();
  const timings: StageTimings = {};
  let mark = started;
  const lap = (stage: keyof StageTimings) => {
    const now = performance.now();
    timings[stage] = now - mark;
    mark = now;
  };
  const detector = manifest.detector.card;
  const classifier = manifest.classifier.card;
  const thresholds = thresholdsFor(detector, options);

  const photo = await decodePhoto(source, manifest.max_image_pixels);
  const full = photo.rgb;
  const geometry = letterboxGeometry(full, detector.input);
  const scaled = resizeBilinear(full, geometry.resized.width, geometry.resized.height);
  lap('parse');

  const input = letterboxTensor({ image: scaled, geometry }, detector.input);
  const head = await run.detector(input.tensor, input.dims);
  const found = postprocessDetections(head, detector, geometry, thresholds);
  lap('detect');

  const bananas = await classifyBoxes(
    run,
    classifier,
    found,
    { image: scaled, source: full },
    full,
  );
  lap('classify');

  const answer = buildResponseBody(
    {
      bananas,
      catalogue: {
        classes: [...classifier.classes],
        model: { name: classifier.name, version: classifier.version },
      },
      detectorModel: { name: detector.name, version: detector.version },
      minConfidence: { value: thresholds.minConfidence, source: thresholds.source },
    },
    { width: full.width, height: full.height },
    timings,
    performance.now() - started,
  );
  return { answer, photo };
}

/**
 * Loads both models in onnxruntime-web (fetched through the page's service worker, which keeps
 * them for offline use) and warms them up with one run each.
 */
export async function loadDeviceModels(base: URL, manifest: DeviceManifest): Promise<DeviceModels> {
  const { detector, classifier } = manifest;
  for (const { card } of [detector, classifier]) {
    if (card.input.kernel !== 'linear') {
      throw new Error(
        `${card.name} ${card.version} resizes with the ${card.input.kernel} kernel; the device mode resizes with the linear one only`,
      );
    }
  }
  const run = await loadRunners(base, manifest);
  // One run each, so that the first photo does not pay for WebAssembly's start.
  const { input } = detector.card;
  const blank = (width: number, height: number) => ({
    data: new Uint8Array(width * height * RGB_CHANNELS),
    width,
    height,
  });
  await run.detector(blank(input.width, input.height).data, [
    1,
    input.height,
    input.width,
    RGB_CHANNELS,
  ]);
  await run.classifier([blank(classifier.card.input.width, classifier.card.input.height)]);
  return {
    manifest,
    analyse: (source, options = {}) => analyseWith(run, manifest, source, options),
    release: () => run.release(),
  };
}
