// Generated from web/src/device.ts by `npm run gen:web` (esbuild): edit that file, not this one.

// lib/drawing/labels.js
var RIPENESS_PALETTE = Object.freeze([
  "#2e7d32",
  "#9bc53d",
  "#fdd835",
  "#d4a017",
  "#8b5a2b",
  "#1c1c1c"
]);
function stageColour(index, stageCount) {
  const last = RIPENESS_PALETTE.length - 1;
  const position = stageCount <= 1 ? 0 : Math.round(index * last / (stageCount - 1));
  return RIPENESS_PALETTE[Math.min(last, Math.max(0, position))] ?? "#2e7d32";
}
var BORDER_EM = 1 / 12;

// lib/vision/softmax.ts
function softmax(logits) {
  const values = Array.from(logits);
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((total, e) => total + e, 0);
  return exps.map((e) => e / sum);
}
function ripenessIndex(stageProbabilities) {
  let weighted = 0;
  let total = 0;
  stageProbabilities.forEach((p, stage) => {
    weighted += stage * p;
    total += p;
  });
  return total > 0 ? weighted / total : 0;
}
function logitsToClassProbabilities(logits, classCount) {
  if (classCount < 1 || logits.length % classCount !== 0) {
    throw new RangeError(
      `classifier output has ${logits.length} values, not a multiple of ${classCount}`
    );
  }
  const results = [];
  for (let row = 0; row < logits.length; row += classCount) {
    const probabilities = softmax(logits.subarray(row, row + classCount));
    let index = 0;
    probabilities.forEach((p, i) => {
      if (p > (probabilities[index] ?? -Infinity)) index = i;
    });
    results.push({ index, confidence: probabilities[index] ?? 0, probabilities });
  }
  return results;
}

// function/src/answer.ts
var round = (value, digits) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
function roundTimings(timings, totalMs) {
  const rounded = Object.fromEntries(
    Object.entries(timings).map(([stage, ms]) => [stage, round(ms, 1)])
  );
  return { ...rounded, total: round(totalMs, 1) };
}
function buildResponseBody(result, image, timings, totalMs) {
  const { classes } = result.catalogue;
  const summary = Object.fromEntries(classes.map((name) => [name, 0]));
  const detections = result.bananas.map(({ box, confidence, classification }) => {
    summary[classification.stage] = (summary[classification.stage] ?? 0) + 1;
    return {
      box: {
        x_min: round(box.xMin, 1),
        y_min: round(box.yMin, 1),
        x_max: round(box.xMax, 1),
        y_max: round(box.yMax, 1)
      },
      confidence: round(confidence, 4),
      stage: classification.stage,
      stage_confidence: round(classification.confidence, 4),
      ripeness_index: round(ripenessIndex(classification.probabilities), 2),
      probabilities: Object.fromEntries(
        classes.map((name, i) => [name, round(classification.probabilities[i] ?? 0, 4)])
      )
    };
  });
  return {
    detections,
    summary,
    stages: classes.map((name, i) => ({ name, colour: stageColour(i, classes.length) })),
    image: { width: image.width, height: image.height },
    models: {
      detector: {
        ...result.detectorModel,
        // A detector that does not say (an older version) leaves them out.
        ...result.minConfidence.source !== "" && {
          min_confidence: result.minConfidence.value,
          min_confidence_source: result.minConfidence.source
        }
      },
      classifier: result.catalogue.model
    },
    timings_ms: roundTimings(timings, totalMs)
  };
}

