import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../lib/config/index.js';
import { DEFAULT_FUNCTION_CONFIG, parseFunctionConfig } from './config.js';

describe('parseFunctionConfig', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(parseFunctionConfig({}), DEFAULT_FUNCTION_CONFIG);
    assert.equal(DEFAULT_FUNCTION_CONFIG.port, 3000);
    assert.equal(DEFAULT_FUNCTION_CONFIG.maxBodyBytes, 20 * 1024 * 1024);
  });
  it('reads every variable', () => {
    const config = parseFunctionConfig({
      PORT: '0',
      DETECTOR_ADDR: '10.0.0.1:1,10.0.0.2:1',
      CLASSIFIER_ADDR: 'dns:///classifier:50052',
      DETECT_DEADLINE_MS: '1',
      CLASSIFY_DEADLINE_MS: '2',
      MAX_BODY_BYTES: '2048',
      MAX_IMAGE_PIXELS: '100',
      SERVE_WEB: 'false',
      LOG_LEVEL: 'warn',
    });
    assert.equal(config.port, 0);
    assert.equal(config.detectorAddress, '10.0.0.1:1,10.0.0.2:1');
    assert.equal(config.classifierAddress, 'dns:///classifier:50052');
    assert.deepEqual([config.detectDeadlineMs, config.classifyDeadlineMs], [1, 2]);
    assert.deepEqual([config.maxBodyBytes, config.maxImagePixels], [2048, 100]);
    assert.equal(config.serveWeb, false);
    assert.equal(config.logLevel, 'warn');
  });
  it('names the bad variable', () => {
    assert.throws(
      () => parseFunctionConfig({ MAX_BODY_BYTES: '20MB' }),
      (error: unknown) => {
        return error instanceof ConfigError && error.variable === 'MAX_BODY_BYTES';
      },
    );
    assert.throws(() => parseFunctionConfig({ PORT: '70000' }), ConfigError);
  });
  it("takes the port from PORT or OpenFaaS's http_port, refusing two different ones", () => {
    assert.equal(parseFunctionConfig({ http_port: '8081' }).port, 8081);
    assert.equal(parseFunctionConfig({ PORT: '8082', http_port: '8082' }).port, 8082);
    assert.throws(
      () => parseFunctionConfig({ PORT: '3000', http_port: '8081' }),
      (error: unknown) => error instanceof ConfigError && error.variable === 'http_port',
    );
    assert.throws(() => parseFunctionConfig({ http_port: 'x' }), ConfigError);
  });
  it('reads and bounds the load-shedding limits', () => {
    const config = parseFunctionConfig({ MAX_WAITING: '0', MAX_QUEUE_WAIT_MS: '250' });
    assert.deepEqual([config.maxWaiting, config.maxQueueWaitMs], [0, 250]);
    assert.throws(() => parseFunctionConfig({ MAX_WAITING: '-1' }), ConfigError);
    assert.throws(() => parseFunctionConfig({ MAX_QUEUE_WAIT_MS: '0' }), ConfigError);
  });
});
