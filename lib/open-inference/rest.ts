import { performance } from 'node:perf_hooks';
import { status } from '@grpc/grpc-js';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { statusName, statusOfError } from '../grpc-server/status-of-error.js';
import type { Logger } from '../log/index.js';
import { traceHttpRequests } from '../tracing/index.js';
import { inferRequestFromJson, inferResponseToJson } from './json.js';
import type { InferenceServer } from './server.js';

export interface RestOptions {
  server: InferenceServer;
  /** Largest JSON body accepted, in bytes (MAX_MESSAGE_BYTES, as for gRPC). */
  maxBodyBytes: number;
  logger: Logger;
  /** Counts and times a request (the services' request metrics; method "http:<API>"). */
  recordRequest(method: string, code: string, seconds: number): void;
  /**
   * Runs before every /v2/models route (metadata, readiness, inference) and may answer the
   * request itself: where access control of the models goes. /v2 and /v2/health stay open.
   */
  protect?: RequestHandler;
}

/** The HTTP status of a gRPC status, for the REST side's answers. */
const HTTP_STATUS: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.NOT_FOUND]: 404,
  [status.UNAUTHENTICATED]: 401,
  [status.PERMISSION_DENIED]: 403,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.UNAVAILABLE]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.CANCELLED]: 499,
};

/** An express body-parser failure: `type` says what failed. */
function bodyParserFailure(error: unknown): { status: number; message: string } | undefined {
  const { type, status: code } = error as { type?: unknown; status?: unknown };
  if (typeof type !== 'string' || typeof code !== 'number') return undefined;
  if (type === 'entity.too.large') {
    return { status: 413, message: 'the body is above the limit (MAX_MESSAGE_BYTES)' };
  }
  if (type === 'entity.parse.failed') {
    return { status: 400, message: `the body is not valid JSON: ${(error as Error).message}` };
  }
  return { status: code >= 400 && code < 500 ? code : 400, message: (error as Error).message };
}

interface Answer {
  status?: number;
  body: unknown;
}

/**
 * Wraps a route: counts and times it as `method`, passes an AbortSignal that aborts when the
 * client goes away, answers errors as the protocol's `{"error": "..."}` with the HTTP status
 * of their gRPC status (INVALID_ARGUMENT 400, NOT_FOUND 404, RESOURCE_EXHAUSTED 429, ...).
 */
function route(
  options: RestOptions,
  method: string,
  handle: (req: Request, signal: AbortSignal) => Answer | Promise<Answer>,
): RequestHandler {
  return (req, res) => {
    const started = performance.now();
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client went away'));
    });
    const done = (code: string) => {
      options.recordRequest(`http:${method}`, code, (performance.now() - started) / 1000);
    };
    Promise.resolve(req)
      .then((r) => handle(r, controller.signal))
      .then(
        ({ status: httpStatus = 200, body }) => {
          done('OK');
          res.status(httpStatus).json(body);
        },
        (error: unknown) => {
          const { code, details, internal } = statusOfError(error);
          done(statusName(code));
          if (internal) options.logger.error({ method, err: error }, 'REST call failed');
          res.status(HTTP_STATUS[code] ?? 500).json({ error: details });
        },
      );
  };
}

/**
 * The protocol's HTTP/JSON side: GET /v2, /v2/health/live, /v2/health/ready,
 * /v2/models/{name}[/versions/{version}], .../ready; POST .../infer with JSON tensors.
 */
export function createRestApp(options: RestOptions): express.Express {
  const { server } = options;
  const app = express();
  app.disable('x-powered-by');
  app.use(traceHttpRequests());
  const ready = (value: boolean) => ({ status: value ? 200 : 503 });
  app.get(
    '/v2',
    route(options, 'ServerMetadata', () => ({ body: server.serverMetadata() })),
  );
  app.get(
    '/v2/health/live',
    route(options, 'ServerLive', () => ({ body: { live: server.live() } })),
  );
  app.get(
    '/v2/health/ready',
    route(options, 'ServerReady', () => {
      const value = server.ready();
      return { ...ready(value), body: { ready: value } };
    }),
  );
  const model = '/v2/models/:name{/versions/:version}';
  const params = (req: Request) => req.params as { name: string; version?: string };
  if (options.protect) app.use('/v2/models', options.protect);
  app.get(
    model,
    route(options, 'ModelMetadata', (req) => {
      const { name, version } = params(req);
      return { body: server.model(name, version).metadata };
    }),
  );
  app.get(
    `${model}/ready`,
    route(options, 'ModelReady', (req) => {
      const { name, version } = params(req);
      const value = server.modelReady(name, version);
      return { ...ready(value), body: { name, ready: value } };
    }),
  );
  const json = express.json({ limit: options.maxBodyBytes, type: () => true, inflate: false });
  app.post(
    `${model}/infer`,
    json,
    route(options, 'ModelInfer', async (req, signal) => {
      const { name, version = '' } = params(req);
      const request = inferRequestFromJson(req.body, name, version);
      return { body: inferResponseToJson(await server.infer(request, signal)) };
    }),
  );
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no route ${req.method} ${req.path}` });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const failure = bodyParserFailure(error);
    if (!failure) options.logger.error({ err: error }, 'REST request failed');
    res.status(failure?.status ?? 500).json({ error: failure?.message ?? 'internal error' });
  });
  return app;
}
