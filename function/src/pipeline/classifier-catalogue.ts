import type { ClassifyResponse } from '../../../lib/gen/banana/v1/classifier.js';
import type { ModelInfo } from '../../../lib/gen/banana/v1/common.js';

/** The classifier's stage names (least to most ripe) and model, as its last answer stated them. */
export interface ClassifierCatalogue {
  classes: string[];
  model: ModelInfo;
}

export interface ClassifierCatalogueCache {
  remember(response: ClassifyResponse): ClassifierCatalogue;
  /** The last known catalogue; when none is known yet, asks the classifier with a 1x1 crop. */
  get(): Promise<ClassifierCatalogue>;
}

const PROBE_CROP = { rgb: Buffer.alloc(3), width: 1, height: 1 };

/**
 * A photo without bananas needs no classification, but its answer still lists every stage
 * and the classifier's model: this cache keeps them from the latest Classify response.
 */
export function createClassifierCatalogueCache(
  probe: (request: {
    crops: Buffer[];
    rawCrops: (typeof PROBE_CROP)[];
  }) => Promise<ClassifyResponse>,
): ClassifierCatalogueCache {
  let latest: ClassifierCatalogue | undefined;
  const remember = (response: ClassifyResponse): ClassifierCatalogue => {
    latest = {
      classes: [...response.classes],
      model: response.model ?? { name: 'unknown', version: 'unknown' },
    };
    return latest;
  };
  return {
    remember,
    async get() {
      return latest ?? remember(await probe({ crops: [], rawCrops: [PROBE_CROP] }));
    },
  };
}
