import type { ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { sendJson } from '../http/respond.js';
import type { ModelBackends } from '../model-backends.js';

const READINESS_DEADLINE_MS = 2000;

/** GET /_/health: the process is alive and serving HTTP. */
export function handleHealth(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** GET /_/ready: both model services report SERVING (and the function is not shutting down). */
export async function handleReady(
  res: ServerResponse,
  backends: ModelBackends,
  shuttingDown: boolean,
): Promise<void> {
  if (shuttingDown) {
    sendJson(res, 503, { status: 'shutting down' });
    return;
  }
  const readiness = await backends.checkReadiness(READINESS_DEADLINE_MS);
  const services = {
    detector: readiness.detector ? 'SERVING' : 'NOT_SERVING',
    classifier: readiness.classifier ? 'SERVING' : 'NOT_SERVING',
  };
  sendJson(res, readiness.ready ? 200 : 503, {
    status: readiness.ready ? 'ready' : 'not ready',
    services,
  });
}

/** GET /metrics: Prometheus text format. */
export async function handleMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType });
  res.end(body);
}
