/**
 * Process entry. The model starts loading in its worker thread first, while the gRPC,
 * metrics and image modules (most of the start-up time) load here; SERVING needs both.
 */
import { createLogger } from '../../../lib/log/index.js';
import { loadDetectorCard } from '../../../lib/model-card/index.js';
import { describeImageModel } from '../../../lib/model-service/describe-model.js';
import { startModelPool } from '../../../lib/model-service/model-pool.js';
import { runServiceMain } from '../../../lib/model-service/run-service-main.js';
import { parseDetectorConfig } from './config.js';

runServiceMain('detector', parseDetectorConfig, async (config) => {
  const logger = createLogger('detector', config.logLevel);
  const card = await loadDetectorCard(config.modelCardPath);
  const pool = startModelPool(config, describeImageModel(card), (error) => {
    logger.error({ err: error }, 'inference worker failed');
  });
  pool.catch(() => undefined); // awaited by the service; no unhandled rejection meanwhile
  const { startDetectorService } = await import('./server.js');
  return startDetectorService(config, { card, pool });
});