// lib/vision/round.ts
function roundHalfEven(value) {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

// lib/vision/types.ts
function hasArea(box) {
  return box.xMax > box.xMin && box.yMax > box.yMin;
}
var RGB_CHANNELS = 3;

// lib/vision/crop.ts
function boxToPixelRect(box, size) {
  const left = Math.min(Math.max(0, roundHalfEven(box.xMin)), size.width - 1);
  const top = Math.min(Math.max(0, roundHalfEven(box.yMin)), size.height - 1);
  const right = Math.max(Math.min(size.width, roundHalfEven(box.xMax)), left + 1);
  const bottom = Math.max(Math.min(size.height, roundHalfEven(box.yMax)), top + 1);
  return { left, top, width: right - left, height: bottom - top };
}

// lib/vision/crop-source.ts
function rectAt(box, sx, sy, size) {
  return boxToPixelRect(
    { xMin: box.xMin * sx, yMin: box.yMin * sy, xMax: box.xMax * sx, yMax: box.yMax * sy },
    size
  );
}
function scaledPixelRect(box, scaled) {
  const { image, source } = scaled;
  return rectAt(box, image.width / source.width, image.height / source.height, image);
}
function keepsInputSize(rect, input) {
  const side = Math.max(rect.width, rect.height);
  return side >= input.width && side >= input.height;
}
function halvingsFor(rect, input) {
  const side = Math.max(rect.width, rect.height);
  const needed = Math.max(input.width, input.height);
  let k = 0;
  while (side >= needed * 2 ** (k + 1)) k++;
  return k;
}
function levelSize(size, k) {
  return { width: Math.floor(size.width / 2 ** k), height: Math.floor(size.height / 2 ** k) };
}
function levelPixels(image, k, rect) {
  const block = 2 ** k;
  const count = block * block;
  const half = count / 2;
  const { width, height } = rect;
  const data = new Uint8Array(width * height * RGB_CHANNELS);
  const src = image.data;
  const stride = image.width * RGB_CHANNELS;
  const sums = new Float64Array(width * RGB_CHANNELS);
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    const firstRow = (rect.top + y) * block;
    for (let row = firstRow; row < firstRow + block; row++) {
      let p = row * stride + rect.left * block * RGB_CHANNELS;
      for (let x = 0, s = 0; x < width; x++, s += RGB_CHANNELS) {
        for (let i = 0; i < block; i++, p += RGB_CHANNELS) {
          sums[s] = sums[s] + src[p];
          sums[s + 1] = sums[s + 1] + src[p + 1];
          sums[s + 2] = sums[s + 2] + src[p + 2];
        }
      }
    }
    const out = y * width * RGB_CHANNELS;
    for (let i = 0; i < sums.length; i++)
      data[out + i] = Math.floor((sums[i] + half) / count);
  }
  return { data, width, height };
}
function planAt(source, box, rect, imageSize, [sx, sy], input) {
  const k = halvingsFor(rect, input);
  if (k === 0) return { source, k, size: imageSize, rect };
  const size = levelSize(imageSize, k);
  return { source, k, size, rect: rectAt(box, sx * 2 ** -k, sy * 2 ** -k, size) };
}
function planCrop(box, scaled, fullSize, input) {
  if (scaled !== void 0) {
    const rect = scaledPixelRect(box, scaled);
    const { image, source } = scaled;
    const scale = [image.width / source.width, image.height / source.height];
    if (keepsInputSize(rect, input)) return planAt("detector", box, rect, image, scale, input);
  }
  return planAt("full", box, boxToPixelRect(box, fullSize), fullSize, [1, 1], input);
}
var CROPS_IN_FLIGHT = 4;
var { setImmediate: immediate } = globalThis;
var nextTurn = () => immediate ? new Promise((resolve) => immediate(resolve)) : Promise.resolve();
function cropBoxesWith(crop) {
  return (boxes, scaled, full, input) => cropBoxes(crop, boxes, scaled, full, input);
}
async function cropBoxes(cropToModelInput, boxes, scaled, full, input) {
  if (boxes.length === 0) return [];
  let fullImage;
  const fullDecode = () => fullImage ??= full();
  const fullSize = scaled?.source ?? await fullDecode();
  const plans = boxes.map((box) => planCrop(box, scaled, fullSize, input));
  const sourceImage = (plan) => plan.source === "detector" && scaled !== void 0 ? Promise.resolve(scaled.image) : fullDecode();
  const covered = /* @__PURE__ */ new Map();
  for (const { source, k, rect } of plans) {
    const key = `${source}/${k}`;
    covered.set(key, (covered.get(key) ?? 0) + rect.width * rect.height);
  }
  const wholeLevels = /* @__PURE__ */ new Map();
  const wholeLevel = (plan) => {
    const key = `${plan.source}/${plan.k}`;
    let level = wholeLevels.get(key);
    if (level === void 0) {
      const { width, height } = plan.size;
      if (plan.k === 0 || (covered.get(key) ?? 0) * 2 < width * height) return void 0;
      level = sourceImage(plan).then(
        (image) => levelPixels(image, plan.k, { left: 0, top: 0, width, height })
      );
      wholeLevels.set(key, level);
    }
    return level;
  };
  const crops = new Array(boxes.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < boxes.length; i = next++) {
      const plan = plans[i];
      const whole = wholeLevel(plan);
      if (whole !== void 0) {
        crops[i] = await cropToModelInput(await whole, plan.rect, input);
      } else if (plan.k === 0) {
        crops[i] = await cropToModelInput(await sourceImage(plan), plan.rect, input);
      } else {
        const region = levelPixels(await sourceImage(plan), plan.k, plan.rect);
        const all = { left: 0, top: 0, width: region.width, height: region.height };
        crops[i] = await cropToModelInput(region, all, input);
      }
      await nextTurn();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CROPS_IN_FLIGHT, boxes.length) }, worker));
  return crops;
}

