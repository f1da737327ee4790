import { runServiceMain } from '../../../lib/model-service/index.js';
import { parseClassifierConfig } from './config.js';
import { startClassifierService } from './server.js';

runServiceMain('classifier', parseClassifierConfig, startClassifierService);
