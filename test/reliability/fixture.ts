/** Each reliability file runs its own stack: detector, classifier and function as separate processes. */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import {
  startProcessStack,
  type ProcessStack,
  type ProcessStackOptions,
} from '../../scripts/lib/process-stack.js';
import { isAlive } from '../../scripts/lib/proc-stats.js';

/** One thread per model service: tests run next to other work on small machines. */
export const TEST_SERVICE_ENV = { INTRA_OP_THREADS: '1' };

export function useProcessStack(options: ProcessStackOptions = {}): () => ProcessStack {
  let stack: ProcessStack | undefined;
  before(async () => {
    stack = await startProcessStack({
      ...options,
      serviceEnv: { ...TEST_SERVICE_ENV, ...options.serviceEnv },
    });
  });
  after(async () => {
    await stack?.stop();
  });
  return () => {
    assert.ok(stack, 'the stack has not started');
    return stack;
  };
}

/** Every process of the stack still runs, with the same pid as `pids` (none crashed or restarted). */
export function assertAllAlive(stack: ProcessStack, pids?: readonly number[]): void {
  for (const component of stack.all()) {
    assert.ok(
      component.process.running && isAlive(component.pid),
      `${component.component} is not running:\n${component.process.output().slice(-20).join('\n')}`,
    );
  }
  if (pids)
    assert.deepEqual(
      stack.all().map((c) => c.pid),
      pids,
      'a process was replaced',
    );
}