// lib/options/options.js
var OPTIONS = Object.freeze(
  /** @satisfies {Record<string, OptionSpec>} */
  {
    min_confidence: {
      kind: "number",
      min: 0,
      max: 1,
      description: "lowest detection confidence a box needs"
    },
    iou: {
      kind: "number",
      min: 0,
      minExclusive: true,
      max: 1,
      description: "NMS: of two boxes overlapping more than this, the less confident is dropped"
    },
    max_detections: {
      kind: "number",
      integer: true,
      min: 1,
      max: 300,
      description: "most bananas in the answer, most confident first"
    },
    format: {
      kind: "enum",
      values: ["jpeg", "none"],
      default: "jpeg",
      description: "`jpeg`: the annotated photo in `img`; `none`: the detections only"
    },
    quality: {
      kind: "number",
      integer: true,
      min: 1,
      max: 100,
      default: 85,
      description: "JPEG quality of the annotated photo"
    }
  }
);
var OPTION_NAMES = Object.freeze(
  /** @type {OptionName[]} */
  Object.keys(OPTIONS)
);
function rangeText(spec) {
  if (spec.kind === "enum") return spec.values.map((v) => JSON.stringify(v)).join(" or ");
  return `${spec.minExclusive ? "(" : "["}${spec.min}, ${spec.max}]`;
}
function describeValue(value) {
  return typeof value === "number" ? String(value) : JSON.stringify(value) ?? String(value);
}
function checkOption(name, value) {
  const spec = OPTIONS[name];
  if (spec.kind === "enum") {
    return typeof value === "string" && spec.values.includes(value) ? { value } : { error: `must be ${rangeText(spec)}, got ${describeValue(value)}` };
  }
  const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(number)) {
    return { error: `must be a number in ${rangeText(spec)}, got ${describeValue(value)}` };
  }
  const tooLow = spec.minExclusive ? number <= spec.min : number < spec.min;
  if (tooLow || number > spec.max) {
    return { error: `must be in ${rangeText(spec)}, got ${number}` };
  }
  if (spec.integer && !Number.isInteger(number)) {
    return { error: `must be an integer, got ${number}` };
  }
  return { value: number };
}

// lib/vision/letterbox.ts
function letterboxGeometry(source, target) {
  const scale = Math.min(target.width / source.width, target.height / source.height);
  const resized = {
    width: Math.max(1, roundHalfEven(source.width * scale)),
    height: Math.max(1, roundHalfEven(source.height * scale))
  };
  return {
    source: { width: source.width, height: source.height },
    target: { width: target.width, height: target.height },
    scale,
    resized,
    offsetX: Math.floor((target.width - resized.width) / 2),
    offsetY: Math.floor((target.height - resized.height) / 2)
  };
}
function clamp(value, max) {
  return Math.min(Math.max(value, 0), max);
}
function unletterboxBox(box, geometry) {
  const { scale, offsetX, offsetY, source } = geometry;
  return {
    xMin: clamp((box.xMin - offsetX) / scale, source.width),
    yMin: clamp((box.yMin - offsetY) / scale, source.height),
    xMax: clamp((box.xMax - offsetX) / scale, source.width),
    yMax: clamp((box.yMax - offsetY) / scale, source.height)
  };
}

