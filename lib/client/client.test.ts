import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RunningService } from '../model-service/index.js';
import { parseDetectorConfig } from '../../services/detector/src/config.js';
import { startDetectorService } from '../../services/detector/src/server.js';
import { eventually } from '../../test/support/eventually.js';
import { rejectsWithStatus } from '../../test/support/grpc-assert.js';
import { bananaScene, noisePng } from '../../test/support/images.js';
import { localServiceConfig } from '../../test/support/local-service-config.js';
import { createDetectorClient, status } from './index.js';
import { channelTarget, parseTargets } from './targets.js';

function startDetector(): Promise<RunningService> {
  return startDetectorService(localServiceConfig(parseDetectorConfig, { shutdownGraceMs: 1000 }));
}

async function okCalls(service: RunningService): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
  const match =
    /banana_grpc_requests_total\{service="detector",method="Detect",code="OK"\} (\d+)/.exec(text);
  return Number(match?.[1] ?? 0);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('parseTargets', () => {
  it('splits comma-separated lists and arrays, trimming blanks', () => {
    assert.deepEqual(parseTargets('a:1, b:2,,'), ['a:1', 'b:2']);
    assert.deepEqual(parseTargets(['a:1', ' b:2 ']), ['a:1', 'b:2']);
    assert.deepEqual(parseTargets('dns:///detector.ns.svc.cluster.local:50051'), [
      'dns:///detector.ns.svc.cluster.local:50051',
    ]);
  });

  it('refuses empty targets and resolver targets mixed with others', () => {
    assert.throws(() => parseTargets(' , '), /no gRPC target/);
    assert.throws(() => parseTargets('dns:///a:1,b:2'), /cannot be combined/);
  });
});

describe('channelTarget', () => {
  it('keeps a single address and joins several IP addresses into one ipv4:/ipv6: target', () => {
    assert.equal(channelTarget(['detector:50051']), 'detector:50051');
    assert.equal(channelTarget(['dns:///d.ns:50051']), 'dns:///d.ns:50051');
    assert.equal(channelTarget(['10.0.0.1:1', '10.0.0.2:2']), 'ipv4:10.0.0.1:1,10.0.0.2:2');
    assert.equal(channelTarget(['[::1]:1', '[fe80::2]:2']), 'ipv6:[::1]:1,[fe80::2]:2');
  });

  it('refuses several DNS names or mixed address families, pointing to dns:///', () => {
    assert.throws(() => channelTarget(['a:1', 'b:2']), /one dns:\/\/\/name:port/);
    assert.throws(() => channelTarget(['10.0.0.1:1', '[::1]:2']), /one family/);
  });
});

describe('detector client over several addresses', () => {
  let first: RunningService;
  let second: RunningService;
  let image: Buffer;

  before(async () => {
    [first, second] = await Promise.all([startDetector(), startDetector()]);
    image = await bananaScene(64, 48);
  });

  after(async () => {
    await Promise.all([first.shutdown(), second.shutdown()]);
  });

  it('spreads calls round-robin over every address', async () => {
    const client = createDetectorClient({
      target: `127.0.0.1:${first.grpcPort},127.0.0.1:${second.grpcPort}`,
    });
    try {
      // round_robin picks among connected addresses: until the second connection is up,
      // calls go to the first. Count from the moment both have answered a call.
      const [start1, start2] = [await okCalls(first), await okCalls(second)];
      await eventually(
        'both addresses answering',
        async () => {
          await client.detect({ image });
          return [(await okCalls(first)) - start1, (await okCalls(second)) - start2];
        },
        (counts) => counts.every((n) => n > 0),
        10_000,
        0,
      );
      const [before1, before2] = [await okCalls(first), await okCalls(second)];
      for (let i = 0; i < 6; i++) await client.detect({ image });
      assert.equal((await okCalls(first)) - before1, 3);
      assert.equal((await okCalls(second)) - before2, 3);
    } finally {
      client.close();
    }
  });

  it('keeps working when an address is down', async () => {
    const client = createDetectorClient({
      target: [`127.0.0.1:${await closedPort()}`, `127.0.0.1:${first.grpcPort}`],
    });
    try {
      for (let i = 0; i < 4; i++) {
        assert.deepEqual((await client.detect({ image })).imageSize, { width: 64, height: 48 });
      }
      assert.equal(await client.checkHealth(), 'SERVING');
    } finally {
      client.close();
    }
  });

  it('uses grpc round_robin for a dns:/// target', async () => {
    const client = createDetectorClient({ target: `dns:///localhost:${first.grpcPort}` });
    try {
      assert.deepEqual((await client.detect({ image })).imageSize, { width: 64, height: 48 });
    } finally {
      client.close();
    }
  });

  it('enforces deadlines and honours abort signals', async () => {
    const client = createDetectorClient({ target: `127.0.0.1:${first.grpcPort}` });
    try {
      const big = await noisePng(1500, 1500);
      await rejectsWithStatus(
        client.detect({ image: big }, { deadlineMs: 5 }),
        status.DEADLINE_EXCEEDED,
      );
      const controller = new AbortController();
      const call = client.detect({ image: big }, { signal: controller.signal });
      controller.abort();
      await rejectsWithStatus(call, status.CANCELLED);
      await rejectsWithStatus(
        client.detect({ image }, { signal: AbortSignal.abort() }),
        status.CANCELLED,
      );
    } finally {
      client.close();
    }
  });

  it('fails over when one of two servers shuts down', async () => {
    const extra = await startDetector();
    const client = createDetectorClient({
      target: [`127.0.0.1:${extra.grpcPort}`, `127.0.0.1:${second.grpcPort}`],
    });
    try {
      await client.detect({ image });
      await client.detect({ image });
      await extra.shutdown();
      for (let i = 0; i < 4; i++) await client.detect({ image });
    } finally {
      client.close();
    }
  });
});
