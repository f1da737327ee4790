import type { KernelEnum } from 'sharp';

/** A sharp resampling kernel name, e.g. "linear". */
export type ResizeKernel = keyof KernelEnum;

export type Triple = readonly [number, number, number];

/**
 * Per-channel x = (pixel * scale - mean[c]) / std[c], channels in RGB order. Computed inside the
 * model graph: callers feed the raw pixels; this describes what the graph does (and what
 * training does).
 */
export interface Normalization {
  scale: number;
  mean: Triple;
  std: Triple;
}

/**
 * The model's image input: a uint8 RGB tensor [N, height, width, 3] (NHWC, the layout decoders
 * produce), any batch size N; the graph casts and normalises it.
 */
export interface ImageInputSpec {
  /** ONNX input name. */
  name: string;
  width: number;
  height: number;
  kernel: ResizeKernel;
  /** RGB value of the padding added by letterbox / pad-to-square. */
  padValue: Triple;
  normalization: Normalization;
}

/** One output level of the YOLO head: a grid of cells, each predicting one box. */
export interface HeadLevel {
  stride: number;
  gridWidth: number;
  gridHeight: number;
}

export interface DetectorCard {
  name: string;
  version: string;
  /** Resize mode is letterbox (validated at load). */
  input: ImageInputSpec;
  output: {
    /** ONNX output name; the tensor is [1, N, 5] rows of (tx, ty, tw, th, objectness_logit). */
    name: string;
    /** Rows are laid out level by level in this order, row-major within a level. */
    levels: readonly HeadLevel[];
  };
  /** The single class the detector finds. */
  label: string;
  thresholds: {
    confidence: number;
    iou: number;
    maxDetections: number;
    /** Where `confidence` comes from: "model card", or the calibration overlay in force. */
    source: string;
  };
}

export interface ClassifierCard {
  name: string;
  version: string;
  /** Resize mode is pad_to_square (validated at load). */
  input: ImageInputSpec;
  output: {
    /** ONNX output name; the tensor is [N, classes.length] logits. */
    name: string;
  };
  /** Stage identifiers, least to most ripe; index = logit index. */
  classes: readonly string[];
  /** Human-readable names, same order as classes. */
  classLabels: readonly string[];
}
