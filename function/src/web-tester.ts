/**
 * The web tester: the page's files (web/), the lib/ modules it imports as they are, and what
 * its device mode needs: onnxruntime-web's files (modules/ort/) and the models
 * (device/models.json, device/<kind>.onnx) from MODEL_DIR, chosen by the services' rule
 * (lib/model-card/model-dir.ts: the highest complete version, the calibration in force).
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Response } from 'express';
import {
  classifierCardOf,
  detectorCardOf,
  findModelFiles,
  type ModelFiles,
} from '../../lib/model-card/model-dir.js';
import { HttpError } from './errors.js';

/** lib/ modules served to the page under modules/, found beside this file under tsx and in dist/. */
const BROWSER_MODULES: Record<string, string> = {
  'labels.js': fileURLToPath(new URL('../../lib/drawing/labels.js', import.meta.url)),
  'options.js': fileURLToPath(new URL('../../lib/options/options.js', import.meta.url)),
};

/**
 * onnxruntime-web's WebAssembly build (the wasm execution provider only): the module the page
 * imports, the loader it imports, and the WebAssembly itself.
 */
export const ORT_FILES = [
  'ort.wasm.min.mjs',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
];
const ORT_DIST = dirname(
  fileURLToPath(import.meta.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')),
);
/**
 * The files are served under their version (modules/ort/<version>/), so that the page's
 * service worker keeps them by URL and an upgrade of the server is a new URL.
 */
const ORT_VERSION = (
  JSON.parse(readFileSync(join(ORT_DIST, '..', 'package.json'), 'utf8')) as { version: string }
).version;
const ORT_FOLDER = `modules/ort/${ORT_VERSION}/`;

const KINDS = ['detector', 'classifier'] as const;
type Kind = (typeof KINDS)[number];

/** Paths under the web root that are sources of the page, not the page. */
const NOT_SERVED = /^\/(src\/|tsconfig\.json$)/;

/**
 * Every response of the tester. COOP/COEP make the page cross-origin isolated, which lets
 * onnxruntime-web run on several threads; the page loads nothing from other origins.
 */
const HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** The served model files of one kind and their SHA-256, computed once per change of them. */
function modelFilesOf(modelDir: string) {
  const hashes = new Map<string, Promise<{ sha256: string; bytes: number }>>();
  const hashOf = (files: ModelFiles) => {
    let hash = hashes.get(files.fingerprint);
    if (hash === undefined) {
      hash = new Promise((resolve, reject) => {
        const digest = createHash('sha256');
        let bytes = 0;
        createReadStream(files.modelPath)
          .on('data', (chunk) => {
            bytes += chunk.length;
            digest.update(chunk);
          })
          .on('error', reject)
          .on('end', () => {
            resolve({ sha256: digest.digest('hex'), bytes });
          });
      });
      hashes.set(files.fingerprint, hash);
      hash.catch(() => hashes.delete(files.fingerprint));
    }
    return hash;
  };
  return async (kind: Kind) => {
    const files = await findModelFiles(modelDir, kind).catch((error: unknown) => {
      throw new HttpError(
        404,
        'not_found',
        `this server offers no models for the device mode: ${(error as Error).message}`,
      );
    });
    return { files, ...(await hashOf(files)) };
  };
}

/** device/models.json, device/<kind>.onnx: the models the page runs on the device. */
function addDeviceModels(app: Express, modelDir: string, maxImagePixels: number): void {
  const served = modelFilesOf(modelDir);
  app.get('/device/models.json', async (_req, res: Response) => {
    const [detector, classifier] = await Promise.all([served('detector'), served('classifier')]);
    const entry = async (
      { sha256, bytes }: typeof detector,
      card: Promise<unknown>,
      kind: Kind,
    ) => ({
      card: await card,
      url: `device/${kind}.onnx?sha256=${sha256}`,
      bytes,
      sha256,
    });
    res.set(HEADERS).json({
      detector: await entry(detector, detectorCardOf(detector.files), 'detector'),
      classifier: await entry(classifier, classifierCardOf(classifier.files), 'classifier'),
      max_image_pixels: maxImagePixels,
      ort: { folder: ORT_FOLDER, files: ORT_FILES },
    });
  });
  app.get('/device/:file', async (req, res: Response) => {
    const kind = KINDS.find((k) => req.params.file === `${k}.onnx`);
    if (kind === undefined) throw new HttpError(404, 'not_found', `no device file ${req.path}`);
    const { files, sha256 } = await served(kind);
    const asked = req.query.sha256;
    if (asked !== undefined && asked !== sha256) {
      // The model changed since the page read device/models.json: it reads it again.
      throw new HttpError(404, 'not_found', `${kind}.onnx has changed: read device/models.json`);
    }
    // A URL that names the file's hash always names these bytes.
    const caching = asked === undefined ? 'no-cache' : 'public, max-age=31536000, immutable';
    res.sendFile(files.modelPath, {
      headers: { ...HEADERS, 'cache-control': caching, 'content-type': 'application/octet-stream' },
      cacheControl: false,
    });
  });
}

export interface WebTesterSettings {
  webRoot: string;
  /** Where the device mode's models come from (MODEL_DIR). */
  modelDir: string;
  maxImagePixels: number;
}

/** The web tester's routes; the page at GET /. */
export function addWebTester(app: Express, settings: WebTesterSettings): void {
  for (const [name, path] of Object.entries(BROWSER_MODULES)) {
    app.get(`/modules/${name}`, (_req, res) => {
      res.sendFile(path, { headers: HEADERS });
    });
  }
  for (const name of ORT_FILES) {
    app.get(`/${ORT_FOLDER}${name}`, (_req, res) => {
      res.sendFile(join(ORT_DIST, name), { headers: HEADERS });
    });
  }
  addDeviceModels(app, settings.modelDir, settings.maxImagePixels);
  app.use((req, _res, next) => {
    next(
      NOT_SERVED.test(req.path)
        ? new HttpError(404, 'not_found', `no file ${req.path}`)
        : undefined,
    );
  });
  app.use(
    express.static(settings.webRoot, {
      index: 'index.html',
      redirect: false,
      cacheControl: false,
      setHeaders: (res) => {
        for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
      },
    }),
  );
}
