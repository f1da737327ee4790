/**
 * npm run eval -- [--data DIR] [--model detector|classifier|both] [--check] [--tolerance 0.01]
 *                 [--json FILE] [--negatives DIR] [--update-cards]
 *
 * Runs the shipped models over the val split (splits.csv) of DIR (default
 * ../shared/data/banana-ripening) with the services' own preprocessing code and prints detector
 * precision/recall/mAP and classifier top-1, within-one-stage accuracy and confusion matrix.
 * --negatives DIR also runs the detector over every photo under DIR (photos without bananas) and
 * reports negative_rate, the fraction of them with any detection at the card's confidence.
 * --check exits 1 when a metric falls below the model card's value minus the tolerance.
 * --realworld DIR (or $BANANA_REALWORLD_DIR) also runs both models over the real-world photo sets
 * of DIR/manifest.json (models/data/fetch_realworld.py): see realworld.ts.
 * --update-cards writes the measured numbers into the cards' metrics.val (after training), and
 * the real-world report into metrics.realworld of both cards.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClassifierCard, loadDetectorCard } from '../../lib/model-card/index.js';
import { readCli } from '../../scripts/lib/cli.js';
import { EVAL_USAGE, parseEvalArgs } from './args.js';
import { classificationReport } from './classification-metrics.js';
import { compareWithCard, type ClassifierMetrics, type DetectorMetrics } from './compare.js';
import { cropSamples, detectionSamples, photosUnder } from './dataset.js';
import { detectionReport } from './detection-metrics.js';
import { formatConfusion } from './format.js';
import { evaluateRealWorld } from './realworld.js';
import { COARSE_RIPENESS, ripenessIndex, spearman } from './realworld-metrics.js';
import { SHIPPED_DATA } from '../../scripts/lib/repo-root.js';
import {
  countPhotosWithDetections,
  openSession,
  runClassifier,
  runDetector,
} from './run-models.js';

const repoPath = (relative: string) =>
  resolve(fileURLToPath(new URL('../..', import.meta.url)), relative);
const CARD = {
  detector: repoPath('models/detector.json'),
  classifier: repoPath('models/classifier.json'),
};

async function evaluateDetector(dataDir: string, negatives?: string): Promise<DetectorMetrics> {
  const card = await loadDetectorCard(CARD.detector);
  const samples = await detectionSamples(dataDir);
  console.log(`detector ${card.name} ${card.version}: ${samples.length} val images`);
  const started = Date.now();
  const session = await openSession(repoPath('models/detector.onnx'));
  const detections = await runDetector(session, card, samples, (n) => {
    if (n % 200 === 0) console.log(`  ${n}/${samples.length}`);
  });
  const report = detectionReport(detections, card.thresholds.confidence);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `  precision ${report.precision.toFixed(4)}  recall ${report.recall.toFixed(4)}` +
      `  duplicate rate ${report.duplicate_rate.toFixed(4)}` +
      `  (confidence >= ${card.thresholds.confidence}, IoU 0.5)\n` +
      `  mAP@0.5 ${report.map50.toFixed(4)}  mAP@0.5:0.95 ${report.map50_95.toFixed(4)}  (${seconds} s)`,
  );
  if (negatives === undefined) return { ...report, images: samples.length };
  const photos = await photosUnder(negatives);
  if (photos.length === 0) throw new Error(`--negatives: no JPEG or PNG photos under ${negatives}`);
  const hits = await countPhotosWithDetections(session, card, photos);
  const negativeRate = hits / photos.length;
  console.log(
    `  photos without bananas: ${hits}/${photos.length} with any detection` +
      ` (negative rate ${negativeRate.toFixed(4)}, confidence >= ${card.thresholds.confidence})`,
  );
  return {
    ...report,
    images: samples.length,
    negative_rate: negativeRate,
    negative_images: photos.length,
  };
}

async function evaluateClassifier(dataDir: string): Promise<ClassifierMetrics> {
  const card = await loadClassifierCard(CARD.classifier);
  const samples = await cropSamples(dataDir, card.classes);
  console.log(`classifier ${card.name} ${card.version}: ${samples.length} val crops`);
  const session = await openSession(repoPath('models/classifier.onnx'));
  const results = await runClassifier(session, card, samples);
  const truth = samples.map((s) => s.classIndex);
  const report = classificationReport(
    truth,
    results.map((r) => r.index),
    card.classes.length,
  );
  const index = spearman(
    results.map((r) => ripenessIndex(r.probabilities)),
    truth,
  );
  console.log(
    `  top-1 ${report.top1.toFixed(4)}  within one stage ${report.withinOneStage.toFixed(4)}` +
      `  ripeness index (expected stage) Spearman ${index.toFixed(4)}`,
  );
  console.log(formatConfusion(report.confusion, card.classes));
  return {
    top1: report.top1,
    within_one_stage: report.withinOneStage,
    ripeness_index_spearman: index,
    crops: samples.length,
    confusion_matrix: report.confusion,
  };
}

/** The classifier card's `output.reject` ("not a banana" output name and threshold), if any. */
function rejectOf(card: Record<string, unknown>): { name: string; threshold: number } | undefined {
  const reject = (card.output as Record<string, unknown> | undefined)?.reject as
    Record<string, unknown> | undefined;
  if (reject === undefined) return undefined;
  const { name, threshold } = reject;
  if (
    typeof name !== 'string' ||
    typeof threshold !== 'number' ||
    !(threshold > 0 && threshold < 1)
  ) {
    throw new Error('classifier card: output.reject needs a name and a threshold in (0, 1)');
  }
  return { name, threshold };
}

