/**
 * POST / and POST /classify after the body is read: options, admission to the pixel budget
 * (or 429 when too many photos wait), the photo's one decode, the pipeline, the JSON answer.
 */
import type { Request, Response } from 'express';
import { observeWithTrace } from '../../lib/metrics/index.js';
import { buildResponseBody, type AnswerWithoutImage } from './answer.js';
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
