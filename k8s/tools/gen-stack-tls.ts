/**
 * Writes stack-tls.yml: stack.yml's function for a cluster deployed with
 * k8s/overlays/prod-tls, where the model services speak TLS and require an API key. It adds
 * the OpenFaaS secrets `banana-ca` (the CA that signed the services' certificates) and
 * `banana-function-key` (the function's key, one line) and points GRPC_TLS_CA_FILE and
 * GRPC_API_KEY_FILE at them. Generated so that the two stack files never disagree otherwise;
 * `--check` writes nothing and exits 1 when the file is stale (CI: `npm run check:k8s`).
 *   npm run gen:k8s
 */
import { fileURLToPath } from 'node:url';
import { ROOT, writeOrCheck } from '../../scripts/lib/generated-file.js';
import { format, resolveConfig } from 'prettier';
import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';

const STACK = 'stack.yml';
const OUTPUT = 'stack-tls.yml';
/** Where OpenFaaS mounts a function's secrets. */
const SECRETS_DIR = '/var/openfaas/secrets';
const TLS_SECRETS = { ca: 'banana-ca', key: 'banana-function-key' } as const;

const HEADER = `# Generated from ${STACK} by \`npm run gen:k8s\`: edit that file, not this one.
# The function for a cluster deployed with k8s/overlays/prod-tls (the model services speak
# TLS and require an API key). Create its two secrets first (docs/deploy.md):
#   faas-cli secret create ${TLS_SECRETS.ca} --from-file banana-ca.crt
#   faas-cli secret create ${TLS_SECRETS.key} --from-literal "$(openssl rand -hex 32)"
# and add the same key to the Secret banana-api-keys of the model services.
# faas-cli deploy -f ${OUTPUT}
`;

/** The stack-tls.yml text for stack.yml's text. */
export async function stackTls(stackText: string): Promise<string> {
  const stack = parseDocument(stackText);
  if (stack.errors.length > 0) throw new Error(`${STACK}: ${stack.errors[0]?.message ?? ''}`);
  // stack.yml's own header comment sits on its first key; this file has its own header.
  const first = isMap(stack.contents) ? stack.contents.items[0]?.key : undefined;
  if (isScalar(first)) first.commentBefore = null;
  const functions = stack.get('functions', true);
  if (!isMap(functions) || functions.items.length !== 1)
    throw new Error(`${STACK} must declare one function`);
  const fn = functions.items[0]?.value as YAMLMap;
  const environment = fn.get('environment', true);
  if (!isMap(environment)) throw new Error(`${STACK}: the function has no environment`);
  environment.set('GRPC_TLS_CA_FILE', `${SECRETS_DIR}/${TLS_SECRETS.ca}`);
  environment.set('GRPC_API_KEY_FILE', `${SECRETS_DIR}/${TLS_SECRETS.key}`);
  fn.set('secrets', [TLS_SECRETS.ca, TLS_SECRETS.key]);
  const yaml = HEADER + stack.toString({ lineWidth: 0 });
  const outputPath = new URL(OUTPUT, ROOT).pathname;
  return format(yaml, { ...(await resolveConfig(outputPath)), filepath: outputPath });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeOrCheck(STACK, OUTPUT, stackTls);
