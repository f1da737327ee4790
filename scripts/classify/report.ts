/**
 * The crate report of `npm run classify -- DIR --out results.csv --report report.html`: one
 * self-contained HTML file (styles, histogram and thumbnails inline, no script, nothing
 * fetched) built from the results file: bananas per stage, a histogram of the ripeness index,
 * the photos worst first (highest ripeness index) with their boxes drawn by lib/drawing, and
 * the photos that failed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { drawAnnotations, encodeJpeg } from '../../lib/drawing/annotate.js';
import { stageColour, stageText } from '../../lib/drawing/labels.js';
import { escapeXml as html } from '../../lib/drawing/label-svg.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../lib/config/index.js';
import { decodeResized, readImageSize } from '../../lib/vision/index.js';
import { runLoad } from '../lib/load.js';
import type { ResultRow } from './results-file.js';

/** Longest side of a thumbnail: 1,000 photos stay near 20 MB. */
export const THUMBNAIL_SIZE = 360;
const THUMBNAIL_QUALITY = 70;
/** The function's own image limit: a photo it graded decodes here too. */
const LIMITS = { maxPixels: DEFAULT_MAX_IMAGE_PIXELS };
/** Width of a histogram bin, in ripeness-index units. */
export const BIN_WIDTH = 0.5;

export interface PhotoSummary {
  file: string;
  bananas: ResultRow[];
  /** Highest ripeness index of its bananas; -1 without any. */
  worst: number;
}

export interface ReportSummary {
  stages: readonly string[];
  photos: PhotoSummary[];
  failures: Array<{ file: string; error: string }>;
  bananasPerStage: Record<string, number>;
  bananas: number;
  /** Bananas per ripeness-index bin [i * BIN_WIDTH, (i + 1) * BIN_WIDTH); the last bin includes its end. */
  histogram: number[];
}

/**
 * The report's numbers from the results rows of the batch's photos (for a photo graded again,
 * the rows of its latest grading), worst photo first.
 */
export function summarizeRows(
  rows: readonly ResultRow[],
  stages: readonly string[],
): ReportSummary {
  const latest = new Map<string, ResultRow[]>();
  for (const row of rows) {
    const kept = latest.get(row.file);
    if (kept === undefined || kept[0]?.photo_sha256 !== row.photo_sha256)
      latest.set(row.file, [row]);
    else kept.push(row);
  }
  const bins = Math.max(1, Math.ceil((stages.length - 1) / BIN_WIDTH));
  const summary: ReportSummary = {
    stages,
    photos: [],
    failures: [],
    bananasPerStage: Object.fromEntries(stages.map((stage) => [stage, 0])),
    bananas: 0,
    histogram: new Array<number>(bins).fill(0),
  };
  for (const [file, photoRows] of latest) {
    const failed = photoRows.find((row) => row.error !== null);
    if (failed) {
      summary.failures.push({ file, error: failed.error ?? '' });
      continue;
    }
    const bananas = photoRows.filter((row) => row.banana !== null);
    for (const banana of bananas) {
      if (banana.stage !== null) {
        summary.bananasPerStage[banana.stage] = (summary.bananasPerStage[banana.stage] ?? 0) + 1;
      }
      const index = banana.ripeness_index ?? 0;
      const bin = Math.min(bins - 1, Math.floor(index / BIN_WIDTH));
      summary.histogram[bin] = (summary.histogram[bin] ?? 0) + 1;
    }
    summary.bananas += bananas.length;
    const worst = Math.max(-1, ...bananas.map((b) => b.ripeness_index ?? 0));
    summary.photos.push({ file, bananas, worst });
  }
  summary.photos.sort((a, b) => b.worst - a.worst || a.file.localeCompare(b.file));
  summary.failures.sort((a, b) => a.file.localeCompare(b.file));
  return summary;
}

/** The photo at `path`, EXIF-oriented, shrunk to THUMBNAIL_SIZE, its boxes drawn; JPEG. */
export async function thumbnail(
  path: string,
  photo: PhotoSummary,
  stages: readonly string[],
): Promise<Buffer> {
  const bytes = await readFile(path);
  const source = await readImageSize(bytes, LIMITS);
  const scale = Math.min(1, THUMBNAIL_SIZE / Math.max(source.width, source.height));
  const size = {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  };
  const image = await decodeResized(bytes, size, 'linear', LIMITS);
  const annotations = photo.bananas.map((row) => ({
    box: {
      xMin: ((row.x_min ?? 0) * size.width) / source.width,
      yMin: ((row.y_min ?? 0) * size.height) / source.height,
      xMax: ((row.x_max ?? 0) * size.width) / source.width,
      yMax: ((row.y_max ?? 0) * size.height) / source.height,
    },
    colour: stageColour(Math.max(0, stages.indexOf(row.stage ?? '')), stages.length),
    stageLabel: stageText(row.stage ?? ''),
    detectionConfidence: row.detection_confidence ?? 0,
  }));
  return encodeJpeg(await drawAnnotations(image, annotations), THUMBNAIL_QUALITY);
}