// lib/vision/nms.ts
function area(box) {
  return Math.max(0, box.xMax - box.xMin) * Math.max(0, box.yMax - box.yMin);
}
function iou(a, b) {
  const intersection = area({
    xMin: Math.max(a.xMin, b.xMin),
    yMin: Math.max(a.yMin, b.yMin),
    xMax: Math.min(a.xMax, b.xMax),
    yMax: Math.min(a.yMax, b.yMax)
  });
  const union = area(a) + area(b) - intersection;
  return union > 0 ? intersection / union : 0;
}
function nonMaxSuppression(candidates, iouThreshold, maxDetections) {
  const byScore = [...candidates].sort((a, b) => b.score - a.score);
  const kept = [];
  for (const candidate of byScore) {
    if (kept.length >= maxDetections) break;
    if (kept.every((k) => iou(k.box, candidate.box) <= iouThreshold)) kept.push(candidate);
  }
  return kept;
}

// lib/vision/canvas.ts
function fillRgb(data, fill) {
  if (fill[0] === fill[1] && fill[1] === fill[2]) {
    data.fill(fill[0]);
    return;
  }
  if (data.length < RGB_CHANNELS) return;
  data.set(fill, 0);
  for (let filled = RGB_CHANNELS; filled < data.length; filled *= 2) {
    data.copyWithin(filled, 0, Math.min(filled, data.length - filled));
  }
}
function filledImage(size, fill, into) {
  const bytes = size.width * size.height * RGB_CHANNELS;
  if (into && into.length !== bytes) {
    throw new RangeError(`${into.length} bytes for a ${size.width}x${size.height} RGB image`);
  }
  const data = into ?? new Uint8Array(bytes);
  fillRgb(data, fill);
  return { data, width: size.width, height: size.height };
}
function assertFits(image, canvas, left, top) {
  if (left < 0 || top < 0 || left + image.width > canvas.width || top + image.height > canvas.height) {
    throw new RangeError(
      `a ${image.width}x${image.height} image at (${left}, ${top}) does not fit a ${canvas.width}x${canvas.height} canvas`
    );
  }
}
function placeInto(target, canvas, image, left, top, fill) {
  assertFits(image, canvas, left, top);
  if (target.length !== canvas.width * canvas.height * RGB_CHANNELS) {
    throw new RangeError(
      `target holds ${target.length} bytes, not a ${canvas.width}x${canvas.height} RGB image`
    );
  }
  const rowBytes = image.width * RGB_CHANNELS;
  if (image.width === canvas.width) {
    const from = top * rowBytes;
    const to = from + image.height * rowBytes;
    target.set(image.data.subarray(0, image.height * rowBytes), from);
    if (from > 0) fillRgb(target.subarray(0, from), fill);
    if (to < target.length) fillRgb(target.subarray(to), fill);
    return;
  }
  fillRgb(target, fill);
  for (let y = 0; y < image.height; y++) {
    const from = y * rowBytes;
    target.set(
      image.data.subarray(from, from + rowBytes),
      ((top + y) * canvas.width + left) * RGB_CHANNELS
    );
  }
}

// lib/vision/tensor.ts
function toInputTensor(images, input) {
  images.forEach((image, n) => {
    if (image.width !== input.width || image.height !== input.height) {
      throw new RangeError(
        `image ${n} is ${image.width}x${image.height}, the model input is ${input.width}x${input.height}`
      );
    }
  });
  return placedImagesTensor(
    images.map((image) => ({ image, left: 0, top: 0 })),
    input
  );
}
function placedImagesTensor(items, input, fill = input.padValue) {
  const itemBytes = input.width * input.height * RGB_CHANNELS;
  const only = items.length === 1 ? items[0] : void 0;
  if (only?.image.width === input.width && only.image.height === input.height && only.image.data.length === itemBytes) {
    return only.image.data;
  }
  const tensor = new Uint8Array(items.length * itemBytes);
  items.forEach(({ image, left, top }, n) => {
    const item = tensor.subarray(n * itemBytes, (n + 1) * itemBytes);
    placeInto(item, input, image, left, top, fill);
  });
  return tensor;
}

