import { invalidArgument } from '../grpc-server/request-error.js';

/** The protocol's numeric data types, with their element size and typed-array class. */
const NUMERIC = {
  UINT8: { bytes: 1, array: Uint8Array, min: 0, max: 0xff },
  UINT16: { bytes: 2, array: Uint16Array, min: 0, max: 0xffff },
  UINT32: { bytes: 4, array: Uint32Array, min: 0, max: 0xffff_ffff },
  INT8: { bytes: 1, array: Int8Array, min: -0x80, max: 0x7f },
  INT16: { bytes: 2, array: Int16Array, min: -0x8000, max: 0x7fff },
  INT32: { bytes: 4, array: Int32Array, min: -0x8000_0000, max: 0x7fff_ffff },
  FP32: { bytes: 4, array: Float32Array, min: -Infinity, max: Infinity },
  FP64: { bytes: 8, array: Float64Array, min: -Infinity, max: Infinity },
} as const;

/** A data type whose elements this module converts between typed values and raw bytes. */
export type NumericDatatype = keyof typeof NUMERIC;

/** Every data type name of the protocol (the ones a caller may send). */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'BF16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

/** A tensor as ModelMetadata lists it: -1 marks a dimension of variable size. */
export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: readonly number[];
}

/** A tensor with its elements as raw bytes: row-major, little-endian, no padding. */
export interface RawTensor extends TensorMetadata {
  data: Uint8Array;
}

/**
 * An input tensor as a transport received it: raw bytes (gRPC raw_input_contents) or typed
 * values (gRPC contents, REST JSON data), converted by inputBytes once its model has checked
 * its name, data type and shape.
 */
export type InputTensor = TensorMetadata &
  ({ raw: Uint8Array; values?: undefined } | { raw?: undefined; values: ArrayLike<unknown> });

/** Whether this module converts elements of `datatype` (the protocol's numeric types but 64-bit integers and 16-bit floats). */
export function isNumeric(datatype: string): datatype is NumericDatatype {
  return Object.hasOwn(NUMERIC, datatype);
}

/** Elements of a tensor of `shape` (all dimensions known). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** "[1,320,320,3]": a shape as the protocol writes it. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Whether `shape` is an instance of `pattern` (same rank; -1 in the pattern matches any size). */
export function shapeMatches(shape: readonly number[], pattern: readonly number[]): boolean {
  return (
    shape.length === pattern.length && pattern.every((dim, i) => dim === -1 || dim === shape[i])
  );
}

/**
 * Checks the data type and shape a caller sent for `expected`, in this order, each with a
 * message naming the tensor, what was sent and what the model takes.
 */
export function checkTensorType(
  sent: { name: string; datatype: string; shape: readonly number[] },
  expected: TensorMetadata,
  modelName: string,
): void {
  const what = `input "${sent.name}"`;
  if (sent.datatype !== expected.datatype) {
    throw invalidArgument(
      `${what} has datatype "${sent.datatype}", but ${modelName} takes ${expected.datatype}`,
    );
  }
  if (!sent.shape.every((dim) => Number.isSafeInteger(dim) && dim >= 1)) {
    throw invalidArgument(
      `${what} has shape ${formatShape(sent.shape)}: every dimension must be a positive integer`,
    );
  }
  if (!shapeMatches(sent.shape, expected.shape)) {
    throw invalidArgument(
      `${what} has shape ${formatShape(sent.shape)}, but ${modelName} takes ` +
        `${formatShape(expected.shape)} (-1: any size)`,
    );
  }
}

/** Bytes a tensor of `datatype` and `shape` takes in raw form. */
export function byteLengthOf(datatype: NumericDatatype, shape: readonly number[]): number {
  return elementCount(shape) * NUMERIC[datatype].bytes;
}

/**
 * An input's elements as raw bytes: raw data checked to hold exactly the bytes its data type
 * and shape need, or typed values converted (valuesToBytes).
 */
export function inputBytes(tensor: InputTensor): Uint8Array {
  const { name, datatype, shape } = tensor;
  if (!isNumeric(datatype)) {
    throw invalidArgument(`input "${name}": datatype ${datatype} is not supported`);
  }
  if (tensor.raw === undefined) return valuesToBytes(name, datatype, shape, tensor.values);
  const needed = byteLengthOf(datatype, shape);
  if (tensor.raw.length !== needed) {
    throw invalidArgument(
      `input "${name}" has ${tensor.raw.length} bytes of data, but shape ` +
        `${formatShape(shape)} of ${datatype} needs ${needed}`,
    );
  }
  return tensor.raw;
}

/**
 * Typed element values (a typed `contents` field, or JSON `data`) as raw little-endian bytes:
 * the count must match the shape and every value must be representable in the data type.
 */
export function valuesToBytes(
  name: string,
  datatype: string,
  shape: readonly number[],
  values: ArrayLike<unknown>,
): Uint8Array {
  if (!isNumeric(datatype)) {
    throw invalidArgument(`input "${name}": datatype ${datatype} is not supported`);
  }
  const expected = elementCount(shape);
  if (values.length !== expected) {
    throw invalidArgument(
      `input "${name}" has ${values.length} elements, but shape ${formatShape(shape)} needs ${expected}`,
    );
  }
  const { array, min, max } = NUMERIC[datatype];
  const integer = !datatype.startsWith('FP');
  const out = new array(expected);
  for (let i = 0; i < expected; i++) {
    const value = values[i];
    const ok =
      typeof value === 'number' &&
      (integer ? Number.isInteger(value) && value >= min && value <= max : !Number.isNaN(value));
    if (!ok) {
      throw invalidArgument(
        `input "${name}": element ${i} is ${JSON.stringify(value)}, not a ${datatype} value` +
          (integer ? ` (an integer from ${min} to ${max})` : ''),
      );
    }
    out[i] = value;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Raw little-endian bytes of a numeric tensor as numbers (REST answers carry JSON numbers). */
export function bytesToValues(datatype: string, data: Uint8Array): number[] {
  if (!isNumeric(datatype)) throw new Error(`datatype ${datatype} is not supported`);
  const { array, bytes } = NUMERIC[datatype];
  const aligned = data.byteOffset % bytes === 0 ? data : data.slice();
  return Array.from(
    new array(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.length / bytes),
  );
}

/** The bytes of a typed array as they are: host byte order, little-endian on x64 and arm64. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
