import { status, type Server, type ServiceDefinition } from '@grpc/grpc-js';
import sharp from 'sharp';
import type { ModelServiceConfig } from '../config/index.js';
import {
  addHealthService,
  addReflectionService,
  bindServer,
  bindUnixSocket,
  bindHandlers,
  CallTracker,
  createGrpcServer,
  createServerSecurity,
  RequestError,
  shutdownGracefully,
  type AsyncHandlers,
} from '../grpc-server/index.js';
import {
  batchSizeOf,
  type InferencePool,
  type InferenceResult,
  type ModelInput,
} from '../inference/index.js';
import { recordSpan } from '../tracing/index.js';
import { serviceNameOf } from '../client/service-name.js';
import { protobufFileName as OPEN_INFERENCE_PROTO } from '../gen/inference/grpc_predict_v2.js';
import {
  addOpenInference,
  OPEN_INFERENCE_SERVICE,
  type InferenceModel,
} from '../open-inference/index.js';
import { requireApiKey } from '../auth/index.js';
import { createDecodeAdmission } from './decode-admission.js';
import type { InferOutput, ModelServiceContext, PreparedModel } from './types.js';
import type { ModelFiles } from '../model-card/index.js';
import {
  leased,
  retire,
  watchModelDir,
  type Generation,
  type ModelDirWatch,
} from './model-versions.js';
import type { ImageModelCard } from './describe-model.js';
import { prepareModel } from './model-pool.js';
import { createLogger, type Logger } from '../log/index.js';
import {
  createMetricsRegistry,
  createModelServiceMetrics,
  startMetricsServer,
  type ModelServiceMetrics,
} from '../metrics/index.js';

/**
 * The worker's timings of one job as spans of the caller's trace (the worker thread has no
 * trace context): queue wait, then building the input tensor, then the model call, which
 * ended when the answer arrived.
 */
function recordInferenceSpans(
  submitted: number,
  answered: number,
  result: InferenceResult,
  images: number,
): void {
  const queued = submitted + result.queueSeconds * 1000;
  recordSpan('queue', {}, submitted, queued);
  recordSpan('preprocess', {}, queued, queued + result.preprocessSeconds * 1000);
  recordSpan(
    'inference',
    { 'inference.batch_size': result.batchSize, 'inference.images': images },
    answered - result.inferenceSeconds * 1000,
    answered,
  );
}

/** Everything that differs between the detector and the classifier service. */
export interface ModelServiceSpec<
  Card extends ImageModelCard,
  Config,
  Definition extends ServiceDefinition,
> {
  /** "detector" or "classifier": metrics `service` label and log field. */
  kind: string;
  /** The service's file under proto/, e.g. "banana/v1/detector.proto" (reflection). */
  protoFile: string;
  definition: Definition;
  /** The card of the model in those files (with any calibration in force applied). */
  loadCard(files: ModelFiles): Promise<Card>;
  createHandlers(context: ModelServiceContext<Card, Config>): AsyncHandlers<Definition>;
  /**
   * The model as the Open Inference Protocol serves it (inference.GRPCInferenceService on the
   * gRPC port, REST /v2 on the metrics port; lib/open-inference).
   */
  openInference?(context: ModelServiceContext<Card, Config>): InferenceModel;
}

export interface RunningService {
  grpcPort: number;
  metricsPort: number;
  /** Checks MODEL_DIR for a new version now, as the MODEL_POLL_MS poll does; resolves after any swap. */
  checkModelDir(): Promise<void>;
  /** Health NOT_SERVING, stop accepting, drain calls (up to SHUTDOWN_GRACE_MS), release everything. */
  shutdown(): Promise<void>;
}

/** What a generation builds on its card and pool: the service's handlers and protocol model. */
interface Built<Definition extends ServiceDefinition> {
  handlers: AsyncHandlers<Definition>;
  openInference: InferenceModel | undefined;
}

