/**
 * A stand-in for the OpenFaaS gateway's routing: `/function/<name>/<path>` is forwarded to
 * the function as `/<path>`. Lets the browser test check that the web tester works under
 * the gateway prefix (relative URLs only).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayProxy {
  /** e.g. http://127.0.0.1:PORT/function/banana-ripeness */
  functionUrl: string;
  close(): Promise<void>;
}

export async function startGatewayProxy(
  upstream: string,
  functionName: string,
): Promise<GatewayProxy> {
  const prefix = `/function/${functionName}`;
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(prefix)) {
      res.writeHead(404).end('not a function route');
      return;
    }
    const path = url.slice(prefix.length);
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: path.startsWith('/') ? path : `/${path}`,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forwarded.on('error', () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    functionUrl: `http://127.0.0.1:${port}${prefix}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
