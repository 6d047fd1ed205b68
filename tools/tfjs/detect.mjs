#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// TensorFlow.js reference detector for NanoDet-g-416, independent of Vigil's
// C++ executor:
//
//   node tools/tfjs/detect.mjs --model DIR [--backend cpu|wasm]
//        [--preprocess letterbox-bgr|stretch-rgb] [--score 0.35] [--iou 0.6] IMAGE...
//
// prints [{"image": PATH, "detections": [{"label", "score", "box": [x, y, w, h]}]}]
// with boxes in source-image pixels, sorted by score (descending).
//
// Preprocessing (lib.mjs preprocess()):
//   letterbox-bgr (default; NanoDet's training preprocessing): aspect-preserving
//     half-pixel bilinear resize into a 416x416 black canvas, centred;
//     B,G,R order; (v - mean) / std.
//   stretch-rgb (vladmandic/human): half-pixel bilinear resize to 416x416
//     ignoring aspect; R,G,B order; v / 255.
// Decoding (lib.mjs decodeCandidates(), nmsPerClass()): every (anchor point,
//   class) with score >= --score is a candidate; GFL box distances (softmax
//   over 11 bins per side, expectation times stride); boxes mapped back to the
//   source image and clipped to it; class-wise greedy NMS dropping IoU > --iou.

import * as L from './lib.mjs';

const USAGE = 'usage: node tools/tfjs/detect.mjs --model DIR [--backend cpu|wasm] ' +
  '[--preprocess letterbox-bgr|stretch-rgb] [--score 0.35] [--iou 0.6] IMAGE...';
const { opts, positional: images } = L.parseArgs(process.argv.slice(2), {
  usage: USAGE,
  defaults: { model: null, backend: 'cpu', preprocess: 'letterbox-bgr', score: '0.35', iou: '0.6' },
});
if (!opts.model) L.usageError(USAGE, 'need --model');
if (!images.length) L.usageError(USAGE, 'need at least one IMAGE');
if (!['cpu', 'wasm'].includes(opts.backend)) L.usageError(USAGE, `bad --backend ${opts.backend}`);
if (!['letterbox-bgr', 'stretch-rgb'].includes(opts.preprocess)) {
  L.usageError(USAGE, `bad --preprocess ${opts.preprocess}`);
}
const scoreThr = Number(opts.score), iouThr = Number(opts.iou);
if (!(scoreThr >= 0 && scoreThr <= 1) || !(iouThr >= 0 && iouThr <= 1)) {
  L.usageError(USAGE, '--score and --iou take numbers in [0, 1]');
}

const round1 = (v) => Math.round(v * 10) / 10;
const clip = (v, hi) => Math.min(Math.max(v, 0), hi);

async function detect(model, file) {
  const img = L.decodeRgb(file);
  const { input, map } = L.preprocess(img, opts.preprocess);
  const outs = L.execute(model, input);
  const data = {};
  for (const n of L.OUTPUT_NAMES) { data[n] = await outs[n].data(); outs[n].dispose(); }
  input.dispose();

  const cands = L.decodeCandidates(data, scoreThr).map((c) => {
    const [x1, y1] = map(c.box[0], c.box[1]);
    const [x2, y2] = map(c.box[2], c.box[3]);
    return {
      cls: c.cls,
      score: c.score,
      box: [clip(x1, img.width), clip(y1, img.height), clip(x2, img.width), clip(y2, img.height)],
    };
  });
  return L.nmsPerClass(cands, iouThr).map((d) => ({
    label: L.COCO_LABELS[d.cls],
    score: Math.round(d.score * 1e4) / 1e4,
    box: [round1(d.box[0]), round1(d.box[1]), round1(d.box[2] - d.box[0]), round1(d.box[3] - d.box[1])],
  }));
}

await L.runMain('detect', async () => {
  await L.setupBackend(opts.backend, { threads: 1 });
  const model = await L.loadModel(opts.model);
  const results = [];
  for (const image of images) results.push({ image, detections: await detect(model, image) });
  process.stdout.write(JSON.stringify(results) + '\n');
});
