import { runServiceMain } from '../../../lib/model-service/index.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

runServiceMain('detector', parseDetectorConfig, startDetectorService);
