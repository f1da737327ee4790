/**
 * Process entry. The model starts loading in its worker thread first, while the gRPC,
 * metrics and image modules (most of the start-up time) load here; SERVING needs both.
 */
import { classifierCardOf } from '../../../lib/model-card/index.js';
import { prepareModel } from '../../../lib/model-service/model-pool.js';
import { runServiceMain } from '../../../lib/model-service/run-service-main.js';
import { parseClassifierConfig } from './config.js';

runServiceMain('classifier', parseClassifierConfig, async (config) => {
  const prepared = await prepareModel('classifier', config, classifierCardOf);
  const { startClassifierService } = await import('./server.js');
  return startClassifierService(config, prepared);
});
