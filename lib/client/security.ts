import { readFileSync } from 'node:fs';
import {
  credentials,
  experimental,
  InterceptingCall,
  type ChannelCredentials,
  type ChannelOptions,
  type Interceptor,
} from '@grpc/grpc-js';
import { WatchedCertificateFiles } from '../auth/certificate-files.js';
import type { ClientTlsConfig } from '../config/security-config.js';

export type { ClientTlsConfig };

/**
 * Channel credentials: plaintext without `tls`; otherwise TLS checking the server against
 * `caFile` (the system's roots when unset), with a client certificate for mutual TLS when
 * `certFile`/`keyFile` are set. With a CA file, the CA and the client certificate are read
 * again when they change on disk, for new connections (rotation without restart).
 */
export function channelCredentials(tls: ClientTlsConfig | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const { caFile, certFile, keyFile } = tls;
  if (caFile === undefined) {
    const read = (path: string | undefined) => (path ? readFileSync(path) : null);
    return credentials.createSsl(null, read(keyFile), read(certFile));
  }
  const files = new WatchedCertificateFiles({ caFile, certFile, keyFile });
  return experimental.createCertificateProviderChannelCredentials(
    files,
    certFile === undefined ? null : files,
  );
}

/** The TLS server name override (SNI and certificate check), when set. */
export function tlsChannelOptions(tls: ClientTlsConfig | undefined): ChannelOptions {
  return tls?.serverName ? { 'grpc.ssl_target_name_override': tls.serverName } : {};
}

/** Adds `authorization: Bearer <key>` to every call of the channel (unary, streams, health). */
export function apiKeyClientInterceptor(apiKey: string): Interceptor {
  const value = `Bearer ${apiKey}`;
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        metadata.set('authorization', value);
        next(metadata, listener);
      },
    });
}

/** Credentials and channel options (server name, API key) for a hand-made grpc-js client. */
export function secureChannel(settings: {
  tls?: ClientTlsConfig | undefined;
  apiKey?: string | undefined;
}): {
  credentials: ChannelCredentials;
  options: ChannelOptions;
} {
  return {
    credentials: channelCredentials(settings.tls),
    options: {
      ...tlsChannelOptions(settings.tls),
      interceptors: settings.apiKey ? [apiKeyClientInterceptor(settings.apiKey)] : [],
    },
  };
}
