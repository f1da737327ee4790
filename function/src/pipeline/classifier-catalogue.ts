import type { ClassifyRequest, ClassifyResponse } from '../../../lib/gen/banana/v1/classifier.js';
import type { ModelInfo } from '../../../lib/gen/banana/v1/common.js';

/** What an answer reports for a service that did not say which model it ran (proto3 message unset). */
export const UNKNOWN_MODEL: ModelInfo = { name: 'unknown', version: 'unknown' };

/** The classifier's stage names (least to most ripe) and model, as its last answer stated them. */
export interface ClassifierCatalogue {
  classes: string[];
  model: ModelInfo;
}

/**
 * A photo without bananas needs no classification, but its answer still lists every stage
 * and the classifier's model: this cache keeps them from the latest Classify response.
 */
export interface ClassifierCatalogueCache {
  remember(response: ClassifyResponse): ClassifierCatalogue;
  known(): ClassifierCatalogue | undefined;
}

/** The smallest real request, to learn the catalogue when no Classify call was made yet. */
export const CATALOGUE_PROBE: ClassifyRequest = {
  crops: [],
  rawCrops: [{ rgb: Buffer.alloc(3), width: 1, height: 1 }],
};

export function createClassifierCatalogueCache(): ClassifierCatalogueCache {
  let latest: ClassifierCatalogue | undefined;
  return {
    remember(response) {
      latest = {
        classes: [...response.classes],
        model: response.model ?? UNKNOWN_MODEL,
      };
      return latest;
    },
    known: () => latest,
  };
}