/**
 * Starts a model service: gRPC server (health NOT_SERVING, reflection, limits) and metrics
 * endpoint first, then the inference workers; SERVING once every worker is warm. Then MODEL_DIR
 * is watched, and a new version or threshold overlay found there is swapped in live
 * (model-versions.ts).
 */
export async function startModelService<
  Card extends ImageModelCard,
  Config extends ModelServiceConfig,
  Definition extends ServiceDefinition,
>(
  config: Config,
  spec: ModelServiceSpec<Card, Config, Definition>,
  prepared?: PreparedModel<Card>,
): Promise<RunningService> {
  const logger = createLogger(spec.kind, config.logLevel);
  // Every request brings a new image: libvips' operation cache would only hold memory.
  sharp.cache(false);
  const first =
    prepared ?? (await prepareModel(spec.kind, config, (files) => spec.loadCard(files)));
  const metrics = createModelServiceMetrics(createMetricsRegistry(), {
    service: spec.kind,
    model: first.model.name,
    version: first.model.version,
  });
  const models = servedModels(spec, config, metrics, logger, first);
  // What a failed start has to release, last first.
  const undo: Array<() => unknown> = [
    () =>
      first.pool.then(
        (p) => p.close(),
        () => undefined,
      ),
  ];
  const release = async () => {
    for (const step of undo.reverse()) await step();
  };
  try {
    // TLS from TLS_* files, API keys from API_KEYS_FILE (an interceptor on every service).
    const security = createServerSecurity(config, { logger, registry: metrics.registry });
    undo.push(() => {
      security.close();
    });
    const served = buildGrpcServer(spec, models.current, config, metrics, security, logger);
    const bound = await listen(served, security, config, metrics, undo);
    const pool = await first.pool;
    models.current().pool = pool;
    metrics.watchLoad(pool);
    served.health.set('SERVING');
    const { grpcSocket } = config;
    const where = { grpcPort: bound.grpcPort, grpcSocket, metricsPort: bound.metricsServer.port };
    logger.info(
      {
        ...where,
        model: first.model.name,
        version: first.model.version,
        origin: first.files.origin,
      },
      'serving',
    );
    const watch = models.watch();
    const stop = () =>
      stopService(served, config.shutdownGraceMs, logger, [
        () => watch.stop(),
        () => {
          security.close();
        },
        () => models.close(),
        () => bound.metricsServer.close(),
        bound.removeSocket,
      ]);
    let stopping: Promise<void> | undefined;
    return {
      grpcPort: bound.grpcPort,
      metricsPort: bound.metricsServer.port,
      checkModelDir: () => watch.check(),
      shutdown: () => (stopping ??= stop()),
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Makes generations: handlers and protocol model bound to a card and its pool. */
function generations<
  Card extends ImageModelCard,
  Config extends ModelServiceConfig,
  Definition extends ServiceDefinition,
>(
  spec: ModelServiceSpec<Card, Config, Definition>,
  config: Config,
  metrics: ModelServiceMetrics,
  admitPixels: ReturnType<typeof createDecodeAdmission>,
) {
  return (card: Card, files: ModelFiles, pool?: InferencePool) => {
    // The closures read `made` when called, by which time it exists.
    const infer = createInfer(spec.kind, metrics, () => made.pool);
    const context = { card, config, metrics, infer, admitPixels };
    const model = spec.openInference?.(context);
    const made: Generation<Card, Built<Definition>> = {
      card,
      files,
      pool,
      leases: 0,
      built: {
        handlers: spec.createHandlers(context),
        openInference: model && {
          ...model,
          infer: (request, signal) => leased(made, () => model.infer(request, signal)),
        },
      },
    };
    return made;
  };
}

/**
 * The generation served now, and swapping in the next one: loaded and warmed first, refused
 * when it fails or renames the model; the replaced one retires in the background.
 */
function servedModels<
  Card extends ImageModelCard,
  Config extends ModelServiceConfig,
  Definition extends ServiceDefinition,
>(
  spec: ModelServiceSpec<Card, Config, Definition>,
  config: Config,
  metrics: ModelServiceMetrics,
  logger: Logger,
  first: PreparedModel<Card>,
) {
  const admitPixels = createDecodeAdmission({
    maxInflightPixels: config.maxInflightPixels,
    maxWaiting: config.maxQueue,
    metrics,
  });
  const generation = generations(spec, config, metrics, admitPixels);
  let serving = generation(first.card, first.files);
  const retiring = new Set<Promise<void>>();
  return {
    current: () => serving,
    async swapIn(files: ModelFiles) {
      const next = await prepareModel(spec.kind, config, (f) => spec.loadCard(f), files);
      const pool = await next.pool;
      if (next.card.name !== serving.card.name) {
        await pool.close();
        throw new Error(
          `${files.cardPath} names the model "${next.card.name}", the served one is "${serving.card.name}": a new version keeps its model's name`,
        );
      }
      const replaced = serving;
      serving = generation(next.card, files, pool);
      metrics.showModel({ model: next.model.name, version: next.model.version });
      metrics.watchLoad(pool);
      logger.info(
        {
          model: next.model.name,
          version: next.model.version,
          origin: files.origin,
          replaced: { version: replaced.card.version, origin: replaced.files.origin },
          ...('thresholds' in next.card ? { thresholds: next.card.thresholds } : {}),
        },
        'model swapped in',
      );
      const closing = retire(replaced, config.shutdownGraceMs, logger).finally(() =>
        retiring.delete(closing),
      );
      retiring.add(closing);
    },
    /** Polls MODEL_DIR (MODEL_POLL_MS) and swaps in what it finds. */
    watch(): ModelDirWatch {
      return watchModelDir({
        dir: config.modelDir,
        kind: spec.kind,
        pollMs: config.modelPollMs,
        served: () => serving.files,
        swapIn: (files) => this.swapIn(files),
        logger,
        metrics,
      });
    },
    /** Waits for the replaced generations, then closes the served one's workers. */
    async close() {
      await Promise.all([...retiring]);
      await serving.pool?.close();
    },
  };
}

/**
 * Binds the gRPC port and starts the metrics (and REST) port; each step that succeeded is
 * added to `undo`, for a start that fails later.
 */
async function listen(
  served: ReturnType<typeof buildGrpcServer>,
  security: ReturnType<typeof createServerSecurity>,
  config: ModelServiceConfig,
  metrics: ModelServiceMetrics,
  undo: Array<() => unknown>,
) {
  const grpcPort = await bindServer(
    served.server,
    config.host,
    config.grpcPort,
    security.credentials,
  );
  undo.push(() => {
    served.server.forceShutdown();
  });
  // Removed by undo on a failed start, by stop() after the server has stopped.
  const removeSocket =
    config.grpcSocket === undefined
      ? () => Promise.resolve()
      : await bindUnixSocket(served.server, config.grpcSocket);
  undo.push(removeSocket);
  const metricsServer = await startMetricsServer({
    host: config.host,
    port: config.metricsPort,
    registry: metrics.registry,
    isHealthy: () => served.health.status === 'SERVING',
    routes: served.routes,
  });
  undo.push(() => metricsServer.close());
  return { grpcPort, metricsServer, removeSocket };
}

/**
 * Health NOT_SERVING, no new calls, running calls drained for up to `graceMs` (then cut),
 * then `release` in order.
 */
async function stopService(
  served: { server: Server; health: { set(status: 'NOT_SERVING'): void }; calls: CallTracker },
  graceMs: number,
  logger: Logger,
  release: Array<() => unknown>,
): Promise<void> {
  served.health.set('NOT_SERVING');
  const { calls } = served;
  logger.info({ inFlight: calls.count, graceMs }, 'shutting down');
  const ending = await shutdownGracefully(served.server, graceMs);
  if (ending === 'forced') logger.warn({ inFlight: calls.count }, 'grace period over: calls cut');
  for (const step of release) await step();
  logger.info({ ending }, 'stopped');
}

/**
 * Runs the model on the pool once it is ready (queue, inference and batch-size metrics and
 * their spans recorded here); UNAVAILABLE while the model is still loading.
 */
function createInfer(
  kind: string,
  metrics: ModelServiceMetrics,
  pool: () => InferencePool | undefined,
): ModelServiceContext<unknown, unknown>['infer'] {
  return async (input: ModelInput, signal?: AbortSignal): Promise<InferOutput> => {
    const ready = pool();
    if (!ready) throw new RequestError(status.UNAVAILABLE, `the ${kind} model is still loading`);
    const submitted = performance.now();
    const result = await ready.run(input, { signal });
    recordInferenceSpans(submitted, performance.now(), result, batchSizeOf(input));
    metrics.observeStage('queue', result.queueSeconds);
    metrics.observeStage('inference', result.inferenceSeconds);
    // The model call's size, this request's images and its batch-mates' (cross-request batching).
    metrics.observeBatchSize(result.batchSize);
    return { ...result.output, preprocessSeconds: result.preprocessSeconds };
  };
}

/**
 * The gRPC server of a model service (limits, security interceptors), NOT_SERVING until the
 * model is warm: health, reflection, the service's own API and, when the spec has it, the
 * Open Inference Protocol beside it (its REST routes go on the metrics port). Each call goes
 * to the generation served when it arrives and holds it until it ends (a stream, for its
 * whole length).
 */
function buildGrpcServer<
  Card extends ImageModelCard,
  Config extends ModelServiceConfig,
  Definition extends ServiceDefinition,
>(
  spec: ModelServiceSpec<Card, Config, Definition>,
  serving: () => Generation<Card, Built<Definition>>,
  config: Config,
  metrics: ModelServiceMetrics,
  security: ReturnType<typeof createServerSecurity>,
  logger: Logger,
) {
  const server = createGrpcServer(config, security.interceptors);
  const withOpenInference = spec.openInference !== undefined;
  const health = addHealthService(server, [
    serviceNameOf(spec.definition),
    ...(withOpenInference ? [OPEN_INFERENCE_SERVICE] : []),
  ]);
  addReflectionService(
    server,
    withOpenInference ? [spec.protoFile, OPEN_INFERENCE_PROTO] : spec.protoFile,
  );
  const calls = new CallTracker();
  const handlerContext = {
    logger,
    calls,
    recordRequest: metrics.recordRequest,
    presetMethod: metrics.presetMethod,
  };
  const dispatch = Object.fromEntries(
    Object.keys(spec.definition).map((key) => [
      key,
      (...args: unknown[]) => {
        const generation = serving();
        const handler = generation.built.handlers[key] as (...a: unknown[]) => Promise<unknown>;
        return leased(generation, () => handler(...args));
      },
    ]),
  ) as AsyncHandlers<Definition>;
  server.addService(spec.definition, bindHandlers(spec.definition, dispatch, handlerContext));
  // The Open Inference Protocol beside the service's API, sharing its pool and admission.
  const routes = withOpenInference
    ? {
        prefix: '/v2',
        listener: addOpenInference(server, {
          name: `banana-${spec.kind}`,
          version: () => serving().card.version,
          models: () => {
            const model = serving().built.openInference;
            return model ? [model] : [];
          },
          isReady: () => health.status === 'SERVING',
          handlerContext,
          maxBodyBytes: config.maxMessageBytes,
          // 401 and 429 in the REST API's own error shape, as every other refusal there; the
          // keys' limits are the gRPC port's (one caller, one budget).
          protect: requireApiKey(
            security.apiKeys,
            (message) => ({ error: message }),
            security.keyLimits,
          ),
        }),
      }
    : undefined;
  return { server, health, calls, routes };
}
