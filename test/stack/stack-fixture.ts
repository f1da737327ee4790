/** One local stack per test file: real services on free ports, torn down after the file. */
import { after, before } from 'node:test';
import { startFunctionServer, type FunctionServer } from '../../function/src/server.js';
import {
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
} from '../../scripts/local-stack/stack.js';

export function useLocalStack(options: LocalStackOptions = {}): () => LocalStack {
  let stack: LocalStack | undefined;
  before(async () => {
    stack = await startLocalStack({ logLevel: 'silent', ...options });
  });
  after(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error('the local stack has not started');
    return stack;
  };
}

/** A second function on the stack's replicas, with other settings (e.g. tighter limits). */
export function startSecondFunction(
  stack: LocalStack,
  overrides: Parameters<typeof startFunctionServer>[0],
): Promise<FunctionServer> {
  return startFunctionServer({
    ...stack.functionConfig,
    port: 0,
    serveWeb: false,
    logLevel: 'silent',
    ...overrides,
  });
}

/** Query string that makes even an untrained detector return boxes (every candidate passes). */
export const ALL_CANDIDATES = 'min_confidence=0&max_detections=5';
