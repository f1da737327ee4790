import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FunctionUnauthorized, postPhoto } from './function-client.js';

describe('postPhoto with an API key', () => {
  let server: Server;
  let url: string;
  before(async () => {
    // Answers like the function with API_KEYS_FILE: 401 in its JSON error shape without "key-1".
    server = createServer((request, response) => {
      request.resume();
      const ok = request.headers.authorization === 'Bearer key-1';
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          ok
            ? { detections: [], image: { width: 1, height: 1 } }
            : { error: { code: 'unauthenticated', message: 'the API key is not valid' } },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  it('sends the key as a Bearer authorization header', async () => {
    const answer = await postPhoto(Buffer.from('x'), { url, annotated: false, apiKey: 'key-1' });
    assert.deepEqual(answer.detections, []);
  });

  it('turns a 401 into FunctionUnauthorized, which says how to pass the key', async () => {
    await assert.rejects(
      postPhoto(Buffer.from('x'), { url, annotated: false, apiKey: 'key-2' }),
      (error: unknown) =>
        error instanceof FunctionUnauthorized &&
        /not valid.*--key or BANANA_API_KEY/.test(error.message),
    );
  });
});
