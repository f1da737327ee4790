// The OpenFaaS side: stack.yml (faas-cli deploy) and k8s/openfaas/function.yaml (operator
// CR) describe the same function, point at the headless Services, stay within Community
// Edition limits, and their timeouts nest with the gateway's (k8s/openfaas/values.yaml).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  as,
  contract,
  durationMs,
  fileExists,
  parseDockerfile,
  parseDocs,
  readText,
  readYaml,
  render,
} from './helpers.js';
import { parseFunctionConfig } from '../../function/src/config.js';
import { strictTypeErrors } from './strict-types.js';

type StackFunction = {
  lang?: string;
  handler?: string;
  image?: string;
  namespace?: string;
  environment?: Record<string, string | number | boolean>;
  environment_file?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  limits?: { cpu?: string; memory?: string };
  requests?: { cpu?: string; memory?: string };
  readonly_root_filesystem?: boolean;
  secrets?: string[];
};
type Stack = {
  version?: string | number;
  provider?: { name?: string; gateway?: string };
  functions?: Record<string, StackFunction>;
  configuration?: { copy?: string[]; templates?: unknown[] };
};
type HelmValues = {
  functionNamespace?: string;
  gateway?: { upstreamTimeout?: string; readTimeout?: string; writeTimeout?: string };
  faasnetes?: { readTimeout?: string; writeTimeout?: string };
};

const C = contract();
const stack: Stack = fileExists('stack.yml') ? (readYaml('stack.yml') as Stack) : {};
const fnName = C.functionName;
const stackFn: StackFunction = stack.functions?.[fnName] ?? {};
const crObj = parseDocs(readText('k8s/openfaas/function.yaml'));
const cr = as(crObj[0] ?? { apiVersion: '', kind: '', metadata: { name: '' } }, 'Function');
const values = readYaml('k8s/openfaas/values.yaml') as HelmValues;

/** Environment faas-cli sends for the stack function (environment_file, then environment). */
function stackEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const f of stackFn.environment_file ?? []) {
    const doc = readYaml(f) as { environment?: Record<string, unknown> };
    for (const [k, v] of Object.entries(doc.environment ?? {})) env[k] = String(v);
  }
  for (const [k, v] of Object.entries(stackFn.environment ?? {})) env[k] = String(v);
  return env;
}

/** ENV of the function image's final stage (function/Dockerfile), which the deployment overrides. */
function imageEnvironment(): Record<string, string> {
  return fileExists('function/Dockerfile') ? parseDockerfile('function').env : {};
}

/** What the function's process sees: image ENV overridden by the deployment's environment. */
function effectiveEnvironment(deployed: Record<string, string>): Record<string, string> {
  return { ...imageEnvironment(), ...deployed };
}

