import { status } from '@grpc/grpc-js';
import { RequestError } from '../grpc-server/request-error.js';
import type { InputTensor, RawTensor, TensorMetadata } from './tensors.js';

/** A parameter value: the protocol's InferParameter, or a JSON scalar over REST. */
export type ParameterValue = boolean | number | string;
export type Parameters = Readonly<Record<string, ParameterValue>>;

/** An output the caller asks for, with its parameters. */
export interface RequestedOutput {
  name: string;
  parameters: Parameters;
}

/**
 * ModelInfer, transport-neutral: both the gRPC and the REST side turn their request into this
 * (inputs as raw bytes or typed values) and the answer back into their own form.
 */
export interface InferRequest {
  modelName: string;
  modelVersion: string;
  id: string;
  parameters: Parameters;
  inputs: InputTensor[];
  /** Empty: the model's default outputs. */
  outputs: RequestedOutput[];
}

export interface InferResponse {
  modelName: string;
  modelVersion: string;
  id: string;
  outputs: RawTensor[];
}

/** ModelMetadata's answer. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** The defaults of the request parameters the model takes, and where they come from. */
  parameters?: Parameters;
}

/** A model the protocol serves. */
export interface InferenceModel {
  metadata: ModelMetadata;
  version: string;
  /** Runs the model; `signal` aborts when the call is cancelled or its deadline passes. */
  infer(request: InferRequest, signal: AbortSignal): Promise<InferResponse>;
}

export function notFound(message: string): RequestError {
  return new RequestError(status.NOT_FOUND, message);
}
