/**
 * Who may call: API keys (API_KEYS_FILE, reloaded when it changes, compared in constant time),
 * each key's own limits (in flight, rate), their gRPC server interceptor and HTTP check,
 * per-key metrics, and certificate files that grpc-js reloads without a restart.
 */
export {
  bearerKey,
  INVALID_KEY_MESSAGE,
  loadApiKeyStore,
  matchKey,
  MIN_KEY_LENGTH,
  MISSING_KEY_MESSAGE,
  parseApiKeys,
  sha256,
} from './api-keys.js';
export type { ApiKeyEntry, ApiKeyStore, ApiKeyStoreOptions, AuthResult } from './api-keys.js';
export { WatchedCertificateFiles } from './certificate-files.js';
export type { CertificateFiles, WatchOptions } from './certificate-files.js';
export { apiKeyInterceptor, OPEN_GRPC_PATH_PREFIXES } from './grpc-interceptor.js';
export {
  admitHttpRequest,
  authorizeHttpRequest,
  checkHttpRequest,
  requireApiKey,
} from './http-check.js';
export type { HttpRefusal } from './http-check.js';
export { createKeyLimits, NO_KEY_LIMITS } from './key-limits.js';
export type { KeyAdmission, KeyLimit, KeyLimits, KeyLimitSettings } from './key-limits.js';
export { createApiKeyMetrics, createProcessKeyLimits, loadProcessApiKeys } from './metrics.js';
export type { KeyStoreLogger } from './metrics.js';