describe('stack.yml', () => {
  it(`parses and declares ${fnName} with the contract's image`, () => {
    assert.ok(fileExists('stack.yml'), 'stack.yml is missing at the repo root');
    assert.equal(stack.provider?.name, 'openfaas');
    assert.ok(stack.functions?.[fnName], `no function ${fnName}`);
    assert.equal(stackFn.image, C.images.function);
  });

  it('references files that exist', () => {
    assert.ok(stackFn.handler, 'no handler');
    assert.ok(fileExists(stackFn.handler), `handler ${stackFn.handler} does not exist`);
    if (stackFn.lang === 'dockerfile') {
      assert.ok(
        fileExists(path.join(stackFn.handler, 'Dockerfile')),
        `no Dockerfile in handler ${stackFn.handler}`,
      );
    }
    for (const f of stackFn.environment_file ?? [])
      assert.ok(fileExists(f), `environment_file ${f} missing`);
    for (const c of stack.configuration?.copy ?? [])
      assert.ok(fileExists(c), `configuration.copy ${c} missing`);
  });

  it('points at the headless detector/classifier Services with dns:/// targets', () => {
    const env = effectiveEnvironment(stackEnvironment());
    const base = render('k8s/base');
    for (const [svcName, key] of [
      ['detector', 'DETECTOR_ADDR'],
      ['classifier', 'CLASSIFIER_ADDR'],
    ] as const) {
      const o = base.find((x) => x.kind === 'Service' && x.metadata.name === svcName);
      assert.ok(o, `Service ${svcName}`);
      const svc = as(o, 'Service');
      assert.equal(svc.spec?.clusterIP, 'None');
      const port = svc.spec.ports?.find((p) => p.name === 'grpc')?.port;
      assert.equal(port, C.components[svcName].grpcPort);
      assert.equal(
        env[key],
        `dns:///${svcName}.${String(o.metadata.namespace)}.svc.cluster.local:${String(port)}`,
      );
    }
  });

  it('scales within Community Edition limits (1 <= min <= max <= 5)', () => {
    const min = Number(stackFn.labels?.['com.openfaas.scale.min']);
    const max = Number(stackFn.labels?.['com.openfaas.scale.max']);
    assert.ok(Number.isInteger(min) && min >= 1, `scale.min ${min}`);
    assert.ok(Number.isInteger(max) && max >= min && max <= 5, `scale.max ${max}`);
  });

  it('timeouts nest: gRPC deadlines < exec_timeout <= gateway upstream < gateway/provider read & write', () => {
    const env = effectiveEnvironment(stackEnvironment());
    assert.ok(
      env.exec_timeout && env.read_timeout && env.write_timeout,
      'watchdog timeouts not set',
    );
    const exec = durationMs(env.exec_timeout);
    const config = parseFunctionConfig(env);
    const deadlines = config.detectDeadlineMs + config.classifyDeadlineMs;
    assert.ok(
      deadlines < exec,
      `detect+classify deadlines ${deadlines} ms >= exec_timeout ${exec} ms`,
    );
    assert.ok(
      durationMs(env.read_timeout) >= exec && durationMs(env.write_timeout) >= exec,
      'watchdog read/write < exec',
    );
    const up = durationMs(values.gateway?.upstreamTimeout ?? '');
    assert.ok(exec <= up, `exec_timeout ${exec} > gateway.upstreamTimeout ${up}`);
    for (const t of [
      values.gateway?.readTimeout,
      values.gateway?.writeTimeout,
      values.faasnetes?.readTimeout,
      values.faasnetes?.writeTimeout,
    ]) {
      assert.ok(
        up < durationMs(t ?? ''),
        `gateway.upstreamTimeout ${up} >= read/write ${String(t)}`,
      );
    }
  });

  it('the body limit admits the photos the services accept', () => {
    const env = effectiveEnvironment(stackEnvironment());
    const body = parseFunctionConfig(env).maxBodyBytes;
    const dep = render('k8s/base').find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'detector',
    );
    const grpcMax = (
      dep?.spec as {
        template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
      }
    ).template.spec.containers[0]?.env.find((e) => e.name === 'MAX_MESSAGE_BYTES')?.value;
    assert.ok(
      body < Number(grpcMax),
      `MAX_BODY_BYTES ${body} >= detector MAX_MESSAGE_BYTES ${String(grpcMax)}`,
    );
  });
});

describe('k8s/openfaas/function.yaml', () => {
  it('is a valid openfaas.com/v1 Function (strict shape from the CRD)', () => {
    assert.equal(crObj.length, 1);
    const obj = crObj[0];
    assert.ok(obj);
    const errors = strictTypeErrors([{ where: 'Function', obj }]);
    assert.deepEqual(errors, [], errors.map((e) => e.message).join('\n'));
  });

  it('agrees with stack.yml: name, image, environment, labels, annotations, resources', () => {
    assert.equal(cr.metadata.name, fnName);
    assert.equal(cr.spec.name, fnName);
    assert.equal(
      cr.metadata.namespace,
      stackFn.namespace ?? values.functionNamespace ?? 'openfaas-fn',
    );
    assert.equal(cr.spec.image, stackFn.image);
    assert.deepEqual(cr.spec.environment ?? {}, stackEnvironment());
    assert.deepEqual(cr.spec.labels ?? {}, stackFn.labels ?? {});
    assert.deepEqual(cr.spec.annotations ?? {}, stackFn.annotations ?? {});
    assert.deepEqual(cr.spec.limits ?? {}, stackFn.limits ?? {});
    assert.deepEqual(cr.spec.requests ?? {}, stackFn.requests ?? {});
    assert.equal(
      cr.spec.readOnlyRootFilesystem ?? false,
      stackFn.readonly_root_filesystem ?? false,
    );
    assert.deepEqual(cr.spec.secrets ?? [], stackFn.secrets ?? []);
  });

  it('sets only environment variables the function or the watchdog reads', () => {
    const watchdog = new Set([
      'exec_timeout',
      'read_timeout',
      'write_timeout',
      'healthcheck_interval',
      'max_inflight',
      'upstream_url',
      'mode',
      'prefix_logs',
      'log_buffer_size',
      'ready_path',
      'buffer_http',
      'max_body_size',
      'jwt_auth',
      'suppress_lock',
    ]);
    const known = new Set([
      ...C.components.function.env,
      'MALLOC_ARENA_MAX',
      'UV_THREADPOOL_SIZE',
      'NODE_OPTIONS',
      'LOG_LEVEL',
    ]);
    for (const k of Object.keys(cr.spec.environment ?? {}))
      assert.ok(known.has(k) || watchdog.has(k), `unknown env ${k}`);
  });
});
