import {
  createClassifierClient,
  createDetectorClient,
  type ClassifierClient,
  type DetectorClient,
} from '../../lib/client/index.js';
import type { FunctionConfig } from './config.js';
import type { ModelBackends } from './model-backends.js';

async function isServing(
  client: DetectorClient | ClassifierClient,
  deadlineMs: number,
): Promise<boolean> {
  try {
    return (await client.checkHealth({ deadlineMs })) === 'SERVING';
  } catch {
    return false;
  }
}

/** gRPC clients (lib/client: deadlines, keepalive, round-robin, retries) for both model services. */
export function createModelBackends(config: FunctionConfig): ModelBackends {
  const detector = createDetectorClient({
    target: config.detectorAddress,
    defaultDeadlineMs: config.detectDeadlineMs,
  });
  const classifier = createClassifierClient({
    target: config.classifierAddress,
    defaultDeadlineMs: config.classifyDeadlineMs,
  });
  return {
    ports: {
      detect: (request, options) => detector.detect(request, options),
      classify: (request, options) => classifier.classify(request, options),
    },
    async checkReadiness(deadlineMs) {
      const [detectorServing, classifierServing] = await Promise.all([
        isServing(detector, deadlineMs),
        isServing(classifier, deadlineMs),
      ]);
      return {
        ready: detectorServing && classifierServing,
        detector: detectorServing,
        classifier: classifierServing,
      };
    },
    close() {
      detector.close();
      classifier.close();
    },
  };
}
