import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../lib/log/index.js';
import { toHttpError } from '../errors.js';
import { parseImageRequest } from '../http/parse-image-request.js';
import { sendError, sendJson } from '../http/respond.js';
import { openPhoto } from '../image/decode-photo.js';
import type { FunctionMetrics } from '../metrics.js';
import { buildResponseBody } from '../response.js';
import { runPipeline, type PipelineDeps } from '../pipeline/run-pipeline.js';
import type { PixelBudget } from '../../../lib/admission/pixel-budget.js';
import { createStageTimer } from '../pipeline/stage-timer.js';

export interface ClassifyHandlerDeps {
  pipeline: PipelineDeps;
  metrics: FunctionMetrics;
  logger: Logger;
  maxBodyBytes: number;
  maxImagePixels: number;
  /** Bounds the photos decoded at once (memory). */
  pixelBudget: PixelBudget;
}

/** Status recorded (never sent) when the client disconnects before the answer, as nginx does. */
const CLIENT_CLOSED_REQUEST = 499;

/** POST / : photo in, detections and annotated photo out. Never throws. */
export async function handleClassify(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ClassifyHandlerDeps,
): Promise<void> {
  const timer = createStageTimer();
  let status = 500;
  let release: (() => void) | undefined;
  // The client hanging up cancels the model calls still running for it.
  const clientGone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) clientGone.abort();
  });
  try {
    const { image: bytes, options } = await timer.time('parse', () =>
      parseImageRequest(req, url, deps.maxBodyBytes),
    );
    // Wait (outside the stage timings) until this photo's pixels fit the in-flight budget.
    const photo = await openPhoto(bytes, deps.maxImagePixels);
    const { size } = photo;
    release = await deps.pixelBudget.acquire(size.width * size.height, clientGone.signal);
    // Decoded while the pipeline already sends the photo to the detector.
    const image = timer.time('parse', () => photo.decode());
    const result = await runPipeline(
      { bytes, image, size, options, signal: clientGone.signal },
      deps.pipeline,
      timer,
    );
    const body = buildResponseBody(result, size, timer.timings, timer.elapsedMs());
    status = 200;
    sendJson(res, status, body);
    deps.metrics.bananasPerRequest.observe(result.bananas.length);
  } catch (error) {
    const httpError = toHttpError(error);
    status = clientGone.signal.aborted ? CLIENT_CLOSED_REQUEST : httpError.status;
    if (status === 500) deps.logger.error({ err: error }, 'classify request failed');
    else
      deps.logger.info(
        { status, code: httpError.code, reason: httpError.message },
        'classify request refused',
      );
    if (!res.headersSent) sendError(res, httpError, req.readableEnded);
  } finally {
    release?.();
    deps.metrics.requests.inc({ code: String(status) });
    deps.metrics.requestDuration.observe(timer.elapsedMs() / 1000);
    for (const [stage, ms] of Object.entries(timer.timings)) {
      deps.metrics.stageDuration.observe({ stage }, ms / 1000);
    }
  }
}
