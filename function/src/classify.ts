/**
 * POST / and POST /classify after the body is read: options, admission to the pixel budget
 * (or 429 when too many photos wait), the photo's one decode, the pipeline, the JSON answer.
 */
import type { Request, Response } from 'express';
import type { ModelInfo } from '../../lib/gen/banana/v1/common.js';
import { observeWithTrace } from '../../lib/metrics/index.js';
import { ripenessIndex, type Size } from '../../lib/vision/index.js';
import { stageColour } from '../../lib/drawing/labels.js';
import { HttpError } from './errors.js';
import { openPhoto } from './image/decode-photo.js';
import type { FunctionMetrics } from './metrics.js';
import { BudgetRefusal, type PixelBudget } from '../../lib/admission/pixel-budget.js';
import {
  createStageTimer,
  runPipeline,
  type PipelineDeps,
  type PipelineResult,
  type StageTimer,
  type StageTimings,
} from './pipeline/run-pipeline.js';
import type { ImageRequest } from './request.js';

export interface ClassifyDeps {
  /** Reads the photo and its options from the request (request.ts, body limit enforced). */
  readRequest: (req: Request, res: Response) => Promise<ImageRequest>;
  pipeline: PipelineDeps;
  metrics: FunctionMetrics;
  maxImagePixels: number;
  /** Bounds the photos decoded at once (memory), and how many may wait (load shedding). */
  pixelBudget: PixelBudget;
  /** Retry-After of a shed request. */
  retryAfterSeconds: number;
}

/** Status recorded (never sent) when the client disconnects before the answer, as nginx does. */
export const CLIENT_CLOSED_REQUEST = 499;

function shed(deps: ClassifyDeps, reason: BudgetRefusal['reason']): HttpError {
  deps.metrics.shed.inc({ reason });
  return new HttpError(
    429,
    'overloaded',
    reason === 'queue_full'
      ? 'too many photos are waiting to be processed; try again shortly'
      : 'the photo waited too long to be processed; try again shortly',
    deps.retryAfterSeconds,
  );
}

/**
 * Records a classify request's metrics when its response ends (499 when the client left
 * first), and aborts `clientGone` then, so that its model calls stop.
 */
function watchResponse(
  res: Response,
  deps: ClassifyDeps,
  timer: StageTimer,
  clientGone: AbortController,
): void {
  res.on('close', () => {
    if (!res.writableFinished) clientGone.abort();
    const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
    deps.metrics.requests.inc({ code: String(status) });
    observeWithTrace(deps.metrics.requestDuration, {}, timer.elapsedMs() / 1000);
    for (const [stage, ms] of Object.entries(timer.timings)) {
      observeWithTrace(deps.metrics.stageDuration, { stage }, ms / 1000);
    }
  });
}

/**
 * POST / and /classify: shed (429) before the body is read when the pixel budget's queue is
 * full; read the photo and its options; wait for room in the budget; the pipeline; the answer.
 */
export function classify(deps: ClassifyDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const timer = createStageTimer();
    const clientGone = new AbortController();
    watchResponse(res, deps, timer, clientGone);
    if (deps.pixelBudget.full) throw shed(deps, 'queue_full');
    const { image: bytes, options } = await deps.readRequest(req, res);
    // Reading and parsing the body is the first part of `parse`.
    timer.timings.parse = timer.elapsedMs();
    const photo = await timer.time('parse', () => openPhoto(bytes, deps.maxImagePixels));
    const { size } = photo;
    // Wait (outside the stage timings) until this photo's pixels fit the in-flight budget.
    let release: () => void;
    try {
      release = await deps.pixelBudget.acquire(size.width * size.height, clientGone.signal);
    } catch (error) {
      throw error instanceof BudgetRefusal ? shed(deps, error.reason) : error;
    }
    try {
      const result = await runPipeline(
        {
          photo,
          options,
          idle: deps.pixelBudget.inUse <= size.width * size.height,
          signal: clientGone.signal,
        },
        deps.pipeline,
        timer,
      );
      deps.metrics.bananasPerRequest.observe(result.bananas.length);
      await sendAnswer(
        res,
        result,
        buildResponseBody(result, size, timer.timings, timer.elapsedMs()),
      );
    } finally {
      // runPipeline returns once a full decode it started has ended, failed or not.
      release();
    }
  };
}