// lib/vision/yolo-head.ts
var HEAD_ROW_LENGTH = 5;
function headRowCount(levels) {
  return levels.reduce((rows, level) => rows + level.gridWidth * level.gridHeight, 0);
}
function sigmoid(x) {
  return 1 / (1 + Math.exp(-x));
}
function decodeYoloHead(head, levels, minScore) {
  const rows = headRowCount(levels);
  if (head.length !== rows * HEAD_ROW_LENGTH) {
    throw new RangeError(
      `detector output has ${head.length} values, the model card describes ${rows} rows of ${HEAD_ROW_LENGTH}`
    );
  }
  const found = [];
  let offset = 0;
  for (const { stride, gridWidth, gridHeight } of levels) {
    for (let gy = 0; gy < gridHeight; gy++) {
      for (let gx = 0; gx < gridWidth; gx++, offset += HEAD_ROW_LENGTH) {
        const score = sigmoid(head[offset + 4] ?? -Infinity);
        if (score < minScore) continue;
        const cx = (gx + (head[offset] ?? 0)) * stride;
        const cy = (gy + (head[offset + 1] ?? 0)) * stride;
        const halfW = Math.exp(head[offset + 2] ?? 0) * stride / 2;
        const halfH = Math.exp(head[offset + 3] ?? 0) * stride / 2;
        found.push({
          box: { xMin: cx - halfW, yMin: cy - halfH, xMax: cx + halfW, yMax: cy + halfH },
          score
        });
      }
    }
  }
  return found;
}

// lib/vision/detections.ts
function letterboxTensor(scaled, input) {
  const { image, geometry } = scaled;
  if (geometry.target.width !== input.width || geometry.target.height !== input.height) {
    throw new RangeError(
      `letterbox target ${geometry.target.width}x${geometry.target.height} is not the ${input.width}x${input.height} model input`
    );
  }
  return {
    tensor: placedImagesTensor([{ image, left: geometry.offsetX, top: geometry.offsetY }], input),
    dims: [1, input.height, input.width, 3],
    geometry
  };
}
function overlapsImage(box, geometry) {
  const { offsetX, offsetY, resized } = geometry;
  return box.xMax > offsetX && box.yMax > offsetY && box.xMin < offsetX + resized.width && box.yMin < offsetY + resized.height;
}
function postprocessDetections(head, card, geometry, thresholds) {
  const candidates = decodeYoloHead(head, card.output.levels, thresholds.minConfidence).filter(
    ({ box }) => overlapsImage(box, geometry)
  );
  return nonMaxSuppression(candidates, thresholds.iou, thresholds.maxDetections).map(({ box, score }) => ({ box: unletterboxBox(box, geometry), score })).filter(({ box }) => hasArea(box));
}
function resolveThresholds(asked, card, names, refuse) {
  const given = (key, option) => {
    const value = asked[key];
    if (value === void 0 || value === "") return void 0;
    const result = checkOption(option, value);
    if (result.error !== void 0) throw refuse(`${names[key]} ${result.error}`);
    return result.value;
  };
  return {
    minConfidence: given("minConfidence", "min_confidence") ?? card.thresholds.confidence,
    iou: given("iou", "iou") ?? card.thresholds.iou,
    maxDetections: given("maxDetections", "max_detections") ?? card.thresholds.maxDetections
  };
}

// lib/vision/resample.ts
var PRECISION_BITS = 22;
var ROUNDING = 1 << PRECISION_BITS - 1;
var triangle = (x) => x < 0 ? x > -1 ? 1 + x : 0 : x < 1 ? 1 - x : 0;
function bilinearCoefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const k = new Float64Array(taps);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = triangle((x + xmin - center + 0.5) / filterScale);
      k[x] = w;
      total += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? k[x] / total : 0;
      weights[xx * taps + x] = Math.trunc(w * (1 << PRECISION_BITS) + 0.5);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { first, count, weights, taps };
}
var clip8 = (value) => {
  const v = value >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};
