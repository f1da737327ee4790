import { ClassifierService, protobufFileName } from '../../../lib/gen/banana/v1/classifier.js';
import { classifierCardOf, type ClassifierCard } from '../../../lib/model-card/index.js';
import {
  startModelService,
  type ModelServiceSpec,
  type PreparedModel,
  type RunningService,
} from '../../../lib/model-service/index.js';
import { createClassifyHandlers } from './classify.js';
import type { ClassifierConfig } from './config.js';
import { createClassifierInferenceModel } from './open-inference.js';

const classifierSpec: ModelServiceSpec<ClassifierCard, ClassifierConfig, typeof ClassifierService> =
  {
    kind: 'classifier',
    protoFile: protobufFileName,
    definition: ClassifierService,
    loadCard: classifierCardOf,
    createHandlers: createClassifyHandlers,
    openInference: createClassifierInferenceModel,
  };

/** Starts the classifier gRPC service and its metrics endpoint; resolves once SERVING. */
export function startClassifierService(
  config: ClassifierConfig,
  prepared?: PreparedModel<ClassifierCard>,
): Promise<RunningService> {
  return startModelService(config, classifierSpec, prepared);
}
