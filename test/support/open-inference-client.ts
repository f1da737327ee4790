import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { repoPath } from './paths.js';

/** The protocol's .proto as a standard client holds it. */
export const INFERENCE_PROTO = repoPath('proto/inference/grpc_predict_v2.proto');

/** A tensor of a ModelInfer answer or a ModelMetadata answer, as proto-loader gives it. */
export interface OipTensor {
  name: string;
  datatype: string;
  shape: number[];
}

export interface OipInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: OipTensor[];
  raw_output_contents: Buffer[];
}

export interface OipMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: OipTensor[];
  outputs: OipTensor[];
}

/** A client of inference.GRPCInferenceService built at run time from the .proto (no generated code). */
export interface OipClient {
  call<Response>(method: string, request: object, deadlineMs?: number): Promise<Response>;
  close(): void;
}

export function openInferenceClient(target: string): OipClient {
  const definition = loadSync(INFERENCE_PROTO, {
    keepCase: true,
    longs: Number,
    defaults: true,
    oneofs: true,
  });
  const { inference } = loadPackageDefinition(definition) as unknown as {
    inference: {
      GRPCInferenceService: new (
        target: string,
        creds: ReturnType<typeof credentials.createInsecure>,
        options: object,
      ) => Client;
    };
  };
  const client = new inference.GRPCInferenceService(target, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  type Unary = (
    request: object,
    options: { deadline: Date },
    callback: (error: ServiceError | null, response: unknown) => void,
  ) => void;
  return {
    call<Response>(method: string, request: object, deadlineMs = 20_000) {
      const fn = (client as unknown as Record<string, Unary>)[method];
      if (!fn) throw new Error(`no method ${method}`);
      return new Promise<Response>((resolve, reject) => {
        fn.call(
          client,
          request,
          { deadline: new Date(Date.now() + deadlineMs) },
          (error, response) => {
            if (error) reject(error);
            else resolve(response as Response);
          },
        );
      });
    },
    close: () => {
      client.close();
    },
  };
}

/** A raw FP32 output as numbers. */
export function float32s(bytes: Buffer): Float32Array {
  const copy = Uint8Array.from(bytes);
  return new Float32Array(copy.buffer);
}
