import type { FunctionConfig } from '../../function/src/config.js';
import { certificateFolder, type CertificateAuthority } from '../lib/certificates.js';

/** What `npm start -- --tls` runs with: mutual TLS on every model service (keys: api-keys.ts). */
export interface LocalTls {
  /** Environment of every model-service replica (TLS_*). */
  serviceEnv: Record<string, string>;
  /** The function's client settings (its client certificate and key). */
  functionConfig: Partial<FunctionConfig>;
  /** The throw-away CA that signed the certificates (a renewal is issued from it). */
  ca: CertificateAuthority;
  /** For a direct call: CA, a client certificate and key. */
  direct: { caFile: string; certFile: string; keyFile: string };
  /** The folder the certificates are in. */
  dir: string;
  /** Deletes the certificates. */
  remove(): void;
}

/**
 * A throw-away CA (openssl, in a temp folder) that signs one server certificate for
 * localhost / 127.0.0.1 shared by every replica, a client certificate for the function and
 * one for direct calls (`npm run grpc`).
 */
export function createLocalTls(): LocalTls {
  const folder = certificateFolder('banana-local-tls-');
  const ca = folder.createCa('banana-local-ca');
  const server = folder.issue(ca, { name: 'model-services', usage: 'server', days: 7 });
  const fn = folder.issue(ca, { name: 'function', usage: 'client', days: 7 });
  const direct = folder.issue(ca, { name: 'direct-caller', usage: 'client', days: 7 });
  return {
    serviceEnv: {
      TLS_CERT_FILE: server.certFile,
      TLS_KEY_FILE: server.keyFile,
      TLS_CLIENT_CA_FILE: ca.certFile,
    },
    functionConfig: {
      // The replicas are addressed by IP; their certificate is checked for (and SNI says) localhost.
      grpcTls: { caFile: ca.certFile, ...fn, serverName: 'localhost' },
    },
    ca,
    direct: { caFile: ca.certFile, ...direct },
    dir: folder.dir,
    remove: () => {
      folder.remove();
    },
  };
}
