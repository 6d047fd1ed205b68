#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// TensorFlow.js baseline for the NanoDet-g-416 detector benchmark:
//
//   node bench/detect/tfjs_bench.mjs --model DIR --backend wasm|cpu
//        [--threads 1] [--runs 20] [--warmup 3] IMAGE
//
// Times graph execution only: the [1,3,416,416] input tensor (letterbox-bgr,
// see tools/tfjs/detect.mjs) is built once; each run is model.execute() up to
// the data of all six outputs being available. Prints one JSON line:
//   {"backend":"wasm","simd":true,"threads":1,"runs":20,"ms_median":..,"ms_min":..,"ms_mean":..}
// Needs scripts/tfjs.sh (npm dependencies) and scripts/models.sh (the model).
//
// Under Node, tfjs-backend-wasm never uses its threaded build
// (WASM_HAS_MULTITHREAD_SUPPORT is false), so the run is single-threaded
// whatever --threads says; --threads sets XNNPACK's pool size. "binary" in
// the output names the .wasm file that was actually loaded.

import * as L from '../../tools/tfjs/lib.mjs';

const USAGE = 'usage: node bench/detect/tfjs_bench.mjs --model DIR --backend wasm|cpu ' +
  '[--threads 1] [--runs 20] [--warmup 3] IMAGE';
const { opts, positional } = L.parseArgs(process.argv.slice(2), {
  usage: USAGE,
  defaults: { model: null, backend: null, threads: '1', runs: '20', warmup: '3' },
});
if (!opts.model || !opts.backend || positional.length !== 1) L.usageError(USAGE, 'need --model, --backend and one IMAGE');
if (!['cpu', 'wasm'].includes(opts.backend)) L.usageError(USAGE, `bad --backend ${opts.backend}`);
const threads = Number(opts.threads), runs = Number(opts.runs), warmup = Number(opts.warmup);
for (const [k, v] of [['threads', threads], ['runs', runs], ['warmup', warmup]]) {
  if (!Number.isInteger(v) || v < (k === 'warmup' ? 0 : 1)) L.usageError(USAGE, `bad --${k}`);
}

await L.runMain('tfjs_bench', async () => {
  const info = await L.setupBackend(opts.backend, { threads });
  if (opts.backend === 'wasm' && info.threads !== threads) {
    process.stderr.write(`tfjs_bench: note: asked for ${threads} threads, the wasm backend runs ` +
      `${info.threads} (no threaded wasm build under Node)\n`);
  }
  const model = await L.loadModel(opts.model);
  const { input } = L.preprocess(L.decodeRgb(positional[0]), 'letterbox-bgr');

  async function once() {
    const t0 = performance.now();
    const outs = L.execute(model, input);
    await Promise.all(L.OUTPUT_NAMES.map((n) => outs[n].data()));
    const ms = performance.now() - t0;
    for (const n of L.OUTPUT_NAMES) outs[n].dispose();
    return ms;
  }

  for (let i = 0; i < warmup; i++) await once();
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  const r = (v) => Math.round(v * 100) / 100;

  const result = {
    backend: info.backend,
    simd: opts.backend === 'wasm' ? info.simd : false,
    threads: opts.backend === 'wasm' ? info.threads : 1,
    runs,
    ms_median: r(median),
    ms_min: r(times[0]),
    ms_mean: r(times.reduce((a, b) => a + b, 0) / times.length),
  };
  if (opts.backend === 'wasm') result.binary = info.binary;
  result.tfjs = L.tfjsVersions()['tfjs-core'];
  process.stdout.write(JSON.stringify(result) + '\n');
});