/** Bytes of JPEG per written chunk: a multiple of 3, so the base64 of each chunk has no padding. */
const BASE64_CHUNK_BYTES = 3 * 64 * 1024;

/**
 * Writes the answer with the annotated JPEG's base64 streamed into the `img` field chunk by
 * chunk, instead of building the whole base64 text, the JSON text holding it and its UTF-8
 * copy (for a 12 MP photo, three copies of 5 MB each). Content-Length is computed up front.
 */
async function sendAnswer(
  res: Response,
  result: PipelineResult,
  body: AnswerWithoutImage,
): Promise<void> {
  const jpeg = result.annotatedJpeg;
  if (!jpeg) {
    res.json(body);
    return;
  }
  const head = '{"img":"';
  const tail = `",${JSON.stringify(body).slice(1)}`;
  res.status(200);
  res.set('Content-Type', 'application/json; charset=utf-8');
  res.set(
    'Content-Length',
    String(head.length + 4 * Math.ceil(jpeg.length / 3) + Buffer.byteLength(tail)),
  );
  res.write(head);
  for (let start = 0; start < jpeg.length; start += BASE64_CHUNK_BYTES) {
    if (res.destroyed) return;
    const more = res.write(jpeg.subarray(start, start + BASE64_CHUNK_BYTES).toString('base64'));
    if (!more) await drainedOrClosed(res);
  }
  res.end(tail);
}

function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export interface DetectionBody {
  box: { x_min: number; y_min: number; x_max: number; y_max: number };
  confidence: number;
  stage: string;
  stage_confidence: number;
  /** Expected stage under `probabilities`, 0 (first stage) … stages − 1 (lib/vision ripenessIndex). */
  ripeness_index: number;
  probabilities: Record<string, number>;
}

/** The JSON answer to a classify request (documented in docs/function.md). */
export interface ClassifyResponseBody {
  /** Base64 JPEG of the annotated photo; absent with format=none. */
  img?: string;
  detections: DetectionBody[];
  /** Bananas per stage, every stage listed. */
  summary: Record<string, number>;
  /** Stages from least to most ripe with the colour of their boxes. */
  stages: Array<{ name: string; colour: string }>;
  image: Size;
  models: {
    /** With the confidence threshold applied and its source ("request", "model card", "calibration <n> ..."). */
    detector: ModelInfo & { min_confidence?: number; min_confidence_source?: string };
    classifier: ModelInfo;
  };
  timings_ms: StageTimings & { total: number };
}

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

function roundTimings(timings: StageTimings, totalMs: number): ClassifyResponseBody['timings_ms'] {
  const rounded = Object.fromEntries(
    Object.entries(timings).map(([stage, ms]) => [stage, round(ms, 1)]),
  ) as StageTimings;
  return { ...rounded, total: round(totalMs, 1) };
}

/** The answer but its `img`, which sendAnswer streams in front of it. */
type AnswerWithoutImage = Omit<ClassifyResponseBody, 'img'>;

export function buildResponseBody(
  result: PipelineResult,
  image: Size,
  timings: StageTimings,
  totalMs: number,
): AnswerWithoutImage {
  const { classes } = result.catalogue;
  const summary = Object.fromEntries(classes.map((name) => [name, 0]));
  const detections = result.bananas.map(({ box, confidence, classification }) => {
    summary[classification.stage] = (summary[classification.stage] ?? 0) + 1;
    return {
      box: {
        x_min: round(box.xMin, 1),
        y_min: round(box.yMin, 1),
        x_max: round(box.xMax, 1),
        y_max: round(box.yMax, 1),
      },
      confidence: round(confidence, 4),
      stage: classification.stage,
      stage_confidence: round(classification.confidence, 4),
      ripeness_index: round(ripenessIndex(classification.probabilities), 2),
      probabilities: Object.fromEntries(
        classes.map((name, i) => [name, round(classification.probabilities[i] ?? 0, 4)]),
      ),
    };
  });
  return {
    detections,
    summary,
    stages: classes.map((name, i) => ({ name, colour: stageColour(i, classes.length) })),
    image: { width: image.width, height: image.height },
    models: {
      detector: {
        ...result.detectorModel,
        // A detector that does not say (an older version) leaves them out.
        ...(result.minConfidence.source !== '' && {
          min_confidence: result.minConfidence.value,
          min_confidence_source: result.minConfidence.source,
        }),
      },
      classifier: result.catalogue.model,
    },
    timings_ms: roundTimings(timings, totalMs),
  };
}
