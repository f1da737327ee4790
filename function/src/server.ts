import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../lib/log/index.js';
import { DEFAULT_FUNCTION_CONFIG, type FunctionConfig } from './config.js';
import { HttpError } from './errors.js';
import { handleClassify, type ClassifyHandlerDeps } from './handlers/classify-handler.js';
import { handleHealth, handleMetrics, handleReady } from './handlers/probe-handlers.js';
import { answerClientError } from './http/client-error.js';
import { sendError } from './http/respond.js';
import { loadStaticFiles, type StaticFiles } from './http/static-files.js';
import { createFunctionMetrics } from './metrics.js';
import { createMetricsRegistry } from '../../lib/metrics/index.js';
import { createModelBackends } from './grpc-backends.js';
import { createClassifierCatalogueCache } from './pipeline/classifier-catalogue.js';
import { createPixelBudget } from '../../lib/admission/pixel-budget.js';
import { grpcCodeName } from './pipeline/upstream-error.js';

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

const CLASSIFY_PATHS = new Set(['/', '/classify']);
/** Longer than any proxy's idle timeout in front of us (of-watchdog, gateway), so they close first. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * The OpenFaaS function as a plain node:http server: POST / (or /classify) runs the pipeline,
 * GET / serves the web tester, /_/health, /_/ready and /metrics.
 */
export async function startFunctionServer(
  overrides: Partial<FunctionConfig> = {},
  options: FunctionServerOptions = {},
): Promise<FunctionServer> {
  const config: FunctionConfig = { ...DEFAULT_FUNCTION_CONFIG, ...overrides };
  const logger = options.logger ?? createLogger('function', config.logLevel);
  const registry = createMetricsRegistry();
  const metrics = createFunctionMetrics(registry);
  const backends = createModelBackends(config);
  const staticFiles: StaticFiles | undefined = config.serveWeb
    ? loadStaticFiles(config.webRoot)
    : undefined;
  const classifyDeps: ClassifyHandlerDeps = {
    metrics,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    maxImagePixels: config.maxImagePixels,
    pixelBudget: createPixelBudget(config.maxInflightPixels),
    pipeline: {
      models: backends.ports,
      catalogue: createClassifierCatalogueCache(),
      detectDeadlineMs: config.detectDeadlineMs,
      classifyDeadlineMs: config.classifyDeadlineMs,
      classifyBatchSize: config.classifyBatchSize,
      onUpstreamError: (service, error) => {
        metrics.upstreamErrors.inc({ service, code: grpcCodeName(error) });
      },
    },
  };
  let shuttingDown = false;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://function.local');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';
    if (method === 'POST' && CLASSIFY_PATHS.has(path)) {
      await handleClassify(req, res, url, classifyDeps);
    } else if (isRead && path === '/_/health') {
      handleHealth(res);
    } else if (isRead && path === '/_/ready') {
      await handleReady(res, backends, shuttingDown);
    } else if (isRead && path === '/metrics') {
      await handleMetrics(res, registry);
    } else if (isRead && staticFiles?.serve(path, res)) {
      // served
    } else if (CLASSIFY_PATHS.has(path)) {
      sendError(
        res,
        new HttpError(405, 'method_not_allowed', `use POST ${path} with a photo`),
        req.readableEnded,
      );
    } else {
      sendError(
        res,
        new HttpError(404, 'not_found', `no route for ${method} ${path}`),
        req.readableEnded,
      );
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request handler failed');
      if (!res.headersSent) sendError(res, new HttpError(500, 'internal', 'internal error'), false);
      else res.destroy();
    });
  });
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
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeIdleConnections();
      const idleSweep = setInterval(() => {
        server.closeIdleConnections();
      }, 100);
      const grace = new Promise<void>((resolve) =>
        setTimeout(resolve, config.shutdownGraceMs).unref(),
      );
      await Promise.race([closed, grace]);
      clearInterval(idleSweep);
      server.closeAllConnections();
      await closed;
      backends.close();
      logger.info('stopped');
    })();
    return closing;
  };
  return { port, url: `http://127.0.0.1:${port}`, close };
}