function stageTable(summary: ReportSummary): string {
  const rows = summary.stages.map((stage, i) => {
    const count = summary.bananasPerStage[stage] ?? 0;
    const share = summary.bananas === 0 ? 0 : (100 * count) / summary.bananas;
    return `<tr data-stage="${html(stage)}"><td><span class="swatch" style="background:${stageColour(i, summary.stages.length)}"></span>${html(stageText(stage))}</td><td class="count">${count}</td><td>${share.toFixed(1)}%</td></tr>`;
  });
  return `<table id="stages"><thead><tr><th>stage</th><th>bananas</th><th>share</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function histogramSvg(summary: ReportSummary): string {
  const { histogram } = summary;
  const [width, height, bar] = [40 * histogram.length, 140, 40];
  const top = Math.max(1, ...histogram);
  const bars = histogram.map((count, i) => {
    const h = Math.round((count / top) * (height - 30));
    const from = (i * BIN_WIDTH).toFixed(1);
    const colour = stageColour(Math.floor(i * BIN_WIDTH + BIN_WIDTH / 2), summary.stages.length);
    return `<g class="bin" data-from="${from}" data-count="${count}"><rect x="${i * bar + 4}" y="${height - 16 - h}" width="${bar - 8}" height="${h}" fill="${colour}"/><text x="${i * bar + bar / 2}" y="${height - 20 - h}" text-anchor="middle">${count}</text><text x="${i * bar + bar / 2}" y="${height - 2}" text-anchor="middle">${from}</text></g>`;
  });
  return `<svg id="histogram" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="bananas per ripeness index">${bars.join('')}</svg>`;
}

function photoFigure(photo: PhotoSummary, jpeg: Buffer | undefined): string {
  const counts = new Map<string, number>();
  for (const row of photo.bananas)
    counts.set(row.stage ?? '', (counts.get(row.stage ?? '') ?? 0) + 1);
  const stagesText = [...counts].map(([stage, n]) => `${n} ${stageText(stage)}`).join(', ');
  const caption =
    photo.bananas.length === 0
      ? 'no banana found'
      : `${photo.bananas.length} ${photo.bananas.length === 1 ? 'banana' : 'bananas'}: ${stagesText}; ripeness index up to ${photo.worst.toFixed(2)}`;
  const image = jpeg
    ? `<img src="data:image/jpeg;base64,${jpeg.toString('base64')}" alt="${html(photo.file)} with its bananas outlined">`
    : '<p class="missing">photo not found</p>';
  return `<figure class="photo" data-file="${html(photo.file)}" data-bananas="${photo.bananas.length}" data-worst="${photo.worst}">${image}<figcaption><b>${html(photo.file)}</b><br>${html(caption)}</figcaption></figure>`;
}

const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse}td,th{padding:.2rem .8rem;text-align:left;border-bottom:1px solid #ddd}
.swatch{display:inline-block;width:.9rem;height:.9rem;margin-right:.4rem;vertical-align:middle;border:1px solid #0003}
#histogram text{font-size:11px}#photos{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0;width:${THUMBNAIL_SIZE}px}figure img{max-width:100%;display:block}figcaption{font-size:13px}`;

/** The whole report: one HTML document, every image inline. */
export function renderReport(
  summary: ReportSummary,
  thumbnails: ReadonlyMap<string, Buffer>,
  about: { title: string; generated: string },
): string {
  const failures = summary.failures.map(
    (f) => `<li data-file="${html(f.file)}"><b>${html(f.file)}</b>: ${html(f.error)}</li>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${html(about.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><h1>${html(about.title)}</h1>
<p id="totals"><span id="photo-count">${summary.photos.length}</span> photos graded, <span id="banana-count">${summary.bananas}</span> bananas, <span id="failure-count">${summary.failures.length}</span> failed. Generated ${html(about.generated)}.</p>
<h2>Bananas per stage</h2>${stageTable(summary)}
<h2>Ripeness index</h2><p>Bananas per ripeness index (0 = ${html(stageText(summary.stages[0] ?? ''))}, ${summary.stages.length - 1} = ${html(stageText(summary.stages.at(-1) ?? ''))}).</p>${histogramSvg(summary)}
<h2>Photos, ripest first</h2><div id="photos">${summary.photos.map((p) => photoFigure(p, thumbnails.get(p.file))).join('')}</div>
<h2>Failed photos</h2>${failures.length === 0 ? '<p>None.</p>' : `<ul id="failures">${failures.join('')}</ul>`}
</body></html>
`;
}

export interface WriteReportOptions {
  reportPath: string;
  /** The batch's photos: their paths, and the names the results file gives them. */
  photos: ReadonlyArray<{ path: string; file: string }>;
  rows: readonly ResultRow[];
  stages: readonly string[];
  title: string;
}

/** Builds the report of the batch's photos (thumbnails four at a time) and writes it. */
export async function writeReport(
  options: WriteReportOptions,
): Promise<{ bytes: number; photos: number }> {
  const inBatch = new Map(options.photos.map((p) => [p.file, p.path]));
  const summary = summarizeRows(
    options.rows.filter((row) => inBatch.has(row.file)),
    options.stages,
  );
  const thumbnails = new Map<string, Buffer>();
  await runLoad({
    concurrency: 4,
    requests: summary.photos.length,
    async send(index) {
      const photo = summary.photos[index];
      const path = photo && inBatch.get(photo.file);
      if (!photo || path === undefined) return false;
      thumbnails.set(photo.file, await thumbnail(path, photo, options.stages));
      return true;
    },
  });
  const text = renderReport(summary, thumbnails, {
    title: options.title,
    generated: new Date().toISOString().slice(0, 16).replace('T', ' '),
  });
  await writeFile(options.reportPath, text);
  return { bytes: Buffer.byteLength(text), photos: summary.photos.length };
}
