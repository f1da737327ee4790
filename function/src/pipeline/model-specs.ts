/**
 * What the function needs to know of each model service to prepare its pixels: the input
 * specification from the service's model card (GetModelInfo), fetched once when first
 * needed and kept; a failed fetch is forgotten, so the next request asks again, and so is a
 * spec whose pixels the service refused (a new model rolled out with another input).
 */
import type { ClassifierClient, DetectorClient } from '../../../lib/client/index.js';
import type { GetModelInfoResponse, ModelInfo } from '../../../lib/gen/banana/v1/common.js';
import { RESIZE_KERNELS } from '../../../lib/model-card/parse.js';
import type { ResizeKernel, Triple } from '../../../lib/model-card/index.js';
import type { PixelInputSpec } from '../../../lib/vision/index.js';
import { callService, UnusableAnswerError, type ModelService } from './errors.js';

/** What an answer reports for a service that did not say which model it ran (proto3 message unset). */
export const UNKNOWN_MODEL: ModelInfo = { name: 'unknown', version: 'unknown' };

/** A float32 from the wire as it was written: 0.38 arrives as 0.3799999952. */
export const fromFloat32 = (value: number): number => Number(value.toPrecision(6));

/** The thresholds a detector applies when a request leaves them out (its model card's). */
export interface DetectionDefaults {
  minConfidence: number;
  /** "model card", or the calibration in force. */
  minConfidenceSource: string;
  iou: number;
  maxDetections: number;
}

export interface DetectorSpec {
  model: ModelInfo;
  /** Letterbox target: size, pad value and kernel. */
  input: PixelInputSpec;
  /** Undefined when the service does not state them. */
  defaults?: DetectionDefaults;
}

export interface ClassifierSpec {
  model: ModelInfo;
  /** Crop target: pad to square, then resize to this size with this kernel. */
  input: PixelInputSpec;
  /** Stages from least to most ripe, in the model's output order. */
  classes: string[];
  /** Most crops per Classify call. */
  maxBatch: number;
}

export interface ModelSpecs {
  detector(): Promise<DetectorSpec>;
  classifier(): Promise<ClassifierSpec>;
  /** Drops what is known of a service: the next request asks it again. */
  forget(service: ModelService): void;
}

export interface ModelSpecDeps {
  detector: Pick<DetectorClient, 'getModelInfo'>;
  classifier: Pick<ClassifierClient, 'getModelInfo'>;
  /** Deadline of one GetModelInfo call. */
  deadlineMs: number;
  /** Called for every failed GetModelInfo call (metrics). */
  onUpstreamError(service: ModelService, error: unknown): void;
  /** Age after which a service is asked again (default MODEL_INFO_MAX_AGE_MS). */
  infoMaxAgeMs?: number;
}

function unusable(service: ModelService, what: string): UnusableAnswerError {
  return new UnusableAnswerError(
    service,
    `the ${service} service described its model input unusably (${what})`,
  );
}

/** The part of an ImageInputSpec that raw pixels are prepared with, checked. */
export function pixelInputSpec(
  service: ModelService,
  info: GetModelInfoResponse,
  resizeMode: 'letterbox' | 'pad_to_square',
): PixelInputSpec {
  const input = info.input;
  if (input === undefined) throw unusable(service, 'no input');
  const { width, height, padValue, resizeKernel } = input;
  if (!(width >= 1 && height >= 1)) throw unusable(service, `size ${width}x${height}`);
  if (input.resizeMode !== resizeMode) {
    throw unusable(service, `resize mode "${input.resizeMode}", not "${resizeMode}"`);
  }
  if (padValue.length !== 3 || !padValue.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
    throw unusable(service, `pad value [${padValue.join(', ')}]`);
  }
  if (!(RESIZE_KERNELS as readonly string[]).includes(resizeKernel)) {
    throw unusable(service, `resize kernel "${resizeKernel}"`);
  }
  return {
    width,
    height,
    padValue: padValue as unknown as Triple,
    kernel: resizeKernel as ResizeKernel,
  };
}

/**
 * How long a service's model info is used before it is asked again: a model swapped in live
 * (a new version, a calibration) shows in GET /models and the sliders' defaults within this.
 */
export const MODEL_INFO_MAX_AGE_MS = 10_000;

/**
 * A value fetched when first asked for, then again in the background once older than
 * `maxAgeMs` (the old one answers meanwhile); a failure is not kept.
 */
function fetchedFresh<T>(
  fetch: () => Promise<T>,
  maxAgeMs: number,
): { get(): Promise<T>; forget(): void } {
  let current: Promise<T> | undefined;
  let fetchedAt = 0;
  let refreshing = false;
  const start = () => {
    const attempt = fetch();
    fetchedAt = performance.now();
    attempt.catch(() => {
      if (current === attempt) current = undefined;
    });
    return attempt;
  };
  return {
    get() {
      if (current === undefined) {
        current = start();
      } else if (!refreshing && performance.now() - fetchedAt > maxAgeMs) {
        refreshing = true;
        const next = start();
        next
          .then(
            () => {
              current = next;
            },
            () => undefined, // the old value stays until the next try
          )
          .finally(() => {
            refreshing = false;
          });
      }
      return current;
    },
    forget() {
      current = undefined;
    },
  };
}

export function createModelSpecs(deps: ModelSpecDeps): ModelSpecs {
  const ask = (service: ModelService, call: () => Promise<GetModelInfoResponse>) =>
    callService(
      service,
      deps.deadlineMs,
      (failed, error) => {
        deps.onUpstreamError(failed, error);
      },
      call,
    );
  const options = { deadlineMs: deps.deadlineMs };
  const maxAgeMs = deps.infoMaxAgeMs ?? MODEL_INFO_MAX_AGE_MS;
  const detector = fetchedFresh(async (): Promise<DetectorSpec> => {
    const info = await ask('detector', () => deps.detector.getModelInfo(options));
    const defaults = info.detectionDefaults;
    return {
      model: info.model ?? UNKNOWN_MODEL,
      input: pixelInputSpec('detector', info, 'letterbox'),
      ...(defaults && {
        defaults: {
          minConfidence: fromFloat32(defaults.minConfidence),
          minConfidenceSource: defaults.minConfidenceSource,
          iou: fromFloat32(defaults.iouThreshold),
          maxDetections: defaults.maxDetections,
        },
      }),
    };
  }, maxAgeMs);
  const classifier = fetchedFresh(async (): Promise<ClassifierSpec> => {
    const info = await ask('classifier', () => deps.classifier.getModelInfo(options));
    if (info.classNames.length === 0) throw unusable('classifier', 'no classes');
    return {
      model: info.model ?? UNKNOWN_MODEL,
      input: pixelInputSpec('classifier', info, 'pad_to_square'),
      classes: [...info.classNames],
      maxBatch: info.maxBatch,
    };
  }, maxAgeMs);
  return {
    detector: () => detector.get(),
    classifier: () => classifier.get(),
    forget: (service) => {
      (service === 'detector' ? detector : classifier).forget();
    },
  };
}
