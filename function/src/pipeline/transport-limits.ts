/**
 * How much of the decoded photo travels to the model services. The bounds are well above
 * the models' input sizes (detector 320 px, classifier 128 px in the model cards), so
 * results do not change, while a 12 MP phone photo is no longer shipped in full.
 *
 * Measured on photo-like JPEGs (detect call, local stack): 1280x960 580 KB: original 57 ms,
 * re-encoded 72 ms; 2000x1500 1.4 MB: 155 vs 116 ms; 4000x3000 5.2 MB: 291 vs 160 ms.
 * Up to ~1600 px the detector's shrink-on-load decode beats re-encoding here.
 */

/** Photos up to this longer side go to the detector as received. */
export const DETECTOR_ORIGINAL_MAX_SIDE = 1600;
/** Larger photos go as a JPEG downscaled to this longer side (boxes are mapped back). */
export const DETECTOR_VIEW_SIDE = 1024;
/** JPEG quality of that downscaled copy. */
export const DETECTOR_VIEW_QUALITY = 92;
/** Crops whose longer side exceeds this are downscaled before classification (keeps any batch under the gRPC message limit). */
export const CLASSIFIER_CROP_MAX_SIDE = 256;
