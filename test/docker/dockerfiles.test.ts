// Packaging checked by reading the files (there is no Docker engine here): every Dockerfile
// builds from the repository root with what the build context holds, runs as non-root on
// Debian, exposes the contract's ports, and stack.yml points at real files with timeouts
// that nest.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_FUNCTION_CONFIG } from '../../function/src/config.js';
import { parseClassifierConfig } from '../../services/classifier/src/config.js';
import { parseDetectorConfig } from '../../services/detector/src/config.js';
import { contract, durationMs } from '../k8s/helpers.js';
import { ORT_FILES } from '../../function/src/web-tester.js';
import {
  IMAGES,
  envOf,
  instructions,
  parseDockerfile,
  type ImageName,
  type ParsedDockerfile,
} from '../../scripts/lib/dockerfile.js';
import { isIgnored, parseDockerignore } from './dockerignore.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const exists = (path: string): boolean => existsSync(join(ROOT, path));
const C = contract();
const ignoreRules = parseDockerignore(read('.dockerignore'));

const parsed = Object.fromEntries(
  Object.entries(IMAGES).map(([name, { path, buildArgs }]) => [
    name,
    parseDockerfile(read(path), buildArgs),
  ]),
) as Record<ImageName, ParsedDockerfile>;

/** The TypeScript source a `dist/<path>.js` entry point is built from. */
const sourceOf = (distPath: string): string =>
  distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts');

for (const [name, { path }] of Object.entries(IMAGES) as Array<[ImageName, { path: string }]>) {
  const dockerfile = parsed[name];
  describe(`${name} image (${path})`, () => {
    it('copies only paths that exist and that .dockerignore lets into the context', () => {
      const stageNames = new Set(dockerfile.stages.map((s) => s.name));
      for (const stage of dockerfile.stages) {
        for (const copy of instructions(stage, 'COPY')) {
          const from = copy.flags.from;
          if (from !== undefined) {
            assert.ok(
              stageNames.has(from) || from.includes('/'),
              `COPY --from=${from}: no such stage`,
            );
            continue;
          }
          for (const source of copy.words.slice(0, -1)) {
            assert.ok(exists(source), `COPY ${source}: not in the repository`);
            assert.ok(!isIgnored(ignoreRules, source), `COPY ${source}: excluded by .dockerignore`);
          }
        }
      }
    });

    it('runs every stage that executes commands on Debian (glibc), never Alpine', () => {
      for (const stage of dockerfile.stages) {
        assert.doesNotMatch(stage.base, /alpine/i);
        if (instructions(stage, 'RUN').length > 0 || stage === dockerfile.final) {
          assert.match(stage.base, /^node:20-bookworm(-slim)?$/);
        }
      }
    });

    it('runs as a numeric non-root user in production mode', () => {
      const users = instructions(dockerfile.final, 'USER');
      const user = users.at(-1)?.words[0] ?? '';
      assert.match(user, /^[1-9]\d*(:[1-9]\d*)?$/, `USER ${user || '(none)'}`);
      const env = envOf(dockerfile.final);
      assert.equal(env.NODE_ENV, 'production');
      assert.equal(env.MALLOC_ARENA_MAX, '2');
    });

    it('installs production dependencies with npm ci --omit=dev in its own stage', () => {
      const deps = dockerfile.stages.find((s) => s.name === 'deps');
      assert.ok(deps, 'no deps stage');
      assert.ok(instructions(deps, 'RUN').some((r) => r.args.includes('npm ci --omit=dev')));
      const copiedModules = instructions(dockerfile.final, 'COPY').find(
        (c) => c.words[0] === '/app/node_modules',
      );
      assert.equal(copiedModules?.flags.from, 'deps', 'node_modules must come from the deps stage');
    });
  });
}

