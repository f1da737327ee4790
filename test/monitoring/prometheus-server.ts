// CI needs the Debian package `prometheus` (prometheus + promtool):
//   apt-get install -y --no-install-recommends prometheus   (.ci/run installs it)
// A real Prometheus (Debian package `prometheus`, or $PROMETHEUS_BIN) started by a test
// on a free loopback port with a generated configuration, queried over its HTTP API.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';

export { freePort };

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? 'promtool';

/** Throws a clear message when the binary is missing (apt-get install prometheus). */
export function requireBinary(bin: string): void {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error)
    throw new Error(
      `${bin} not found: install the Debian package \`prometheus\` (apt-get install -y prometheus) or set ${bin === PROMTOOL_BIN ? 'PROMTOOL_BIN' : 'PROMETHEUS_BIN'}`,
    );
}

export type QueryResult = { metric: Record<string, string>; value: [number, string] }[];

export interface PrometheusServer {
  url: string;
  port: number;
  dir: string;
  /** Instant query; throws on an API error (bad expression). */
  query(expr: string): Promise<QueryResult>;
  /** GET an API path (e.g. /api/v1/targets) and return its `data`. */
  api(pathAndQuery: string): Promise<unknown>;
  /** Resolves once `predicate` holds for an instant query, or throws after `timeoutMs`. */
  waitFor(
    expr: string,
    predicate: (r: QueryResult) => boolean,
    timeoutMs: number,
  ): Promise<QueryResult>;
  stop(): Promise<void>;
  output(): string;
}

/**
 * Starts Prometheus with `config` (an object; written as prometheus.yml in a fresh temp dir,
 * where `files` are written too, e.g. rules and file_sd target lists).
 */
export async function startPrometheus(
  build: (ctx: { dir: string; port: number }) => {
    config: unknown;
    files?: Record<string, string>;
    /** Extra command-line flags, e.g. --enable-feature=exemplar-storage. */
    flags?: string[];
  },
): Promise<PrometheusServer> {
  requireBinary(PROMETHEUS_BIN);
  const dir = mkdtempSync(path.join(tmpdir(), 'banana-prom-'));
  const port = await freePort();
  const { config, files = {}, flags = [] } = build({ dir, port });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
  const url = `http://127.0.0.1:${String(port)}`;
  const out: string[] = [];
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const s of [child.stdout, child.stderr])
    s?.on('data', (b: Buffer) => out.push(b.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );

  const api = async (p: string): Promise<unknown> => {
    const res = await fetch(url + p, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; data?: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`${p}: ${body.error ?? res.status}`);
    return body.data;
  };
  const query = async (expr: string): Promise<QueryResult> => {
    const data = (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as {
      result: QueryResult;
    };
    return data.result;
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`prometheus exited ${String(child.exitCode)}:\n${out.join('')}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready in 30 s:\n${out.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    port,
    dir,
    query,
    api,
    waitFor: (expr, predicate, timeoutMs) =>
      eventually(`query ${expr}`, () => query(expr), predicate, timeoutMs, 500),
    stop,
    output: () => out.join(''),
  };
}
