import { status, type ServiceDefinition } from '@grpc/grpc-js';
import sharp from 'sharp';
import type { ModelServiceConfig } from '../config/index.js';
import {
  addHealthService,
  addReflectionService,
  bindServer,
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
import type { ImageModelCard } from './describe-model.js';
import { prepareModel } from './model-pool.js';
import { createLogger } from '../log/index.js';
import {
  createMetricsRegistry,
  createModelServiceMetrics,
  startMetricsServer,
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
  loadCard(path: string): Promise<Card>;
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
  /** Health NOT_SERVING, stop accepting, drain calls (up to SHUTDOWN_GRACE_MS), release everything. */
  shutdown(): Promise<void>;
}

/**
 * Starts a model service: gRPC server (health NOT_SERVING, reflection, limits) and metrics
 * endpoint first, then the inference workers; SERVING once every worker is warm.
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
  const {
    card,
    model,
    pool: poolStarting,
  } = prepared ?? (await prepareModel(spec.kind, config, (path) => spec.loadCard(path)));
  const metrics = createModelServiceMetrics(createMetricsRegistry(), {
    service: spec.kind,
    model: model.name,
    version: model.version,
  });

  let pool: InferencePool | undefined;
  const infer = async (input: ModelInput, signal?: AbortSignal): Promise<InferOutput> => {
    if (!pool)
      throw new RequestError(status.UNAVAILABLE, `the ${spec.kind} model is still loading`);
    const submitted = performance.now();
    const result = await pool.run(input, { signal });
    recordInferenceSpans(submitted, performance.now(), result, batchSizeOf(input));
    metrics.observeStage('queue', result.queueSeconds);
    metrics.observeStage('inference', result.inferenceSeconds);
    // The model call's size, this request's images and its batch-mates' (cross-request batching).
    metrics.observeBatchSize(result.batchSize);
    return { ...result.output, preprocessSeconds: result.preprocessSeconds };
  };

  const closePoolOnFailure = () =>
    poolStarting.then(
      (p) => p.close(),
      () => undefined,
    );
  // TLS from TLS_* files, API keys from API_KEYS_FILE (an interceptor on every service).
  let security: ReturnType<typeof createServerSecurity>;
  try {
    security = createServerSecurity(config, { logger, registry: metrics.registry });
  } catch (error) {
    await closePoolOnFailure();
    throw error;
  }
  const server = createGrpcServer(config, security.interceptors);
  const openInference = spec.openInference?.bind(spec);
  const health = addHealthService(server, [
    serviceNameOf(spec.definition),
    ...(openInference ? [OPEN_INFERENCE_SERVICE] : []),
  ]);
  addReflectionService(
    server,
    openInference ? [spec.protoFile, OPEN_INFERENCE_PROTO] : spec.protoFile,
  );
  const calls = new CallTracker();
  const admitPixels = createDecodeAdmission({
    maxInflightPixels: config.maxInflightPixels,
    maxWaiting: config.maxQueue,
    metrics,
  });
  const context = { card, config, metrics, infer, admitPixels };
  const handlerContext = {
    logger,
    calls,
    recordRequest: metrics.recordRequest,
    presetMethod: metrics.presetMethod,
  };
  server.addService(
    spec.definition,
    bindHandlers(spec.definition, spec.createHandlers(context), handlerContext),
  );
  // The Open Inference Protocol beside the service's API, sharing its pool and admission.
  const routes = openInference && {
    prefix: '/v2',
    listener: addOpenInference(server, {
      name: `banana-${spec.kind}`,
      version: model.version,
      models: [openInference(context)],
      isReady: () => health.status === 'SERVING',
      handlerContext,
      maxBodyBytes: config.maxMessageBytes,
      protect: requireApiKey(security.apiKeys),
    }),
  };
  let grpcPort: number;
  try {
    grpcPort = await bindServer(server, config.host, config.grpcPort, security.credentials);
  } catch (error) {
    security.close();
    await closePoolOnFailure();
    throw error;
  }
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>>;
  try {
    metricsServer = await startMetricsServer({
      host: config.host,
      port: config.metricsPort,
      registry: metrics.registry,
      isHealthy: () => health.status === 'SERVING',
      routes,
    });
  } catch (error) {
    server.forceShutdown();
    security.close();
    await closePoolOnFailure();
    throw error;
  }

  try {
    pool = await poolStarting;
  } catch (error) {
    server.forceShutdown();
    security.close();
    await metricsServer.close();
    throw error;
  }
  metrics.watchLoad(pool);
  health.set('SERVING');
  logger.info(
    { grpcPort, metricsPort: metricsServer.port, model: model.name, version: model.version },
    'serving',
  );

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    health.set('NOT_SERVING');
    logger.info({ inFlight: calls.count, graceMs: config.shutdownGraceMs }, 'shutting down');
    const ending = await shutdownGracefully(server, config.shutdownGraceMs);
    if (ending === 'forced') logger.warn({ inFlight: calls.count }, 'grace period over: calls cut');
    security.close();
    await pool.close();
    await metricsServer.close();
    logger.info({ ending }, 'stopped');
  };
  return {
    grpcPort,
    metricsPort: metricsServer.port,
    shutdown: () => (stopping ??= stop()),
  };
}
