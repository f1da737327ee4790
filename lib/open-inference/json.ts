import { invalidArgument } from '../grpc-server/request-error.js';
import type { InferRequest, InferResponse, ParameterValue, Parameters } from './model.js';
import { bytesToValues, type InputTensor } from './tensors.js';

/** The REST side's tensors: JSON objects as the protocol's HTTP/JSON specification writes them. */
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parametersOf(value: unknown, where: string): Parameters {
  if (value === undefined) return {};
  if (!isObject(value)) throw invalidArgument(`${where}.parameters must be a JSON object`);
  const out: Record<string, ParameterValue> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') out[key] = v;
  }
  return out;
}

function stringField(object: Json, field: string, where: string): string {
  const value = object[field];
  if (typeof value !== 'string') throw invalidArgument(`${where}.${field} must be a string`);
  return value;
}

function shapeOf(object: Json, where: string): number[] {
  const { shape } = object;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) {
    throw invalidArgument(`${where}.shape must be an array of integers`);
  }
  return shape;
}

/** One JSON input tensor; `data` may be flat or nested (row-major either way). */
function inputOf(value: unknown, index: number): InputTensor {
  const where = `inputs[${index}]`;
  if (!isObject(value)) throw invalidArgument(`${where} must be a JSON object`);
  const name = stringField(value, 'name', where);
  const datatype = stringField(value, 'datatype', where);
  const shape = shapeOf(value, where);
  if (!Array.isArray(value.data)) {
    throw invalidArgument(`input "${name}" has no data: set its "data" to an array of numbers`);
  }
  return { name, datatype, shape, values: (value.data as unknown[]).flat(Infinity) };
}

/** A REST inference request body in the transport-neutral form. */
export function inferRequestFromJson(
  body: unknown,
  modelName: string,
  modelVersion: string,
): InferRequest {
  if (!isObject(body)) throw invalidArgument('the body must be a JSON object with "inputs"');
  const { inputs, outputs = [], id = '' } = body;
  if (!Array.isArray(inputs)) throw invalidArgument('"inputs" must be an array of tensors');
  if (!Array.isArray(outputs)) throw invalidArgument('"outputs" must be an array');
  if (typeof id !== 'string') throw invalidArgument('"id" must be a string');
  return {
    modelName,
    modelVersion,
    id,
    parameters: parametersOf(body.parameters, 'request'),
    inputs: inputs.map(inputOf),
    outputs: outputs.map((output: unknown, i) => {
      const where = `outputs[${i}]`;
      if (!isObject(output)) throw invalidArgument(`${where} must be a JSON object`);
      return {
        name: stringField(output, 'name', where),
        parameters: parametersOf(output.parameters, where),
      };
    }),
  };
}

/** The answer as the REST inference response: every output's elements as a flat JSON array. */
export function inferResponseToJson(response: InferResponse): Json {
  return {
    model_name: response.modelName,
    model_version: response.modelVersion,
    ...(response.id === '' ? {} : { id: response.id }),
    outputs: response.outputs.map(({ name, datatype, shape, data }) => ({
      name,
      datatype,
      shape,
      data: bytesToValues(datatype, data),
    })),
  };
}
