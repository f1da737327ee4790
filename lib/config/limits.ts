/** Defaults shared by every process: the services, the function, the client and eval. */

/** gRPC message size both ways (a 12 MP JPEG plus headroom). */
export const DEFAULT_MAX_MESSAGE_BYTES = 26_214_400;
/** Images with more pixels are refused before decoding (decompression bombs). */
export const DEFAULT_MAX_IMAGE_PIXELS = 50_000_000;
