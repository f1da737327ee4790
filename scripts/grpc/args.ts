import { parseArgs } from 'node:util';
import { integerFlag, UsageError, userPath } from '../lib/cli.js';
import { inferArgs, type OipCommand } from './open-inference-args.js';

export type GrpcCommand =
  | { command: 'list'; addr: string; deadlineMs: number }
  | { command: 'health'; addr: string; deadlineMs: number; service: string }
  | { command: 'detect'; addr: string; deadlineMs: number; photo: string; minConfidence?: number }
  | { command: 'classify'; addr: string; deadlineMs: number; crops: string[] }
  | OipCommand;

export const DETECTOR_ADDR = '127.0.0.1:50051';
export const CLASSIFIER_ADDR = '127.0.0.1:50052';
const CLASSIFIER_MODEL = 'banana-ripeness-classifier';

export const GRPC_USAGE = `Usage: npm run grpc -- <command> [options]
Calls a model service over gRPC and prints the answer as JSON (no grpcurl or .proto files needed).

Commands:
  list                  the services the server offers (server reflection)
  health [SERVICE]      grpc.health.v1 status of SERVICE (default "": the whole server);
                        exits 1 unless SERVING
  detect PHOTO          banana.v1.Detector/Detect: the bananas in a JPEG, PNG or WebP photo
  classify CROP...      banana.v1.Classifier/Classify: the ripeness stage of each crop
  metadata              Open Inference Protocol ModelMetadata of --model: its tensors
  infer IMAGE...        Open Inference Protocol ModelInfer of --model on the images
                        (letterboxed to its input size, sent as raw UINT8 tensors)

Options:
  --addr HOST:PORT      the server (default ${DETECTOR_ADDR}; classify: ${CLASSIFIER_ADDR})
  --min-confidence X    detect: drop detections below X (0..1; default the model card's)
  --model NAME          metadata, infer: the model (default banana-detector; with
                        banana-ripeness-classifier the default address is ${CLASSIFIER_ADDR})
  --output NAME         infer: an output to return (repeatable; default the model's own,
                        e.g. head; the detector also has detections)
  --param KEY=VALUE     infer: a request parameter (repeatable), e.g. confidence=0.5,
                        iou=0.4, max_detections=10 for detections
  --rest URL            metadata, infer: over the Open Inference REST API at URL (the
                        service's metrics port, e.g. http://127.0.0.1:9091) instead of gRPC
  --deadline-ms N       deadline of the call (default 10000)
  -h, --help            show this help`;

export function parseGrpcArgs(
  argv: string[],
  env: Record<string, string | undefined>,
): GrpcCommand {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      addr: { type: 'string' },
      'min-confidence': { type: 'string' },
      'deadline-ms': { type: 'string', default: '10000' },
      model: { type: 'string' },
      output: { type: 'string', multiple: true },
      param: { type: 'string', multiple: true },
      rest: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [command, ...rest] = positionals;
  const deadlineMs = integerFlag('--deadline-ms', values['deadline-ms'], 1, 3_600_000);
  const oip = inferArgs(command, rest, values, env);
  const classifier = command === 'classify' || oip?.model === CLASSIFIER_MODEL;
  const addr = values.addr ?? (classifier ? CLASSIFIER_ADDR : DETECTOR_ADDR);
  if (oip) return { ...oip, addr, deadlineMs };
  if (values['min-confidence'] !== undefined && command !== 'detect') {
    throw new UsageError('--min-confidence applies to detect only');
  }
  const extra = (max: number): void => {
    if (rest.length > max)
      throw new UsageError(`${command}: unexpected ${rest.slice(max).join(' ')}`);
  };
  switch (command) {
    case 'list':
      extra(0);
      return { command, addr, deadlineMs };
    case 'health':
      extra(1);
      return { command, addr, deadlineMs, service: rest[0] ?? '' };
    case 'detect': {
      extra(1);
      if (rest[0] === undefined) throw new UsageError('detect: which photo? give its path');
      const text = values['min-confidence'];
      const minConfidence = text === undefined ? undefined : Number(text);
      if (
        minConfidence !== undefined &&
        !(text?.trim() !== '' && minConfidence >= 0 && minConfidence <= 1)
      ) {
        throw new UsageError(`--min-confidence needs a number from 0 to 1, got ${text}`);
      }
      return { command, addr, deadlineMs, photo: userPath(rest[0], env), minConfidence };
    }
    case 'classify':
      if (rest.length === 0) throw new UsageError('classify: which crops? give their paths');
      return { command, addr, deadlineMs, crops: rest.map((path) => userPath(path, env)) };
    case undefined:
      throw new UsageError('which command? list, health, detect, classify, metadata or infer');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
