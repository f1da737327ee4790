/**
 * The OpenFaaS function as an express 5 app, in the shape of OpenFaaS's Node template:
 * POST / (or /classify) runs the pipeline, GET / serves the web tester, /_/health, /_/ready
 * and /metrics; one error-handling middleware turns every failure into `{"error":{...}}`.
 */
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import {
  createClassifierClient,
  createDetectorClient,
  type ClassifierClient,
  type DetectorClient,
} from '../../lib/client/index.js';
import { createLogger, type Logger } from '../../lib/log/index.js';
import {
  admitHttpRequest,
  createProcessKeyLimits,
  loadProcessApiKeys,
  type ApiKeyStore,
  type KeyLimits,
} from '../../lib/auth/index.js';
import { createMetricsRegistry, renderMetrics } from '../../lib/metrics/index.js';
import type { Registry } from 'prom-client';
import { traceHttpRequests } from '../../lib/tracing/index.js';
import { classify, CLIENT_CLOSED_REQUEST, type ClassifyDeps } from './classify.js';
import { DEFAULT_FUNCTION_CONFIG, type FunctionConfig } from './config.js';
import { answerClientError, errorBody, HttpError, toHttpError } from './errors.js';
import { grpcCodeName, type ModelService } from './pipeline/errors.js';
import type { PipelineDeps } from './pipeline/run-pipeline.js';
import { createFunctionMetrics, type FunctionMetrics } from './metrics.js';
import { createModelSpecs } from './pipeline/model-specs.js';
import { createPixelBudget } from '../../lib/admission/pixel-budget.js';
import { createRequestReader } from './request.js';
import { addWebTester } from './web-tester.js';

export interface FunctionServer {
  /** The port actually listened on (useful with port 0). */
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to shutdownGraceMs), closes the gRPC channels. */
  close(): Promise<void>;
}

export interface FunctionServerOptions {
  logger?: Logger;
}

const CLASSIFY_PATHS = ['/', '/classify'];
/** Longer than any proxy's idle timeout in front of us (of-watchdog, gateway), so they close first. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const READINESS_DEADLINE_MS = 2000;

async function isServing(
  client: DetectorClient | ClassifierClient,
  deadlineMs: number,
): Promise<boolean> {
  try {
    return (await client.checkHealth({ deadlineMs })) === 'SERVING';
  } catch {
    return false;
  }
}

/**
 * API_KEYS_FILE: 401 `unauthenticated` (the JSON error shape) before the body is read, and 429
 * `key_limit` naming the limit when the key has its share in flight (or is above its rate);
 * lib/auth decides, this answers through the one error handler.
 */
function requireKey(keys: ApiKeyStore | undefined, limits: KeyLimits | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refusal = admitHttpRequest(keys, limits, req, res);
    if (!refusal) {
      next();
      return;
    }
    const { 'retry-after': retryAfter, ...headers } = refusal.headers;
    res.set(headers);
    next(
      new HttpError(
        refusal.status,
        refusal.code,
        refusal.message,
        retryAfter === undefined ? undefined : Number(retryAfter),
      ),
    );
  };
}

/** The model services' clients and what the pipeline needs of them (lib/client: deadlines, balancing, retries). */
function connectModelServices(config: FunctionConfig, metrics: FunctionMetrics) {
  const security = {
    tls: config.grpcTls,
    apiKey: config.grpcApiKey,
    keepalive: config.grpcKeepalive,
  };
  const detector = createDetectorClient({
    target: config.detectorAddress,
    defaultDeadlineMs: config.detectDeadlineMs,
    ...security,
  });
  const classifier = createClassifierClient({
    target: config.classifierAddress,
    defaultDeadlineMs: config.classifyDeadlineMs,
    ...security,
  });
  const onUpstreamError = (service: ModelService, error: unknown) => {
    metrics.upstreamErrors.inc({ service, code: grpcCodeName(error) });
  };
  const pipeline: PipelineDeps = {
    detector,
    classifier,
    models: createModelSpecs({
      detector,
      classifier,
      deadlineMs: config.detectDeadlineMs,
      onUpstreamError,
    }),
    detectDeadlineMs: config.detectDeadlineMs,
    classifyDeadlineMs: config.classifyDeadlineMs,
    classifyBatchSize: config.classifyBatchSize,
    onUpstreamError,
  };
  return { detector, classifier, pipeline };
}

