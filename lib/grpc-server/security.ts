import { experimental, ServerCredentials, type ServerInterceptor } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import {
  apiKeyInterceptor,
  createProcessKeyLimits,
  loadProcessApiKeys,
  NO_KEY_LIMITS,
  WatchedCertificateFiles,
  type ApiKeyStore,
  type KeyLimits,
  type KeyLimitSettings,
} from '../auth/index.js';
import type { ServerTlsConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';

export interface ServerSecuritySettings {
  tls?: ServerTlsConfig | undefined;
  apiKeysFile?: string | undefined;
  /** Each key's own limits (with apiKeysFile); default none. */
  keyLimits?: KeyLimitSettings;
}

export interface ServerSecurity {
  credentials: ServerCredentials;
  interceptors: ServerInterceptor[];
  /** The keys (for other ports that serve the same API, e.g. REST routes); undefined: none needed. */
  apiKeys: ApiKeyStore | undefined;
  /** Each key's limits, shared by every port of the API (undefined without keys). */
  keyLimits: KeyLimits | undefined;
  /** "plaintext", "tls" or "mtls". */
  transport: 'plaintext' | 'tls' | 'mtls';
  /** Stops watching the key file (certificate watching stops with the server). */
  close(): void;
}

export interface ServerSecurityOptions {
  logger: Logger;
  /** Where `banana_api_key_requests_total` is registered. */
  registry: Registry;
  /** How often certificate and key files are checked for changes (default 1000 ms). */
  reloadIntervalMs?: number;
}

/**
 * Server credentials from TLS_* (certificates reloaded from disk when they change, without a
 * restart; open connections and their calls are unaffected) and the API-key interceptor from
 * API_KEYS_FILE. Throws when a file is unreadable or invalid.
 */
export function createServerSecurity(
  settings: ServerSecuritySettings,
  options: ServerSecurityOptions,
): ServerSecurity {
  const { logger } = options;
  const refreshIntervalMs = options.reloadIntervalMs ?? 1000;
  let credentials = ServerCredentials.createInsecure();
  let transport: ServerSecurity['transport'] = 'plaintext';
  if (settings.tls) {
    const { certFile, keyFile, clientCaFile } = settings.tls;
    const files = new WatchedCertificateFiles(
      { certFile, keyFile, caFile: clientCaFile },
      {
        refreshIntervalMs,
        onReload: () => {
          logger.info({ certFile, clientCaFile }, 'TLS certificates reloaded');
        },
        onReloadError: (error) => {
          logger.error(
            { err: error },
            'TLS certificate files changed but are not valid: kept the previous ones',
          );
        },
      },
    );
    const mutual = clientCaFile !== undefined;
    credentials = experimental.createCertificateProviderServerCredentials(
      files, // the identity provider (grpc-js's declaration names its parameters the other way round)
      mutual ? files : null,
      mutual,
    );
    transport = mutual ? 'mtls' : 'tls';
  }
  const apiKeys =
    settings.apiKeysFile === undefined
      ? undefined
      : loadProcessApiKeys(settings.apiKeysFile, {
          registry: options.registry,
          logger,
          reloadIntervalMs: refreshIntervalMs,
        });
  const keyLimits = apiKeys
    ? createProcessKeyLimits(settings.keyLimits ?? NO_KEY_LIMITS, options.registry)
    : undefined;
  // Plaintext is the default (TLS in a mesh, or none on a laptop): said once, at info level.
  logger.info(
    {
      transport,
      apiKeys: apiKeys ? apiKeys.names() : 'not required',
      ...(apiKeys && { keyLimits: settings.keyLimits ?? NO_KEY_LIMITS }),
      ...(transport === 'plaintext' ? { note: 'no TLS: set TLS_CERT_FILE and TLS_KEY_FILE' } : {}),
    },
    'gRPC transport security',
  );
  return {
    credentials,
    interceptors: apiKeys ? [apiKeyInterceptor(apiKeys, keyLimits)] : [],
    apiKeys,
    keyLimits,
    transport,
    close: () => apiKeys?.close(),
  };
}
