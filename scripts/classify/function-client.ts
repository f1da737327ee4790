/** Sends a photo to the function and reads its JSON answer (or its `{error}`). */
import type { ClassifyAnswer } from './format-result.js';

export type FunctionAnswer = ClassifyAnswer & { img?: string };

/** The function answered, but not with a result (4xx/5xx): the photo gets this as its error. */
export class FunctionRefused extends Error {
  override name = 'FunctionRefused';
}

/** No function answered at the URL (connection refused, DNS...): a batch cannot go on. */
export class FunctionUnreachable extends Error {
  override name = 'FunctionUnreachable';
}

/** The function requires an API key and got none or a wrong one: a batch cannot go on. */
export class FunctionUnauthorized extends Error {
  override name = 'FunctionUnauthorized';
}

export interface PostOptions {
  url: string;
  minConfidence?: string;
  /** Ask for the annotated photo (base64 in `img`). */
  annotated: boolean;
  /** Sent as `authorization: Bearer <key>`. */
  apiKey?: string | undefined;
}

export async function postPhoto(photo: Buffer, options: PostOptions): Promise<FunctionAnswer> {
  const query = new URLSearchParams({ format: options.annotated ? 'jpeg' : 'none' });
  if (options.minConfidence !== undefined) query.set('min_confidence', options.minConfidence);
  let response: Response;
  try {
    response = await fetch(`${options.url}/?${query.toString()}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: photo,
    });
  } catch (error) {
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new FunctionUnreachable(
      `No banana-ripeness function answered at ${options.url} (${reason}).\n` +
        'Start the local stack with `npm start` in another terminal, or pass --url.',
    );
  }
  const body = (await response.json().catch(() => undefined)) as
    (FunctionAnswer & { error?: { code: string; message: string } }) | undefined;
  if (response.status === 401) {
    throw new FunctionUnauthorized(
      `HTTP 401: ${body?.error?.message ?? 'unauthenticated'}. ` +
        'The function requires an API key: pass it with --key or BANANA_API_KEY.',
    );
  }
  if (!response.ok || body === undefined || body.error !== undefined) {
    throw new FunctionRefused(
      `HTTP ${response.status}: ${body?.error?.message ?? response.statusText}`,
    );
  }
  return body;
}

/** The classifier's stages, least to most ripe, as the function's GET /models reports them. */
export async function fetchStages(url: string, apiKey?: string): Promise<string[]> {
  const response = await fetch(`${url}/models`, {
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
  });
  const body = (await response.json().catch(() => undefined)) as
    { classifier?: { stages?: unknown } } | undefined;
  const stages = body?.classifier?.stages;
  if (!response.ok || !Array.isArray(stages) || !stages.every((s) => typeof s === 'string')) {
    throw new FunctionRefused(`GET ${url}/models: HTTP ${response.status}, no stage list`);
  }
  return stages;
}
