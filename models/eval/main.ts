/**
 * npm run eval -- [--data DIR] [--check] [--tolerance 0.01] [--json FILE]
 *
 * Runs both shipped models over the val split (splits.csv) of DIR (default
 * ../shared/data/banana-ripening) with the services' preprocessing code and prints detector
 * precision/recall/mAP and classifier top-1, within-one-stage accuracy and confusion matrix.
 * --check exits 1 when a metric falls below the model card's value minus the tolerance.
 * --update-cards writes the measured numbers into the cards' metrics.val (after training).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadClassifierCard, loadDetectorCard } from '../../lib/model-card/index.js';
import { classificationReport } from './classification-metrics.js';
import { cropSamples, detectionSamples } from './dataset.js';
import { detectionReport } from './detection-metrics.js';
import { compareWithCards, type EvalMetrics } from './compare.js';
import { formatConfusion } from './format.js';
import { openSession, runClassifier, runDetector } from './run-models.js';

const modelsDir = fileURLToPath(new URL('../', import.meta.url));
const repoPath = (relative: string) => resolve(modelsDir, '..', relative);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: repoPath('../shared/data/banana-ripening') },
      check: { type: 'boolean', default: false },
      tolerance: { type: 'string', default: '0.01' },
      json: { type: 'string' },
      'update-cards': { type: 'boolean', default: false },
    },
  });
  const dataDir = resolve(values.data);
  if (!existsSync(resolve(dataDir, 'splits.csv'))) {
    console.error(`eval: no dataset at ${dataDir} (expected splits.csv there); pass --data DIR`);
    return 2;
  }
  const detectorCard = await loadDetectorCard(repoPath('models/detector.json'));
  const classifierCard = await loadClassifierCard(repoPath('models/classifier.json'));

  const detSamples = await detectionSamples(dataDir);
  console.log(`detector ${detectorCard.name} ${detectorCard.version}: ${detSamples.length} val images`);
  const started = Date.now();
  const detector = await openSession(repoPath('models/detector.onnx'));
  const detections = await runDetector(detector, detectorCard, detSamples, (n) => {
    if (n % 200 === 0) console.log(`  ${n}/${detSamples.length}`);
  });
  const det = detectionReport(detections, detectorCard.thresholds.confidence);
  console.log(
    `  precision ${det.precision.toFixed(4)}  recall ${det.recall.toFixed(4)} (confidence >= ${detectorCard.thresholds.confidence}, IoU 0.5)` +
      `\n  mAP@0.5 ${det.map50.toFixed(4)}  mAP@0.5:0.95 ${det.map50_95.toFixed(4)}  (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );

  const crops = await cropSamples(dataDir, classifierCard.classes);
  console.log(`classifier ${classifierCard.name} ${classifierCard.version}: ${crops.length} val crops`);
  const classifier = await openSession(repoPath('models/classifier.onnx'));
  const predicted = await runClassifier(classifier, classifierCard, crops);
  const cls = classificationReport(
    crops.map((c) => c.classIndex),
    predicted,
    classifierCard.classes.length,
  );
  console.log(`  top-1 ${cls.top1.toFixed(4)}  within one stage ${cls.withinOneStage.toFixed(4)}`);
  console.log(formatConfusion(cls.confusion, classifierCard.classes));

  const metrics: EvalMetrics = {
    detector: { ...det, images: detSamples.length },
    classifier: { top1: cls.top1, within_one_stage: cls.withinOneStage, crops: crops.length, confusion_matrix: cls.confusion },
  };
  if (values.json) await writeFile(values.json, `${JSON.stringify(metrics, null, 1)}\n`);
  if (values['update-cards']) {
    await recordInCard(repoPath('models/detector.json'), { ...det, images: detSamples.length });
    await recordInCard(repoPath('models/classifier.json'), metrics.classifier);
    console.log('wrote metrics.val into models/detector.json and models/classifier.json');
  }
  if (!values.check) return 0;
  const cards = {
    detector: JSON.parse(await readFile(repoPath('models/detector.json'), 'utf8')) as unknown,
    classifier: JSON.parse(await readFile(repoPath('models/classifier.json'), 'utf8')) as unknown,
  };
  const failures = compareWithCards(metrics, cards, Number(values.tolerance));
  for (const f of failures) console.error(`eval check FAILED: ${f}`);
  if (failures.length === 0) console.log(`eval check passed (tolerance ${values.tolerance})`);
  return failures.length ? 1 : 0;
}

async function recordInCard(path: string, val: object): Promise<void> {
  const card = JSON.parse(await readFile(path, 'utf8')) as { metrics?: Record<string, unknown> };
  const rounded = JSON.parse(
    JSON.stringify(val, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e4) / 1e4 : v)),
  ) as unknown;
  card.metrics = { ...card.metrics, measured_by: 'npm run eval (val split)', val: rounded };
  await writeFile(path, `${JSON.stringify(card, null, 2)}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
