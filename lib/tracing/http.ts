import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  type Context,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { isTracingActive, SpanKind, startSpan } from './spans.js';

/** The W3C `traceparent` value of `from` (default: the active context), if it has a span. */
export function traceparentOf(from: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier.traceparent;
}

/** The trace context a caller sent in HTTP request headers (the root context when none). */
export function contextFromHeaders(headers: IncomingMessage['headers']): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

function routeOf(req: IncomingMessage): string | undefined {
  // Express sets req.route to the matched route; its path is low-cardinality. A route of
  // several paths (`app.post(['/', '/classify'], …)`) names the one that matched exactly.
  const route = (req as { route?: { path?: unknown } }).route;
  if (typeof route?.path === 'string') return route.path;
  if (!Array.isArray(route?.path)) return undefined;
  const path = (req.url ?? '/').split('?')[0];
  return route.path.find((candidate): candidate is string => candidate === path);
}

/**
 * Middleware (node:http or express): a SERVER span per request, child of the caller's
 * `traceparent` if it sent one, active for everything the later handlers do; the response
 * carries the span's `traceparent` header, so a caller can find its trace; the request's
 * and response's event listeners added later run in the span's context. The span ends
 * when the response closes, with the status code and the matched express route. With
 * tracing off it only calls `next`.
 */
export function traceHttpRequests(): (
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
) => void {
  return (req, res, next) => {
    if (!isTracingActive()) {
      next();
      return;
    }
    const method = req.method ?? 'GET';
    const { span, spanContext } = startSpan(
      method,
      {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_PATH]: (req.url ?? '/').split('?')[0],
      },
      { kind: SpanKind.SERVER, parent: contextFromHeaders(req.headers) },
    );
    const traceparent = traceparentOf(spanContext);
    if (traceparent !== undefined) res.setHeader('traceparent', traceparent);
    res.once('close', () => {
      const route = routeOf(req);
      if (route !== undefined) {
        span.setAttribute(ATTR_HTTP_ROUTE, route);
        span.updateName(`${method} ${route}`);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (!res.writableFinished) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: 'connection closed before the response was sent',
        });
      } else if (res.statusCode >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    });
    // Listeners added later (the response's `close`, the body's `data`/`end`) run in the
    // request's span too: their log lines and metric exemplars carry its trace id.
    context.bind(spanContext, req);
    context.bind(spanContext, res);
    context.with(spanContext, next);
  };
}
