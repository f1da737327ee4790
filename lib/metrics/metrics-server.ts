import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { renderMetrics } from './exposition.js';

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** /healthz answers 200 while this returns true, 503 otherwise. */
  isHealthy: () => boolean;
  /** Requests under `prefix` (e.g. "/v2": the Open Inference Protocol's REST side) go to `listener`. */
  routes?: { prefix: string; listener: RequestListener } | undefined;
}

export interface MetricsServer {
  /** The bound port (the actual one when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * HTTP server for Prometheus: GET /metrics (OpenMetrics with exemplars when the scraper
 * asks for it, else the Prometheus text format) and GET /healthz; `routes` under their
 * prefix; anything else is 404.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, isHealthy, routes } = options;
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (routes && (path === routes.prefix || path.startsWith(`${routes.prefix}/`))) {
      routes.listener(request, response);
    } else if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      renderMetrics(registry, request.headers.accept).then(
        ({ contentType, body }) =>
          response.writeHead(200, { 'content-type': contentType }).end(body),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    } else if (path === '/healthz') {
      const healthy = isHealthy();
      response.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' });
      response.end(healthy ? 'ok\n' : 'not serving\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  const port = await listen(server, options.host, options.port);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
