// The Open Inference REST side on its own, over a fake model (no ONNX): each failure of the
// core answers the HTTP status the protocol's clients expect, always as `{"error": "..."}`,
// and a request's tensors reach the model as sent.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { RequestError } from '../grpc-server/request-error.js';
import { createLogger } from '../log/index.js';
import type { InferenceModel, InferRequest } from './model.js';
import { createRestApp } from './rest.js';
import { createInferenceServer } from './server.js';
import { inputBytes } from './tensors.js';

const MODEL = 'fake';
/** What the fake model does with the next request: answer, fail with this status, or crash. */
let next: { fail?: status | 'crash' } = {};
const received: InferRequest[] = [];

const model: InferenceModel = {
  version: '1',
  metadata: {
    name: MODEL,
    versions: ['1'],
    platform: 'test',
    inputs: [{ name: 'x', datatype: 'UINT8', shape: [-1, 2] }],
    outputs: [{ name: 'y', datatype: 'UINT8', shape: [-1, 2] }],
  },
  infer(request) {
    received.push(request);
    if (next.fail === 'crash') return Promise.reject(new Error('a bug, with internals'));
    if (next.fail !== undefined)
      return Promise.reject(new RequestError(next.fail, `failed with ${next.fail}`));
    const [input] = request.inputs;
    const bytes = input ? inputBytes(input) : new Uint8Array();
    return Promise.resolve({
      modelName: MODEL,
      modelVersion: '1',
      id: request.id,
      outputs: [{ name: 'y', datatype: 'UINT8', shape: input?.shape ?? [], data: bytes }],
    });
  },
};

describe('Open Inference REST', () => {
  let server: Server;
  let base = '';
  const recorded: string[] = [];
  before(async () => {
    const app = createRestApp({
      server: createInferenceServer({
        name: 'test',
        version: () => '1',
        models: () => [model],
        isReady: () => true,
      }),
      maxBodyBytes: 1000,
      logger: createLogger('test', 'silent'),
      recordRequest: (method, code) => recorded.push(`${method} ${code}`),
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const infer = (body: unknown, name = MODEL) =>
    fetch(`${base}/v2/models/${name}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const request = { inputs: [{ name: 'x', datatype: 'UINT8', shape: [1, 2], data: [7, 9] }] };

  it('answers a request with the tensors the model returned', async () => {
    next = {};
    const answer = await infer(request);
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), {
      model_name: MODEL,
      model_version: '1',
      outputs: [{ name: 'y', datatype: 'UINT8', shape: [1, 2], data: [7, 9] }],
    });
  });

  it("maps each failure of the core to the protocol's HTTP status, in one error shape", async () => {
    for (const [code, http] of [
      [status.INVALID_ARGUMENT, 400],
      [status.NOT_FOUND, 404],
      [status.RESOURCE_EXHAUSTED, 429],
      [status.UNAVAILABLE, 503],
      [status.DEADLINE_EXCEEDED, 504],
    ] as const) {
      next = { fail: code };
      const answer = await infer(request);
      assert.equal(answer.status, http, `status ${code}`);
      assert.deepEqual(await answer.json(), { error: `failed with ${code}` });
    }
    // A bug is a 500 that shows none of its internals.
    next = { fail: 'crash' };
    const crashed = await infer(request);
    assert.equal(crashed.status, 500);
    assert.doesNotMatch(JSON.stringify(await crashed.json()), /internals/);
    next = {};
  });

  it('refuses bodies that are not requests: 400, 404, 413, with a message', async () => {
    const cases: [Response, number, RegExp][] = [
      [await infer('{"inputs": ['), 400, /the body is not valid JSON/],
      [await infer({ inputs: 'x' }), 400, /"inputs" must be an array/],
      [await infer(request, 'other'), 404, /model "other" is not served here/],
      [
        await infer({ inputs: [{ ...request.inputs[0], data: 'x'.repeat(2000) }] }),
        413,
        /above the limit/,
      ],
      [await fetch(`${base}/v3`), 404, /no route GET \/v3/],
    ];
    for (const [answer, http, message] of cases) {
      assert.equal(answer.status, http);
      const body = (await answer.json()) as { error: unknown };
      assert.equal(typeof body.error, 'string');
      assert.match(String(body.error), message);
    }
  });

  it('counts each call by its API and outcome', () => {
    assert.ok(recorded.includes('http:ModelInfer OK'));
    assert.ok(recorded.includes('http:ModelInfer RESOURCE_EXHAUSTED'));
  });
});
