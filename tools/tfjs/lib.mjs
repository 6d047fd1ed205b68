// SPDX-License-Identifier: Apache-2.0
// Shared helpers of Vigil's TensorFlow.js reference tools (reference_tensors.mjs,
// detect.mjs, bench/detect/tfjs_bench.mjs): backend set-up, loading the NanoDet
// graph model from disk without a browser, image decoding through the ffmpeg CLI,
// NanoDet preprocessing and output decoding.
//
// Only @tensorflow/tfjs-core, -converter, -backend-cpu and -backend-wasm are used
// (installed by scripts/tfjs.sh into tools/tfjs/node_modules); no tfjs-node.

import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';

export { tf, tfconv, tfwasm };

// Production mode: skips debug checks and silences tfjs's console hints (e.g.
// "install tfjs-node"), which would otherwise mix into the tools' output.
tf.enableProdMode();

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const INPUT_SIZE = 416;
export const INPUT_NAME = 'input_1';
export const STRIDES = [8, 16, 32];
export const NUM_CLASSES = 80;
export const REG_MAX = 10; // distance bins 0..10 per side
// Graph outputs in the order the reference data stores them.
export const OUTPUT_NAMES = ['Identity', 'Identity_1', 'Identity_2',
                             'Identity_3', 'Identity_4', 'Identity_5'];
// Class scores (sigmoid applied in the graph) and box logits per level.
export const SCORE_OUTPUTS = ['Identity', 'Identity_1', 'Identity_2'];
export const BOX_OUTPUTS = ['Identity_3', 'Identity_4', 'Identity_5'];
// NanoDet's normalisation, in B,G,R channel order.
export const MEAN_BGR = [103.53, 116.28, 123.675];
export const STD_BGR = [57.375, 57.12, 58.395];

export const COCO_LABELS = JSON.parse(readFileSync(path.join(here, 'coco_labels.json'), 'utf8'));

export function tfjsVersions() {
  const v = (p) => require(`${p}/package.json`).version;
  return {
    'tfjs-core': v('@tensorflow/tfjs-core'),
    'tfjs-converter': v('@tensorflow/tfjs-converter'),
    'tfjs-backend-cpu': v('@tensorflow/tfjs-backend-cpu'),
    'tfjs-backend-wasm': v('@tensorflow/tfjs-backend-wasm'),
  };
}

// Minimal --key value / --flag parser. Returns {opts, positional}.
export function parseArgs(argv, spec) {
  const opts = { ...spec.defaults };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(spec.usage + '\n');
      process.exit(0);
    }
    if (a.startsWith('--')) {
      const key = a.slice(2);
      if (!(key in spec.defaults)) usageError(spec.usage, `unknown option ${a}`);
      if (i + 1 >= argv.length) usageError(spec.usage, `option ${a} needs a value`);
      opts[key] = argv[++i];
    } else {
      positional.push(a);
    }
  }
  return { opts, positional };
}

// Runs a tool's main body; an error ends the process with "tool: message".
export async function runMain(tool, fn) {
  try {
    await fn();
  } catch (e) {
    process.stderr.write(`${tool}: ${e && e.message ? e.message : e}\n`);
    process.exit(1);
  }
}

export function usageError(usage, msg) {
  process.stderr.write(`error: ${msg}\n${usage}\n`);
  process.exit(2);
}

// Selects and initialises a backend. For wasm, the .wasm binaries are read from
// the installed @tensorflow/tfjs-backend-wasm package (a file-system prefix: in
// Node the Emscripten loader reads the file with fs, no fetch). Node never gets
// the threaded build (tfjs reports WASM_HAS_MULTITHREAD_SUPPORT=false under
// Node), so `threads` only sets XNNPACK's thread-pool size.
export async function setupBackend(name, { threads = 1 } = {}) {
  if (name === 'wasm') {
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    tfwasm.setWasmPaths(wasmDir + path.sep);
    tfwasm.setThreadsCount(threads);
  } else if (name !== 'cpu') {
    throw new Error(`unknown backend '${name}' (cpu|wasm)`);
  }
  // Record which .wasm binary the Emscripten loader reads (in Node it uses
  // fs.readFileSync), as proof of the SIMD build rather than a guess.
  const fs = require('node:fs');
  const realRead = fs.readFileSync;
  const wasmFiles = [];
  fs.readFileSync = function (file, ...rest) {
    if (String(file).endsWith('.wasm')) wasmFiles.push(path.basename(String(file)));
    return realRead.call(this, file, ...rest);
  };
  try {
    if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
    await tf.ready();
  } finally {
    fs.readFileSync = realRead;
  }
  const info = { backend: tf.getBackend() };
  if (name === 'wasm') {
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    info.threads = tfwasm.getThreadsCount();
    info.binary = wasmFiles.join(',');
  }
  return info;
}

