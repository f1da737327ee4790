/**
 * camera: the page's live camera mode at 640x480, as the page runs it: grab a frame, encode it
 * as JPEG (quality 0.8, as canvas.toBlob), POST it with format=none, read the JSON answer, and
 * only then the next frame (one request in flight). Frames per second over a fixed time against
 * the compiled stack, each frame with the same number of bananas to classify.
 */
import type { Agent } from 'node:http';
import sharp from 'sharp';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { createAgent, postImage } from '../scripts/lib/http-client.js';
import { startProcessStack } from '../scripts/lib/process-stack.js';
import { writeResult } from './harness/results.js';
import { rounded, summarize } from '../scripts/lib/stats.js';
import { printTables, type Table } from './harness/table.js';

export const CAMERA_FRAME = { width: 640, height: 480 } as const;
/** Bananas in view (and classified) in every frame. */
export const BANANAS_PER_FRAME = 4;
const JPEG_QUALITY = 80;
const WARM_UP_FRAMES = 5;
const TARGET_FPS = 10;

export interface CameraResult {
  frames: number;
  seconds: number;
  fps: number;
  /** Encode + request + JSON parse of one frame. */
  frameMs: ReturnType<typeof summarize>;
  encodeMs: ReturnType<typeof summarize>;
  meetsTarget: boolean;
}

export async function runCamera(context: BenchContext): Promise<CameraResult> {
  const frames = await cameraFrames(context);
  await ensureBuilt();
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: { INTRA_OP_THREADS: String(context.intraOpThreads) },
  });
  const url = `${stack.url}/?format=none&min_confidence=0&max_detections=${BANANAS_PER_FRAME}`;
  const agent = createAgent(1);
  const durationMs = context.scale(20_000, 5_000);
  const analyse = (index: number) =>
    analyseFrame(url, agent, frames[index % frames.length] ?? Buffer.alloc(0));
  let result: CameraResult;
  try {
    for (let i = 0; i < WARM_UP_FRAMES; i++) await analyse(i);
    result = await analyseFor(durationMs, analyse);
  } finally {
    await stack.stop();
  }
  printTables([cameraTable(result)]);
  writeResult(
    'camera',
    {
      frame: CAMERA_FRAME,
      bananasPerFrame: BANANAS_PER_FRAME,
      jpegQuality: JPEG_QUALITY,
      durationMs,
      targetFps: TARGET_FPS,
      intraOpThreads: context.intraOpThreads,
      quick: context.quick,
    },
    rounded(result),
  );
  return result;
}

/** A few different frames, decoded once: the camera delivers raw pixels. */
function cameraFrames(context: BenchContext): Promise<Buffer[]> {
  return Promise.all(
    [1, 2, 3].map(async (seed) => {
      const photo = await context.photo({ ...CAMERA_FRAME, bananas: BANANAS_PER_FRAME, seed });
      return sharp(photo.jpeg).raw().toBuffer();
    }),
  );
}

/**
 * One frame as the page sends it: encoded as JPEG, posted, its JSON answer read and checked.
 * Returns the time of the whole frame and of its encode (ms).
 */
async function analyseFrame(
  url: string,
  agent: Agent,
  raw: Buffer,
): Promise<{ total: number; encode: number }> {
  const started = performance.now();
  const jpeg = await sharp(raw, { raw: { ...CAMERA_FRAME, channels: 3 } })
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
  const encoded = performance.now();
  const result = await postImage(url, jpeg, { agent });
  if (result.status !== 200)
    throw new Error(`HTTP ${result.status}: ${result.body.toString().slice(0, 300)}`);
  const answer = JSON.parse(result.body.toString()) as { detections: unknown[] };
  if (answer.detections.length !== BANANAS_PER_FRAME)
    throw new Error(`${answer.detections.length} detections, expected ${BANANAS_PER_FRAME}`);
  return { total: performance.now() - started, encode: encoded - started };
}

/** Frames one after another, each after the previous answer, for `durationMs`. */
async function analyseFor(
  durationMs: number,
  analyse: (index: number) => Promise<{ total: number; encode: number }>,
): Promise<CameraResult> {
  const frameMs: number[] = [];
  const encodeMs: number[] = [];
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < durationMs) {
    const { total, encode } = await analyse(count++);
    frameMs.push(total);
    encodeMs.push(encode);
  }
  const seconds = (performance.now() - started) / 1000;
  const fps = count / seconds;
  return {
    frames: count,
    seconds,
    fps,
    frameMs: rounded(summarize(frameMs)),
    encodeMs: rounded(summarize(encodeMs)),
    meetsTarget: fps >= TARGET_FPS,
  };
}

function cameraTable(result: CameraResult): Table {
  return {
    title: `camera mode: ${CAMERA_FRAME.width}x${CAMERA_FRAME.height} frames, ${BANANAS_PER_FRAME} bananas each, one request in flight (target >= ${TARGET_FPS} frames/s)`,
    header: [
      'frames',
      's',
      'frames/s',
      'frame p50 ms',
      'frame p95 ms',
      'encode p50 ms',
      'target met',
    ],
    rows: [
      [
        result.frames,
        result.seconds,
        result.fps,
        result.frameMs.p50,
        result.frameMs.p95,
        result.encodeMs.p50,
        result.meetsTarget,
      ],
    ],
  };
}
