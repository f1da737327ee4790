// Excess-property check of rendered objects against the Kubernetes API types: the JSON
// schemas in kubernetes-models accept unknown fields (kubectl apply would too, silently,
// or fail with server-side strict field validation), so a typo such as `readinesProbe`
// passes validate(). Each object becomes a typed object literal in a virtual TypeScript
// file and the compiler reports every property its type does not have.
import path from 'node:path';
import ts from 'typescript';
import { CRD_GROUPS } from './crd-types.js';
import { ROOT, type K8sObject } from './helpers.js';

export type StrictError = { object: string; message: string };

export function strictTypeErrors(objs: { where: string; obj: K8sObject }[]): StrictError[] {
  const file = path.join(ROOT, 'test/k8s/__virtual_rendered__.ts');
  let src = '';
  const lineOwner: string[] = [];
  const push = (text: string, owner: string): void => {
    src += text + '\n';
    for (let i = 0; i < text.split('\n').length; i++) lineOwner.push(owner);
  };
  objs.forEach(({ where, obj }, i) => {
    const mod = CRD_GROUPS.has(obj.apiVersion)
      ? './crd-types.js'
      : `kubernetes-models/${obj.apiVersion}`;
    push(`import type { I${obj.kind} as T${i} } from '${mod}';`, where);
    push(`export const o${i}: T${i} = ${JSON.stringify(obj, null, 1)};`, where);
  });
  const opts: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(opts);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) =>
    f === file ? ts.createSourceFile(f, src, lang) : getSourceFile(f, lang, ...rest);
  host.fileExists = (f) => f === file || fileExists(f);
  host.readFile = (f) => (f === file ? src : readFile(f));
  const program = ts.createProgram([file], opts, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line =
      d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    return {
      object: lineOwner[line] ?? '(unknown)',
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    };
  });
}