// Returns the graph model's json path inside DIR (model.json, else nanodet.json).
export function modelJsonPath(dir) {
  for (const name of ['model.json', 'nanodet.json']) {
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${dir}: neither model.json nor nanodet.json found (run scripts/models.sh)`);
}

// An IOHandler that reads a TF.js graph model (json + weight shards named in
// its weightsManifest) from the local file system.
export function fileSystemIOHandler(jsonPath) {
  return {
    async load() {
      const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
      const weightSpecs = [];
      const shards = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
          const buf = readFileSync(path.join(path.dirname(jsonPath), p));
          shards.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        }
      }
      const total = shards.reduce((n, s) => n + s.byteLength, 0);
      const weightData = new Uint8Array(total);
      let off = 0;
      for (const s of shards) { weightData.set(new Uint8Array(s), off); off += s.byteLength; }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        modelInitializer: json.modelInitializer,
        weightSpecs,
        weightData: weightData.buffer,
      };
    },
  };
}

export async function loadModel(dir) {
  return tfconv.loadGraphModel(fileSystemIOHandler(modelJsonPath(dir)));
}

// Runs the graph on a [1,3,416,416] float32 tensor; returns {name: Tensor} for
// the six outputs (caller disposes).
export function execute(model, input) {
  const outs = model.execute({ [INPUT_NAME]: input }, OUTPUT_NAMES);
  const res = {};
  OUTPUT_NAMES.forEach((n, i) => { res[n] = outs[i]; });
  return res;
}

// ---- images ---------------------------------------------------------------

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error(`'${cmd}' not found (Debian package ffmpeg)`);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr ? e.stderr.toString().trim() : e.message}`);
  }
}

export function probeSize(file) {
  const out = run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'stream=width,height', '-of', 'csv=p=0:s=x', file]).toString().trim();
  const m = /^(\d+)x(\d+)/.exec(out);
  if (!m) throw new Error(`ffprobe: cannot read the size of ${file}: '${out}'`);
  return { width: +m[1], height: +m[2] };
}

