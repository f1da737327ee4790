/** Environment parsing: every reader throws a ConfigError naming the variable. */
export { ConfigError } from './config-error.js';
export { DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_MESSAGE_BYTES } from './limits.js';
export { readBoolean, readEnum, readInteger, readPort, readString } from './env.js';
export type { Env, IntegerRange } from './env.js';
export { LOG_LEVELS, parseModelServiceConfig } from './model-service-config.js';
export type { LogLevel, ModelServiceConfig, ModelServiceDefaults } from './model-service-config.js';
export {
  FUNCTION_KEY_MAX_IN_FLIGHT,
  parseApiKeysFile,
  parseKeyLimits,
  parseClientApiKey,
  parseClientTls,
  parseServerTls,
} from './security-config.js';
export type { ClientTlsConfig, ServerTlsConfig } from './security-config.js';