function resampleRow(row, c, out, outOffset) {
  const { first, count, weights, taps } = c;
  const stride = RGB_CHANNELS;
  for (let xx = 0; xx < first.length; xx++) {
    let r = ROUNDING;
    let g = ROUNDING;
    let b = ROUNDING;
    let p = first[xx] * stride;
    const base = xx * taps;
    const n = count[xx];
    for (let x = 0; x < n; x++, p += stride) {
      const w = weights[base + x];
      r += row[p] * w;
      g += row[p + 1] * w;
      b += row[p + 2] * w;
    }
    const o = outOffset + xx * stride;
    out[o] = clip8(r);
    out[o + 1] = clip8(g);
    out[o + 2] = clip8(b);
  }
}
function resizePaddedSquareBilinear(image, rect, fill, width, height) {
  const side = Math.max(rect.width, rect.height);
  const left = Math.floor((side - rect.width) / 2);
  const top = Math.floor((side - rect.height) / 2);
  const horizontal = bilinearCoefficients(side, width);
  const vertical = bilinearCoefficients(side, height);
  const row = new Uint8Array(side * RGB_CHANNELS);
  for (let i = 0; i < row.length; i += RGB_CHANNELS) row.set(fill, i);
  const padRow = new Uint8Array(width * RGB_CHANNELS);
  resampleRow(row, horizontal, padRow, 0);
  const rows = new Uint8Array(side * width * RGB_CHANNELS);
  const rowBytes = rect.width * RGB_CHANNELS;
  for (let y = 0; y < side; y++) {
    const out = y * width * RGB_CHANNELS;
    const imageY = y - top;
    if (imageY < 0 || imageY >= rect.height) {
      rows.set(padRow, out);
      continue;
    }
    const from = ((rect.top + imageY) * image.width + rect.left) * RGB_CHANNELS;
    row.set(image.data.subarray(from, from + rowBytes), left * RGB_CHANNELS);
    resampleRow(row, horizontal, rows, out);
  }
  return { data: resampleColumns(rows, width * RGB_CHANNELS, vertical), width, height };
}
function resampleColumns(rows, stride, c) {
  const { first, count, weights, taps } = c;
  const out = new Uint8Array(first.length * stride);
  const sums = new Float64Array(stride);
  for (let yy = 0; yy < first.length; yy++) {
    sums.fill(ROUNDING);
    const n = count[yy];
    for (let i = 0; i < n; i++) {
      const w = weights[yy * taps + i];
      const start = (first[yy] + i) * stride;
      for (let x = 0; x < stride; x++)
        sums[x] = sums[x] + rows[start + x] * w;
    }
    const o = yy * stride;
    for (let x = 0; x < stride; x++) out[o + x] = clip8(sums[x]);
  }
  return out;
}
function resizeBilinear(image, width, height) {
  const horizontal = bilinearCoefficients(image.width, width);
  const vertical = bilinearCoefficients(image.height, height);
  const rowBytes = image.width * RGB_CHANNELS;
  const rows = new Uint8Array(image.height * width * RGB_CHANNELS);
  for (let y = 0; y < image.height; y++) {
    const row = image.data.subarray(y * rowBytes, (y + 1) * rowBytes);
    resampleRow(row, horizontal, rows, y * width * RGB_CHANNELS);
  }
  return { data: resampleColumns(rows, width * RGB_CHANNELS, vertical), width, height };
}

// lib/vision/square-crop.ts
function cropPaddedToSquare(image, rect, fill, into) {
  const side = Math.max(rect.width, rect.height);
  const square = filledImage({ width: side, height: side }, fill, into);
  const left = Math.floor((side - rect.width) / 2);
  const top = Math.floor((side - rect.height) / 2);
  const rowBytes = rect.width * RGB_CHANNELS;
  for (let y = 0; y < rect.height; y++) {
    const from = ((rect.top + y) * image.width + rect.left) * RGB_CHANNELS;
    square.data.set(
      image.data.subarray(from, from + rowBytes),
      ((top + y) * side + left) * RGB_CHANNELS
    );
  }
  return square;
}
var JS_RESIZE_MAX_FACTOR = 3;
function squareCropInJavaScript(image, rect, input) {
  const side = Math.max(rect.width, rect.height);
  if (side === input.width && side === input.height) {
    return cropPaddedToSquare(image, rect, input.padValue);
  }
  if (input.kernel === "linear" && side <= JS_RESIZE_MAX_FACTOR * Math.max(input.width, input.height)) {
    return resizePaddedSquareBilinear(image, rect, input.padValue, input.width, input.height);
  }
  return void 0;
}

