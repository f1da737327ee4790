/**
 * How much of the decoded photo travels to the model services. Both bounds are well above
 * the models' input sizes (detector 320 px, classifier 128 px in the model cards), so
 * results do not change, while a 12 MP phone photo is no longer shipped in full.
 */

/** Photos whose longer side exceeds this are sent to the detector downscaled (boxes are mapped back). */
export const DETECTOR_VIEW_MAX_SIDE = 1024;
/** JPEG quality of that downscaled copy. */
export const DETECTOR_VIEW_QUALITY = 92;
/** Crops whose longer side exceeds this are downscaled before classification (keeps any batch under the gRPC message limit). */
export const CLASSIFIER_CROP_MAX_SIDE = 256;