// Decodes IMAGE at its own size to rgb24 bytes (row-major, R,G,B).
export function decodeRgb(file) {
  const { width, height } = probeSize(file);
  const data = run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-frames:v', '1',
    '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-']);
  if (data.length !== width * height * 3) {
    throw new Error(`ffmpeg: ${file}: got ${data.length} bytes, expected ${width}x${height}x3`);
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

// The reference-data input: IMAGE stretched to 416x416 by ffmpeg's bilinear scaler.
export function ffmpegScaledRgb(file, size = INPUT_SIZE) {
  const data = run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-vf',
    `scale=${size}:${size}:flags=bilinear`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-']);
  if (data.length !== size * size * 3) throw new Error(`ffmpeg: ${file}: unexpected output size ${data.length}`);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

// ---- preprocessing ----------------------------------------------------------

// HWC float32 pixels in R,G,B order (0..255) -> NCHW float32 [1,3,H,W] with
// channel order B,G,R and x = fround(fround(v - mean[c]) / std[c]), where
// mean/std are the float32 roundings of MEAN_BGR/STD_BGR. Done in plain JS
// with Math.fround so the result does not depend on the backend.
export function toNchwBgrNormalised(hwc, h, w) {
  const plane = h * w;
  const out = new Float32Array(3 * plane);
  const mean = MEAN_BGR.map(Math.fround);
  const std = STD_BGR.map(Math.fround);
  for (let c = 0; c < 3; c++) {          // c: 0 = B, 1 = G, 2 = R
    const src = 2 - c;                    // index of that colour in R,G,B
    const m = mean[c], s = std[c];
    const dst = out.subarray(c * plane, (c + 1) * plane);
    for (let i = 0; i < plane; i++) dst[i] = Math.fround(Math.fround(hwc[i * 3 + src] - m) / s);
  }
  return out;
}

// HWC R,G,B (0..255) -> NCHW R,G,B, v/255 (float32 division).
export function toNchwRgbUnit(hwc, h, w) {
  const plane = h * w;
  const out = new Float32Array(3 * plane);
  const k = Math.fround(255);
  for (let c = 0; c < 3; c++) {
    const dst = out.subarray(c * plane, (c + 1) * plane);
    for (let i = 0; i < plane; i++) dst[i] = Math.fround(hwc[i * 3 + c] / k);
  }
  return out;
}

// Builds the model input for a decoded image ({width,height,data}) and returns
// {input: Tensor [1,3,416,416], map(x, y) -> [sx, sy] in source pixels, meta}.
//
// letterbox-bgr: scale = min(416/w, 416/h); rw = round(w*scale), rh = round(h*scale);
//   tf.image.resizeBilinear(rgbFloat, [rh, rw], alignCorners=false, halfPixelCenters=true);
//   pasted at ox = floor((416-rw)/2), oy = floor((416-rh)/2) into a 416x416 canvas
//   of zeros (black, before normalisation); then B,G,R order and (v-mean)/std.
// stretch-rgb: resizeBilinear to 416x416 (half-pixel), R,G,B order, v/255.
export function preprocess(img, mode) {
  const S = INPUT_SIZE;
  const { width: w, height: h } = img;
  const rgb = tf.tensor3d(Float32Array.from(img.data), [h, w, 3], 'float32');
  let canvas, map, meta;
  if (mode === 'letterbox-bgr') {
    const scale = Math.min(S / w, S / h);
    const rw = Math.round(w * scale), rh = Math.round(h * scale);
    const ox = Math.floor((S - rw) / 2), oy = Math.floor((S - rh) / 2);
    const resized = tf.image.resizeBilinear(rgb, [rh, rw], false, true);
    const r = resized.dataSync();
    resized.dispose();
    canvas = new Float32Array(S * S * 3); // zeros = black padding
    for (let y = 0; y < rh; y++) {
      canvas.set(r.subarray(y * rw * 3, (y + 1) * rw * 3), ((y + oy) * S + ox) * 3);
    }
    map = (x, y) => [(x - ox) / scale, (y - oy) / scale];
    meta = { scale, rw, rh, ox, oy };
    canvas = toNchwBgrNormalised(canvas, S, S);
  } else if (mode === 'stretch-rgb') {
    const resized = tf.image.resizeBilinear(rgb, [S, S], false, true);
    const r = resized.dataSync();
    resized.dispose();
    map = (x, y) => [x * w / S, y * h / S];
    meta = { sx: w / S, sy: h / S };
    canvas = toNchwRgbUnit(r, S, S);
  } else {
    rgb.dispose();
    throw new Error(`unknown preprocessing '${mode}' (letterbox-bgr|stretch-rgb)`);
  }
  rgb.dispose();
  return { input: tf.tensor4d(canvas, [1, 3, S, S], 'float32'), map, meta };
}

// ---- decoding ---------------------------------------------------------------

// outputs: {name: Float32Array} of the six graph outputs. Returns candidates
// {cls, score, box: [x1, y1, x2, y2]} in 416x416 input pixels, every class
// whose score >= threshold at every anchor point.
export function decodeCandidates(outputs, threshold) {
  const cands = [];
  const prob = new Float64Array(REG_MAX + 1);
  for (let lvl = 0; lvl < STRIDES.length; lvl++) {
    const s = STRIDES[lvl];
    const W = INPUT_SIZE / s;
    const scores = outputs[SCORE_OUTPUTS[lvl]];
    const boxes = outputs[BOX_OUTPUTS[lvl]];
    const n = scores.length / NUM_CLASSES;
    const nb = 4 * (REG_MAX + 1);
    for (let row = 0; row < n; row++) {
      let dist = null;
      for (let c = 0; c < NUM_CLASSES; c++) {
        const score = scores[row * NUM_CLASSES + c];
        if (!(score >= threshold)) continue;
        if (dist === null) {
          dist = [0, 0, 0, 0];
          for (let side = 0; side < 4; side++) {
            const base = row * nb + side * (REG_MAX + 1);
            let mx = -Infinity;
            for (let i = 0; i <= REG_MAX; i++) mx = Math.max(mx, boxes[base + i]);
            let sum = 0;
            for (let i = 0; i <= REG_MAX; i++) { prob[i] = Math.exp(boxes[base + i] - mx); sum += prob[i]; }
            let d = 0;
            for (let i = 0; i <= REG_MAX; i++) d += i * prob[i] / sum;
            dist[side] = d * s;
          }
        }
        const cx = ((row % W) + 0.5) * s, cy = (Math.floor(row / W) + 0.5) * s;
        cands.push({ cls: c, score, box: [cx - dist[0], cy - dist[1], cx + dist[2], cy + dist[3]] });
      }
    }
  }
  return cands;
}

export function iou(a, b) {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return ua > 0 ? inter / ua : 0;
}

// Class-wise greedy NMS: within a class, by score descending, a box is dropped
// if its IoU with an already kept box of that class is > iouThreshold.
export function nmsPerClass(cands, iouThreshold) {
  const byClass = new Map();
  for (const c of cands) {
    if (!byClass.has(c.cls)) byClass.set(c.cls, []);
    byClass.get(c.cls).push(c);
  }
  const kept = [];
  for (const list of byClass.values()) {
    list.sort((a, b) => b.score - a.score);
    const k = [];
    for (const c of list) {
      if (k.every((o) => iou(o.box, c.box) <= iouThreshold)) k.push(c);
    }
    kept.push(...k);
  }
  kept.sort((a, b) => b.score - a.score);
  return kept;
}