// web/src/device.ts
var DeviceInputError = class extends Error {
  name = "DeviceInputError";
};
async function loadOrt(base, ortFolder) {
  const folder = new URL(ortFolder, base).href;
  const ort = await import(`${folder}ort.wasm.min.mjs`);
  ort.env.wasm.wasmPaths = folder;
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  return ort;
}
async function fetchManifest(base) {
  const response = await fetch(new URL("device/models.json", base), { cache: "no-cache" });
  if (!response.ok) {
    const body = await response.json().catch(() => void 0);
    throw new Error(body?.error?.message ?? `device/models.json: HTTP ${response.status}`);
  }
  return await response.json();
}
function refuseLarge(width, height, maxPixels) {
  if (width * height > maxPixels) {
    throw new DeviceInputError(
      `the photo has ${width * height} pixels (${width}x${height}), more than the ${maxPixels} allowed`
    );
  }
}
async function decodeWithWebCodecs(photo, maxPixels) {
  if (typeof ImageDecoder === "undefined" || !("rotation" in VideoFrame.prototype))
    return void 0;
  if (!await ImageDecoder.isTypeSupported(photo.type)) return void 0;
  const decoder = new ImageDecoder({ data: await photo.arrayBuffer(), type: photo.type });
  let frame;
  try {
    frame = (await decoder.decode()).image;
    const { rotation, flip } = frame;
    if (rotation !== 0 || flip) return void 0;
    const { displayWidth: width, displayHeight: height } = frame;
    refuseLarge(width, height, maxPixels);
    const rgba = new ImageData(width, height);
    await frame.copyTo(rgba.data, { format: "RGBA", colorSpace: "srgb" });
    return rgba;
  } catch (error) {
    if (error instanceof DeviceInputError) throw error;
    return void 0;
  } finally {
    frame?.close();
    decoder.close();
  }
}
async function decodeWithCanvas(photo, maxPixels) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(photo, { imageOrientation: "from-image" });
  } catch {
    throw new DeviceInputError("the photo could not be decoded: is it a JPEG, PNG or WebP image?");
  }
  try {
    refuseLarge(bitmap.width, bitmap.height, maxPixels);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error("this browser gives no 2D canvas");
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, canvas.width, canvas.height);
  } finally {
    bitmap.close();
  }
}
function canvasPixels(canvas) {
  const settings = { willReadFrequently: true };
  const context = canvas instanceof OffscreenCanvas ? canvas.getContext("2d", settings) : canvas.getContext("2d", settings);
  if (!context) throw new Error("this browser gives no 2D canvas");
  return context.getImageData(0, 0, canvas.width, canvas.height);
}
async function decodePhoto(source, maxPixels) {
  const rgba = source instanceof Blob ? await decodeWithWebCodecs(source, maxPixels) ?? await decodeWithCanvas(source, maxPixels) : canvasPixels(source);
  const { width, height } = rgba;
  const pixels = new Uint32Array(rgba.data.buffer, rgba.data.byteOffset, width * height);
  const data = new Uint8Array(width * height * RGB_CHANNELS);
  for (let p = 0, o = 0; p < pixels.length; p++, o += RGB_CHANNELS) {
    const pixel = pixels[p];
    data[o] = pixel & 255;
    data[o + 1] = pixel >>> 8 & 255;
    data[o + 2] = pixel >>> 16 & 255;
  }
  return { rgba, rgb: { data, width, height } };
}
var cropBoxes2 = cropBoxesWith((image, rect, input) => {
  const crop = squareCropInJavaScript(image, rect, input);
  if (crop === void 0) {
    throw new Error(`the classifier's ${input.kernel} resize runs on the server only`);
  }
  return crop;
});
async function loadRunners(base, manifest) {
  const { detector, classifier } = manifest;
  const ort = await loadOrt(base, manifest.ort.folder);
  const session = async (model) => {
    const response = await fetch(new URL(model.url, base));
    if (!response.ok) throw new Error(`${model.url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    return ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  };
  const [detectorSession, classifierSession] = await Promise.all([
    session(detector),
    session(classifier)
  ]);
  return {
    async detector(tensor, dims) {
      const feeds = { [detector.card.input.name]: new ort.Tensor("uint8", tensor, dims) };
      const out = await detectorSession.run(feeds);
      return out[detector.card.output.name]?.data;
    },
    async classifier(crops) {
      const { input, output } = classifier.card;
      const dims = [crops.length, input.height, input.width, RGB_CHANNELS];
      const feeds = { [input.name]: new ort.Tensor("uint8", toInputTensor(crops, input), dims) };
      const out = await classifierSession.run(feeds);
      return out[output.name]?.data;
    },
    async release() {
      await Promise.all([detectorSession.release(), classifierSession.release()]);
    }
  };
}
var OPTION_NAMES2 = {
  minConfidence: "min_confidence",
  iou: "iou",
  maxDetections: "max_detections"
};
function thresholdsFor(card, options) {
  const thresholds = resolveThresholds(
    {
      minConfidence: options.min_confidence,
      iou: options.iou,
      maxDetections: options.max_detections
    },
    card,
    OPTION_NAMES2,
    (message) => new DeviceInputError(`option ${message}`)
  );
  const asked = options.min_confidence !== void 0 && options.min_confidence !== "";
  return { ...thresholds, source: asked ? "request" : card.thresholds.source };
}
async function classifyBoxes(run, card, found, scaled, full) {
  const crops = await cropBoxes2(
    found.map(({ box }) => box),
    scaled,
    () => Promise.resolve(full),
    card.input
  );
  const logits = crops.length > 0 ? await run.classifier(crops) : new Float32Array();
  const graded = logitsToClassProbabilities(logits, card.classes.length);
  return found.map(({ box, score }, i) => {
    const p = graded[i];
    if (p === void 0) throw new Error(`the classifier answered for ${graded.length} crops`);
    return {
      box,
      confidence: score,
      classification: {
        stage: card.classes[p.index] ?? String(p.index),
        stageIndex: p.index,
        confidence: p.confidence,
        probabilities: p.probabilities
      }
    };
  });
}
async function analyseWith(run, manifest, source, options) {
  const started = performance.now();
  const timings = {};
  let mark = started;
  const lap = (stage) => {
    const now = performance.now();
    timings[stage] = now - mark;
    mark = now;
  };
  const detector = manifest.detector.card;
  const classifier = manifest.classifier.card;
  const thresholds = thresholdsFor(detector, options);
  const photo = await decodePhoto(source, manifest.max_image_pixels);
  const full = photo.rgb;
  const geometry = letterboxGeometry(full, detector.input);
  const scaled = resizeBilinear(full, geometry.resized.width, geometry.resized.height);
  lap("parse");
  const input = letterboxTensor({ image: scaled, geometry }, detector.input);
  const head = await run.detector(input.tensor, input.dims);
  const found = postprocessDetections(head, detector, geometry, thresholds);
  lap("detect");
  const bananas = await classifyBoxes(
    run,
    classifier,
    found,
    { image: scaled, source: full },
    full
  );
  lap("classify");
  const answer = buildResponseBody(
    {
      bananas,
      catalogue: {
        classes: [...classifier.classes],
        model: { name: classifier.name, version: classifier.version }
      },
      detectorModel: { name: detector.name, version: detector.version },
      minConfidence: { value: thresholds.minConfidence, source: thresholds.source }
    },
    { width: full.width, height: full.height },
    timings,
    performance.now() - started
  );
  return { answer, photo };
}
async function loadDeviceModels(base, manifest) {
  const { detector, classifier } = manifest;
  for (const { card } of [detector, classifier]) {
    if (card.input.kernel !== "linear") {
      throw new Error(
        `${card.name} ${card.version} resizes with the ${card.input.kernel} kernel; the device mode resizes with the linear one only`
      );
    }
  }
  const run = await loadRunners(base, manifest);
  const { input } = detector.card;
  const blank = (width, height) => ({
    data: new Uint8Array(width * height * RGB_CHANNELS),
    width,
    height
  });
  await run.detector(blank(input.width, input.height).data, [
    1,
    input.height,
    input.width,
    RGB_CHANNELS
  ]);
  await run.classifier([blank(classifier.card.input.width, classifier.card.input.height)]);
  return {
    manifest,
    analyse: (source, options = {}) => analyseWith(run, manifest, source, options),
    release: () => run.release()
  };
}
export {
  DeviceInputError,
  decodePhoto,
  fetchManifest,
  loadDeviceModels
};