for (const service of ['detector', 'classifier'] as const) {
  describe(`${service} image`, () => {
    const dockerfile = parsed[service];
    const env = envOf(dockerfile.final);

    it('is the one model-service Dockerfile, with the service chosen by the SERVICE build arg', () => {
      assert.equal(IMAGES[service].path, 'services/Dockerfile');
      assert.deepEqual(IMAGES[service].buildArgs, { SERVICE: service });
      const build = dockerfile.stages.find((s) => s.name === 'build');
      assert.ok(build, 'no build stage');
      const check = instructions(build, 'RUN')[0]?.args ?? '';
      assert.match(check, /case "\$SERVICE" in detector\|classifier\)/, 'SERVICE is not checked');
      assert.ok(
        instructions(build, 'COPY').some((c) => c.words[0] === `services/${service}/src`),
        `the build stage does not copy services/${service}/src`,
      );
      // the image sets no port: the service's own defaults are the contract's
      assert.equal(env.GRPC_PORT, undefined);
      assert.equal(env.METRICS_PORT, undefined);
    });

    it('carries its model and model card at the paths its config reads by default, and starts its entry point', () => {
      const config = { detector: parseDetectorConfig, classifier: parseClassifierConfig }[service]({
        ...env,
      });
      const copied = instructions(dockerfile.final, 'COPY').flatMap((c) => c.words);
      assert.equal(config.modelDir, 'models');
      for (const file of [`${service}.onnx`, `${service}.json`]) {
        assert.ok(copied.includes(`models/${file}`), `the image lacks models/${file}`);
      }
      assert.equal(config.grpcPort, C.components[service].grpcPort);
      assert.equal(config.metricsPort, C.components[service].metricsPort);
      const cmd = instructions(dockerfile.final, 'CMD').at(-1)?.words ?? [];
      assert.equal(cmd[0], 'node');
      assert.ok(cmd.includes('dist/main.js'), `CMD ${cmd.join(' ')}`);
      // dist/main.js is a link to the chosen service's built entry point
      const build = dockerfile.stages.find((s) => s.name === 'build');
      const link = (instructions(build ?? dockerfile.final, 'RUN').at(-1)?.args ?? '').replace(
        /\$\{?SERVICE\}?/g,
        service,
      );
      const entry = /ln -s (\S+) dist\/main\.js/.exec(link)?.[1] ?? '';
      assert.equal(entry, `services/${service}/src/main.js`);
      assert.ok(exists(sourceOf(`dist/${entry}`)), `${sourceOf(`dist/${entry}`)} does not exist`);
    });

    it('keeps only the linux-x64 onnxruntime binaries', () => {
      const deps = dockerfile.stages.find((s) => s.name === 'deps');
      const run = instructions(deps ?? dockerfile.final, 'RUN')
        .map((r) => r.args)
        .join(' ');
      for (const platform of ['darwin', 'win32', 'linux/arm64']) {
        assert.ok(
          run.includes(`onnxruntime-node/bin/napi-v*/${platform}`),
          `does not remove ${platform}`,
        );
      }
    });
  });
}