/** Tracing, the request log line and the default Cache-Control, before every route. */
function useRequestBasics(app: Express, logger: Logger): void {
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  // A SERVER span per request (child of the caller's traceparent), answered in a
  // `traceparent` header; everything below, log lines included, runs inside it.
  app.use(traceHttpRequests());
  app.use((req, res, next) => {
    const started = performance.now();
    res.once('close', () => {
      logger.debug(
        {
          method: req.method,
          path: req.path,
          status: res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST,
          duration_ms: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    next();
  });
  // Answers are per photo and per moment; the web tester's files set their own (no-cache).
  app.use((_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });
}

/** /_/health, /_/ready (both model services SERVING, not shutting down) and /metrics. */
function addOperationalRoutes(
  app: Express,
  services: { detector: DetectorClient; classifier: ClassifierClient },
  registry: Registry,
  shuttingDown: () => boolean,
): void {
  app.get('/_/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/_/ready', async (_req, res) => {
    if (shuttingDown()) {
      res.status(503).json({ status: 'shutting down' });
      return;
    }
    const [detectorServing, classifierServing] = await Promise.all([
      isServing(services.detector, READINESS_DEADLINE_MS),
      isServing(services.classifier, READINESS_DEADLINE_MS),
    ]);
    const ready = detectorServing && classifierServing;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      services: {
        detector: detectorServing ? 'SERVING' : 'NOT_SERVING',
        classifier: classifierServing ? 'SERVING' : 'NOT_SERVING',
      },
    });
  });
  // OpenMetrics (with the latency histograms' trace exemplars) when the scraper asks for it.
  app.get('/metrics', async (req, res) => {
    const { contentType, body } = await renderMetrics(registry, req.get('accept'));
    res.type(contentType).send(body);
  });
}

/**
 * GET /models: the models the services run, the detector's default thresholds (the ones a
 * request without options gets) and the classifier's stages, as the services report them;
 * the page starts its sliders here. 503/504 like a photo when a service does not answer.
 */
function addModelsRoute(app: Express, models: PipelineDeps['models']): void {
  app.get('/models', async (_req, res) => {
    const [detector, classifier] = await Promise.all([models.detector(), models.classifier()]);
    const defaults = detector.defaults;
    res.json({
      detector: {
        ...detector.model,
        defaults: defaults && {
          min_confidence: defaults.minConfidence,
          min_confidence_source: defaults.minConfidenceSource,
          iou: defaults.iou,
          max_detections: defaults.maxDetections,
        },
      },
      classifier: { ...classifier.model, stages: classifier.classes },
    });
  });
}

/** The one error handler: every refusal and failure as `{"error":{"code","message"}}`. */
function answerErrors(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const httpError = toHttpError(error);
    if (httpError.status >= 500 && httpError.code === 'internal')
      logger.error({ err: error }, 'request failed');
    else
      logger.info(
        { status: httpError.status, code: httpError.code, reason: httpError.message },
        'request refused',
      );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (httpError.retryAfterSeconds !== undefined)
      res.set('retry-after', String(httpError.retryAfterSeconds));
    // A body not read to the end (e.g. 413) is not drained: the connection closes instead.
    // A shed request's body is drained, so that its client reliably reads the 429.
    if (!req.readableEnded && httpError.status !== 429) res.set('connection', 'close');
    res.status(httpError.status).json(errorBody(httpError));
  };
}

/** Listens on HOST:PORT; resolves to the HTTP server once it accepts connections. */
async function listen(app: Express, config: FunctionConfig): Promise<Server> {
  const server = createServer(app);
  server.on('clientError', answerClientError);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/**
 * Stops accepting, lets in-flight requests finish for up to `graceMs` (closing connections as
 * they become idle), then closes the rest.
 */
async function drain(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  server.closeIdleConnections();
  const idleSweep = setInterval(() => {
    server.closeIdleConnections();
  }, 100);
  const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
  await Promise.race([closed, grace]);
  clearInterval(idleSweep);
  server.closeAllConnections();
  await closed;
}

export async function startFunctionServer(
  overrides: Partial<FunctionConfig> = {},
  options: FunctionServerOptions = {},
): Promise<FunctionServer> {
  const config: FunctionConfig = { ...DEFAULT_FUNCTION_CONFIG, ...overrides };
  const logger = options.logger ?? createLogger('function', config.logLevel);
  const registry = createMetricsRegistry();
  const metrics = createFunctionMetrics(registry);
  const { detector, classifier, pipeline } = connectModelServices(config, metrics);
  const apiKeys =
    config.apiKeysFile === undefined
      ? undefined
      : loadProcessApiKeys(config.apiKeysFile, { registry, logger });
  const keyLimits = apiKeys ? createProcessKeyLimits(config.keyLimits, registry) : undefined;
  const classifyDeps: ClassifyDeps = {
    metrics,
    maxImagePixels: config.maxImagePixels,
    pixelBudget: createPixelBudget(config.maxInflightPixels, {
      maxWaiting: config.maxWaiting,
      maxWaitMs: config.maxQueueWaitMs,
    }),
    retryAfterSeconds: Math.max(1, Math.ceil(config.maxQueueWaitMs / 1000)),
    readRequest: createRequestReader(config.maxBodyBytes),
    pipeline,
  };
  let shuttingDown = false;

  const app = express();
  useRequestBasics(app, logger);
  app.post(CLASSIFY_PATHS, requireKey(apiKeys, keyLimits), classify(classifyDeps));
  addOperationalRoutes(app, { detector, classifier }, registry, () => shuttingDown);
  addModelsRoute(app, pipeline.models);
  if (config.serveWeb) {
    addWebTester(app, {
      webRoot: config.webRoot,
      modelDir: config.modelDir,
      maxImagePixels: config.maxImagePixels,
    });
  }
  app.all(CLASSIFY_PATHS, (req) => {
    throw new HttpError(405, 'method_not_allowed', `use POST ${req.path} with a photo`);
  });
  app.use((req: Request) => {
    throw new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`);
  });
  app.use(answerErrors(logger));

  const server = await listen(app, config);
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, 'listening');
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true;
      logger.info('shutting down: finishing in-flight requests');
      await drain(server, config.shutdownGraceMs);
      detector.close();
      classifier.close();
      apiKeys?.close();
      logger.info('stopped');
    })();
    return closing;
  };
  return { port, url: `http://127.0.0.1:${port}`, close };
}
