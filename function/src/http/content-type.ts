import type { IncomingHttpHeaders } from 'node:http';

/** The media type of a Content-Type header, lower-cased, without parameters ('' when absent). */
export function mediaTypeOf(headers: IncomingHttpHeaders): string {
  const header = headers['content-type'] ?? '';
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}