describe('function image', () => {
  const dockerfile = parsed.function;
  const env = envOf(dockerfile.final);

  it('runs the Node server behind of-watchdog 0.10 in http mode', () => {
    const watchdogStage = dockerfile.stages.find((s) =>
      /^ghcr\.io\/openfaas\/of-watchdog:0\.10\.\d+$/.test(s.base),
    );
    assert.ok(watchdogStage, 'no of-watchdog 0.10.x stage');
    const copy = instructions(dockerfile.final, 'COPY').find(
      (c) => c.flags.from === watchdogStage.name,
    );
    assert.deepEqual(copy?.words, ['/fwatchdog', '/usr/bin/fwatchdog']);
    assert.deepEqual(instructions(dockerfile.final, 'CMD').at(-1)?.words, ['fwatchdog']);
    assert.equal(env.mode, 'http');
    const entry = (env.fprocess ?? '').split(/\s+/).find((w) => w.startsWith('dist/')) ?? '';
    assert.equal(entry, 'dist/function/src/main.js');
    assert.ok(exists(sourceOf(entry)), `${sourceOf(entry)} does not exist`);
  });

  it('points the watchdog at the port and readiness route the server uses', () => {
    const port = Number(env.PORT ?? DEFAULT_FUNCTION_CONFIG.port);
    assert.equal(port, DEFAULT_FUNCTION_CONFIG.port);
    assert.equal(env.upstream_url, `http://127.0.0.1:${port}`);
    assert.equal(env.ready_path, '/_/ready');
    assert.ok(
      read('function/src/server.ts').includes(`'/_/ready'`),
      'the server has no /_/ready route',
    );
    const expose = instructions(dockerfile.final, 'EXPOSE').flatMap((e) => e.words.map(Number));
    assert.deepEqual(expose, [8080, port]);
    assert.ok(Number(env.max_inflight) > 0, 'max_inflight unset');
  });

  it('has watchdog timeouts that nest around the gRPC deadlines', () => {
    const deadlines =
      DEFAULT_FUNCTION_CONFIG.detectDeadlineMs + DEFAULT_FUNCTION_CONFIG.classifyDeadlineMs;
    const exec = durationMs(env.exec_timeout ?? '');
    assert.ok(deadlines < exec, `deadlines ${deadlines} ms >= exec_timeout ${exec} ms`);
    assert.ok(
      durationMs(env.read_timeout ?? '') >= exec && durationMs(env.write_timeout ?? '') >= exec,
    );
  });

  it('installs a font for the labels and ships the web tester', () => {
    const run = instructions(dockerfile.final, 'RUN')
      .map((r) => r.args)
      .join(' ');
    assert.match(run, /apt-get install[^&]*fonts-dejavu-core/);
    const copied = instructions(dockerfile.final, 'COPY').map((c) => c.words.join(' '));
    assert.ok(copied.includes('web ./web'));
  });

  it('ships the device mode: the models, and of onnxruntime-web the files the page loads', () => {
    const copied = instructions(dockerfile.final, 'COPY').map((c) => c.words.join(' '));
    assert.ok(
      copied.includes(
        'models/detector.onnx models/detector.json models/classifier.onnx models/classifier.json ./models/',
      ),
      copied.join('\n'),
    );
    const pruning = instructions(
      dockerfile.stages.find((s) => s.name === 'deps') ?? dockerfile.final,
      'RUN',
    )
      .map((r) => r.args)
      .join(' ');
    for (const file of ORT_FILES) assert.ok(pruning.includes(`-name ${file}`), `${file} is kept`);
  });

  it('is also the repository root Dockerfile that faas-cli builds (handler ./)', () => {
    assert.ok(lstatSync(join(ROOT, 'Dockerfile')).isSymbolicLink());
    assert.equal(readlinkSync(join(ROOT, 'Dockerfile')), 'function/Dockerfile');
  });
});

describe('stack.yml', () => {
  type StackFunction = {
    lang: string;
    handler: string;
    image: string;
    environment: Record<string, string>;
    labels: Record<string, string>;
  };
  const stack = parseYaml(read('stack.yml')) as {
    provider: { name: string };
    functions: Record<string, StackFunction>;
  };
  const fn = stack.functions[C.functionName];

  it('declares the function with lang dockerfile, an existing handler and the contract image', () => {
    assert.equal(stack.provider.name, 'openfaas');
    assert.ok(fn, `no function ${C.functionName}`);
    assert.equal(fn.lang, 'dockerfile');
    assert.ok(exists(join(fn.handler, 'Dockerfile')), `${fn.handler}/Dockerfile does not exist`);
    assert.equal(fn.image, C.images.function);
  });

  it('sets only variables the function or the watchdog reads, with deadlines inside exec_timeout', () => {
    const watchdog = [
      'exec_timeout',
      'read_timeout',
      'write_timeout',
      'max_inflight',
      'ready_path',
    ];
    for (const name of Object.keys(fn?.environment ?? {})) {
      assert.ok(
        C.components.function.env.includes(name) || watchdog.includes(name),
        `unknown variable ${name}`,
      );
    }
    const env = fn?.environment ?? {};
    const deadlines = Number(env.DETECT_DEADLINE_MS) + Number(env.CLASSIFY_DEADLINE_MS);
    assert.ok(deadlines < durationMs(env.exec_timeout ?? ''));
    assert.ok(durationMs(env.read_timeout ?? '') >= durationMs(env.exec_timeout ?? ''));
    assert.match(
      env.DETECTOR_ADDR ?? '',
      /^dns:\/\/\/detector\.banana\.svc\.cluster\.local:50051$/,
    );
    assert.match(
      env.CLASSIFIER_ADDR ?? '',
      /^dns:\/\/\/classifier\.banana\.svc\.cluster\.local:50052$/,
    );
  });

  it('scales between 1 and 5 replicas (Community Edition)', () => {
    const labels = fn?.labels ?? {};
    assert.equal(labels['com.openfaas.scale.min'], '1');
    assert.equal(labels['com.openfaas.scale.max'], '5');
  });
});
