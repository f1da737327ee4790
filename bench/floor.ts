/**
 * floor: the whole pipeline in one process with no network (bench/harness/floor-pipeline.ts),
 * per photo size. The in-process limit the deployed system is compared with.
 */
import type { BenchContext } from './harness/context.js';
import {
  type FloorRequest,
  startFloorPipeline,
  type FloorPipeline,
  type FloorResult,
  type FloorStage,
} from './harness/floor-pipeline.js';
import type { BenchPhoto } from './harness/photos.js';
import { writeResult } from './harness/results.js';
import { median, rounded, summarize, type LatencySummary } from '../scripts/lib/stats.js';
import { printTables, type Table } from './harness/table.js';

export interface FloorPhotoResult {
  photo: string;
  bytes: number;
  latencyMs: LatencySummary;
  stageMedianMs: Record<FloorStage, number>;
}

/** The request the floor and the end-to-end runs both make: every photo's bananas become detections. */
/** The floor's request for a photo; `timeLimit: false` for throughput and CPU (FloorRequest). */
export function floorRequest(photo: BenchPhoto, timeLimit = true): FloorRequest {
  return {
    jpeg: photo.jpeg,
    minConfidence: 0,
    maxDetections: photo.bananas,
    quality: 85,
    timeLimit,
  };
}

export async function measureFloorPhoto(
  floor: FloorPipeline,
  photo: BenchPhoto,
  samples: number,
): Promise<FloorPhotoResult> {
  for (let i = 0; i < 2; i++) await floor.run(floorRequest(photo));
  const runs: FloorResult[] = [];
  for (let i = 0; i < samples; i++) runs.push(await floor.run(floorRequest(photo)));
  const stages = Object.keys(runs[0]?.timingsMs ?? {}) as FloorStage[];
  return {
    photo: photo.name,
    bytes: photo.jpeg.length,
    latencyMs: rounded(summarize(runs.map((r) => r.totalMs))),
    stageMedianMs: Object.fromEntries(
      stages.map((stage) => [
        stage,
        Math.round(median(runs.map((r) => r.timingsMs[stage])) * 10) / 10,
      ]),
    ) as Record<FloorStage, number>,
  };
}

export async function runFloor(context: BenchContext): Promise<FloorPhotoResult[]> {
  const photos = await context.photos();
  const floor = await startFloorPipeline({ intraOpThreads: context.intraOpThreads });
  const results: FloorPhotoResult[] = [];
  try {
    for (const photo of photos) {
      const samples = photo.width >= 3000 ? context.scale(8, 3) : context.scale(20, 4);
      results.push(await measureFloorPhoto(floor, photo, samples));
    }
  } finally {
    await floor.close();
  }
  printTables(floorTables({ photos: results }));
  writeResult(
    'floor',
    {
      intraOpThreads: context.intraOpThreads,
      quick: context.quick,
      request: 'min_confidence=0, max_detections=<bananas>, JPEG quality 85',
    },
    { photos: results },
  );
  return results;
}

export function floorTables(results: { photos: FloorPhotoResult[] }): Table[] {
  return [
    {
      title: 'floor: whole pipeline in one process, no network (ms)',
      header: ['photo', 'KiB', 'p50', 'p95', 'decode', 'detect', 'classify', 'draw', 'encode'],
      rows: results.photos.map((r) => [
        r.photo,
        Math.round(r.bytes / 1024),
        r.latencyMs.p50,
        r.latencyMs.p95,
        r.stageMedianMs.decode,
        r.stageMedianMs.detect,
        r.stageMedianMs.classify,
        r.stageMedianMs.draw,
        r.stageMedianMs.encode,
      ]),
    },
  ];
}
