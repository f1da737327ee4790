/**
 * Calls `attempt` every `intervalMs` until `ok` accepts its value; a throwing attempt counts
 * as not yet. Fails after `timeoutMs` with the last value or error seen.
 */
export async function eventually<T>(
  what: string,
  attempt: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = await attempt();
      if (ok(value)) return value;
      last = value;
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${error.message}` : error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(last ?? null).slice(0, 300)})`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