async function evaluateRealWorldSets(dir: string): Promise<Record<string, object>> {
  const detectorCard = await loadDetectorCard(CARD.detector);
  const classifierCard = await loadClassifierCard(CARD.classifier);
  console.log(
    `real-world sets of ${dir} (detector ${detectorCard.version}, classifier ${classifierCard.version})`,
  );
  const report = await evaluateRealWorld(dir, {
    detector: await openSession(repoPath('models/detector.onnx')),
    detectorCard,
    classifier: await openSession(repoPath('models/classifier.onnx')),
    classifierCard,
    reject: rejectOf(await readJson(CARD.classifier)),
  });
  for (const [name, r] of Object.entries(report)) {
    const confusion = (r as { coarse_ripeness_confusion?: number[][] }).coarse_ripeness_confusion;
    if (confusion)
      console.log(`  ${name} coarse ripeness\n${formatConfusion(confusion, COARSE_RIPENESS)}`);
  }
  return report;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

const rounded = (value: object): unknown =>
  JSON.parse(
    JSON.stringify(value, (_, v: unknown) =>
      typeof v === 'number' ? Math.round(v * 1e4) / 1e4 : v,
    ),
  );

/**
 * Writes the measured figures into a card: metrics.val, and metrics.realworld.sets (the
 * hand-written description of the real-world sources beside them is kept).
 */
async function recordInCard(path: string, val?: object, realworld?: object): Promise<void> {
  const card = await readJson(path);
  const metrics = (card.metrics ?? {}) as Record<string, unknown>;
  card.metrics = {
    ...metrics,
    ...(val ? { val: rounded(val) } : {}),
    ...(realworld
      ? { realworld: { ...(metrics.realworld as object), sets: rounded(realworld) } }
      : {}),
  };
  await writeFile(path, `${JSON.stringify(card, null, 2)}\n`);
}

async function main(): Promise<number> {
  const values = readCli(EVAL_USAGE, (argv) => parseEvalArgs(argv, process.env, SHIPPED_DATA));
  const dataDir = resolve(values.data);
  if (!existsSync(resolve(dataDir, 'splits.csv'))) {
    console.error(`eval: no dataset at ${dataDir} (expected splits.csv there); pass --data DIR`);
    return 2;
  }
  const models = values.model === 'both' ? (['detector', 'classifier'] as const) : [values.model];
  const measured: Record<string, object> = {};
  for (const model of models) {
    if (model === 'detector') measured.detector = await evaluateDetector(dataDir, values.negatives);
    else measured.classifier = await evaluateClassifier(dataDir);
  }
  const realworld = values.realworld ? await evaluateRealWorldSets(values.realworld) : undefined;
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify({ ...measured, realworld }, null, 1)}\n`);
  }
  const failures: string[] = [];
  for (const [model, metrics] of Object.entries(measured)) {
    const path = model === 'detector' ? CARD.detector : CARD.classifier;
    if (values['update-cards']) await recordInCard(path, metrics, realworld);
    if (values.check) {
      failures.push(
        ...compareWithCard(model, metrics, await readJson(path), Number(values.tolerance)),
      );
    }
  }
  if (values['update-cards'])
    console.log(`wrote metrics.val into the cards of ${models.join(', ')}`);
  for (const f of failures) console.error(`eval check FAILED: ${f}`);
  if (values.check && failures.length === 0)
    console.log(`eval check passed (tolerance ${values.tolerance})`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
