import {
  Metadata,
  ServerInterceptingCall,
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerMethodDefinition,
} from '@grpc/grpc-js';
import type { ApiKeyStore } from './api-keys.js';
import type { KeyLimits } from './key-limits.js';

/** Calls that need no key: the standard health service (probes, load balancers). */
export const OPEN_GRPC_PATH_PREFIXES: readonly string[] = ['/grpc.health.v1.Health/'];

function metadataValue(metadata: Metadata, name: string): string | undefined {
  const [value] = metadata.get(name);
  return typeof value === 'string' ? value : undefined;
}

/**
 * A server interceptor (grpc-js `new Server({ interceptors })`) that requires
 * `authorization: Bearer <key>` on every call of every service on the server, except the
 * paths in `openPrefixes`, and admits it within the key's own limits (`limits`). A refused
 * call ends with UNAUTHENTICATED (or RESOURCE_EXHAUSTED, naming the limit) as soon as its
 * metadata arrives: its handler never starts, and its message is never read or decoded (the
 * call's status is sent before the server asks for the first message).
 */
export function apiKeyInterceptor(
  keys: ApiKeyStore,
  limits?: KeyLimits,
  openPrefixes: readonly string[] = OPEN_GRPC_PATH_PREFIXES,
): ServerInterceptor {
  return (
    method: ServerMethodDefinition<unknown, unknown>,
    call: ServerInterceptingCallInterface,
  ) => {
    const open = openPrefixes.some((prefix) => method.path.startsWith(prefix));
    /** Ends the call's hold on its key's limit: when its status is sent, or it is cancelled. */
    let release = (): void => undefined;
    return new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, passOn) => {
            if (open) {
              passOn(metadata);
              return;
            }
            const result = keys.check(metadataValue(metadata, 'authorization'));
            if (!result.ok) {
              call.sendStatus({ code: status.UNAUTHENTICATED, details: result.message });
              return;
            }
            const admission = limits?.admit(result.name);
            if (admission && !admission.ok) {
              call.sendStatus({ code: status.RESOURCE_EXHAUSTED, details: admission.message });
              return;
            }
            if (admission) release = admission.release;
            // The key stays out of everything the handler can log or forward.
            metadata.remove('authorization');
            passOn(metadata);
          },
          onCancel: () => {
            release();
          },
        });
      },
      sendStatus: (callStatus, next) => {
        release();
        next(callStatus);
      },
    });
  };
}
