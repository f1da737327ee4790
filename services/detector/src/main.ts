/**
 * Process entry. The model starts loading in its worker thread first, while the gRPC,
 * metrics and image modules (most of the start-up time) load here; SERVING needs both.
 */
import { detectorCardOf } from '../../../lib/model-card/index.js';
import { prepareModel } from '../../../lib/model-service/model-pool.js';
import { runServiceMain } from '../../../lib/model-service/run-service-main.js';
import { parseDetectorConfig } from './config.js';

runServiceMain('detector', parseDetectorConfig, async (config) => {
  const prepared = await prepareModel('detector', config, detectorCardOf);
  const { startDetectorService } = await import('./server.js');
  return startDetectorService(config, prepared);
});
