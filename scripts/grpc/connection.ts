import { status } from '@grpc/grpc-js';
import { parseArgs } from 'node:util';
import type { ClientTlsConfig } from '../../lib/client/index.js';
import { UsageError, userPath } from '../lib/cli.js';

/** How `npm run grpc` reaches the server: TLS settings and the API key. */
export interface GrpcConnection {
  tls?: ClientTlsConfig | undefined;
  apiKey?: string | undefined;
}

export const API_KEY_ENV = 'BANANA_API_KEY';

export const CONNECTION_USAGE = `
Connection (the server's TLS and API keys, see docs/grpc.md):
  --key KEY             API key, sent as "authorization: Bearer KEY" (default $${API_KEY_ENV};
                        prefer the variable: arguments show in the process list)
  --tls                 TLS, the server checked against the system's CAs
  --ca FILE             TLS, the server checked against this CA bundle
  --cert FILE           client certificate, for servers that require mutual TLS
  --cert-key FILE       the client certificate's private key
  --server-name NAME    name the server certificate must carry (default: the host of --addr)`;

const OPTIONS = {
  key: { type: 'string' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  'cert-key': { type: 'string' },
  'server-name': { type: 'string' },
} as const;

/**
 * Takes the connection options out of `argv` (wherever they are) and returns them with the
 * remaining arguments, for the command's own parser.
 */
export function splitConnectionArgs(
  argv: string[],
  env: Record<string, string | undefined>,
): { connection: GrpcConnection; rest: string[] } {
  const { values, tokens } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const taken = new Set<number>();
  for (const token of tokens) {
    if (token.kind === 'option-terminator') break;
    if (token.kind !== 'option' || !(token.name in OPTIONS)) continue;
    taken.add(token.index);
    if (OPTIONS[token.name as keyof typeof OPTIONS].type === 'string') {
      if (token.value === undefined) throw new UsageError(`--${token.name} needs a value`);
      if (!token.inlineValue) taken.add(token.index + 1);
    }
  }
  const text = (name: keyof typeof OPTIONS): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const file = (name: keyof typeof OPTIONS) => {
    const value = text(name);
    return value === undefined ? undefined : userPath(value, env);
  };
  const [caFile, certFile, keyFile, serverName] = [
    file('ca'),
    file('cert'),
    file('cert-key'),
    text('server-name'),
  ];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--cert and --cert-key go together');
  const tlsWanted =
    values.tls === true || [caFile, certFile, serverName].some((v) => v !== undefined);
  const apiKey = text('key') ?? (env[API_KEY_ENV]?.trim() || undefined);
  return {
    connection: { tls: tlsWanted ? { caFile, certFile, keyFile, serverName } : undefined, apiKey },
    rest: argv.filter((_, index) => !taken.has(index)),
  };
}

/**
 * What to change when a call failed for a reason of the connection, as one line for the
 * error's `hint`; undefined when the error says nothing about the connection. grpc-js reports
 * these as UNAVAILABLE (or UNAUTHENTICATED) with the TLS or socket error in the details.
 */
export function connectionHint(
  error: { code?: number; details?: string },
  connection: GrpcConnection,
  addr: string,
): string | undefined {
  const details = error.details ?? '';
  const tls = connection.tls !== undefined;
  if (/alert certificate required/i.test(details))
    return 'the server requires a client certificate (mutual TLS): add --cert FILE --cert-key FILE';
  if (/ECONNREFUSED/.test(details))
    return `nothing listens at ${addr}: start the service (npm start, npm run start:detector) or check --addr`;
  if (tls && /wrong version number|packet length too long|WRONG_VERSION_NUMBER/i.test(details))
    return `the server at ${addr} speaks plaintext gRPC: leave out --tls, --ca, --cert and --server-name`;
  if (
    tls &&
    /self[- ]signed|unable to (get|verify)|UNABLE_TO_|certificate has expired/i.test(details)
  )
    return "the server's certificate is not trusted: give the CA that signed it with --ca FILE";
  if (tls && /does not match|ERR_TLS_CERT_ALTNAME_INVALID|altnames/i.test(details))
    return "the server's certificate does not carry the name asked for (--server-name, else the host of --addr): use a name it carries";
  if (!tls && /Failed to connect|Connection dropped|ECONNRESET|socket hang up/i.test(details))
    return `the server at ${addr} did not answer plaintext gRPC: if it speaks TLS (npm start -- --tls, k8s/overlays/prod-tls), add --ca FILE (its CA) or --tls`;
  if (error.code === status.UNAUTHENTICATED)
    return `the server requires an API key: set ${API_KEY_ENV}=<key> (or --key KEY)`;
  return undefined;
}
