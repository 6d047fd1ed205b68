#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/detect: NanoDet-g-416 object detection — milliseconds per inference
against TensorFlow.js, arithmetic rate against this machine's peak, and what
detection adds to the camera's CPU — with every reference measured in the
same run:

  (1) vigil-bench-detect on darknet's photos: ms per inference (graph only,
      and the whole Detect) with 1 and 2 math threads, achieved GFLOP/s, and
      one core's FP32 peak from an FMA loop (AVX2 and AVX-512; the higher is
      "peak"; for 2 threads, two loops at once);
  (2) TF.js on the same photos: `node bench/detect/tfjs_bench.mjs --backend
      wasm` (XNNPACK, SIMD, one thread), graph only, same input preprocessing;
  (3) `vigil-agent analyze --source vtest-h264.mp4` with and without
      `--objects` (decode, motion, detection at 2/s during motion, tracking,
      rules), against `ffmpeg -i vtest-h264.mp4 -f null -` (decode only), as
      CPU seconds (user + system of the child) per minute of video; the three
      interleaved --repeat times, medians shown.

OpenBLAS chooses its kernels from the CPU unless OPENBLAS_CORETYPE names a
core. When the environment sets it, (1) and the --objects rows are measured
both with it and with it removed (what an agent started without it gets), as
two columns.

Prints one table and two target checks as PASS/MISS lines per column:
TF.js-wasm / vigil >= 2.5x on one thread, and achieved >= 40 % of one core's
peak on one thread.
It reports; exits 0 on a miss, non-zero only if something broke.

    VIGIL_BIN=build/bin python3 bench/detect/detect_bench.py
        [--repeat 3] [--runs 15] [--warmup 3] [--media FILE] [--skip-tfjs] [IMAGE...]

Python 3 standard library. Needs node (scripts/tfjs.sh installs TF.js's npm
packages if they are missing), ffmpeg, and the model (scripts/models.sh).
"""
import argparse
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import media  # noqa: E402

BIN = pathlib.Path(os.environ.get("VIGIL_BIN", ROOT / "build" / "bin"))
DARKNET = pathlib.Path("/usr/share/darknet/data")
TFJS_RATIO_TARGET = 2.5   # TF.js-wasm ms / vigil ms, one thread
PEAK_TARGET = 0.40        # achieved / one core's FP32 peak, one thread


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def check(res, what):
    if res.returncode != 0:
        raise RuntimeError(f"{what}: exit {res.returncode}: {res.stderr[-3000:]}")
    return res


def script_dir(script: str) -> pathlib.Path:
    """Runs scripts/<script> and returns the directory it prints last."""
    res = check(subprocess.run(["bash", str(ROOT / "scripts" / script)], capture_output=True,
                               text=True, timeout=1800), f"scripts/{script}")
    return pathlib.Path(res.stdout.strip().splitlines()[-1])


def probe_duration(path) -> float:
    res = check(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                "-of", "default=nw=1:nk=1", str(path)], capture_output=True,
                               text=True, timeout=60), "ffprobe")
    return float(res.stdout.strip())


def probe_video(path) -> str:
    res = check(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                "stream=codec_name,width,height,avg_frame_rate", "-of", "csv=p=0",
                                str(path)], capture_output=True, text=True, timeout=60), "ffprobe")
    return res.stdout.strip()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------- BLAS set-ups
def blas_setups() -> list[tuple[str, dict]]:
    """(label, environment) per OpenBLAS set-up to measure. OPENBLAS_CORETYPE
    overrides OpenBLAS's CPU detection; when the environment sets it, vigil is
    measured both with it and without it (what a camera's agent gets)."""
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if not forced:
        return [("OpenBLAS detection", dict(os.environ))]
    unset = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    return [(f"env OPENBLAS_CORETYPE={forced}", dict(os.environ)),
            ("detected, variable unset", unset)]


# ---------------------------------------------------------------- (1), (2)
def vigil_inference(model_dir, images, runs, warmup, env) -> tuple[dict, str]:
    cmd = [str(BIN / "vigil-bench-detect"), "--model", str(model_dir), "--runs", str(runs),
           "--warmup", str(warmup), "--threads", "1,2", "--json", *map(str, images)]
    res = check(subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env),
                "vigil-bench-detect")
    lines = res.stdout.rstrip().splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1]).rstrip()


def tfjs_inference(model_dir, images, runs, warmup) -> tuple[float, list, dict]:
    """Median over images of tfjs_bench's per-image median ms (wasm, 1 thread)."""
    per_image, last = [], {}
    for image in images:
        res = check(subprocess.run(["node", str(ROOT / "bench" / "detect" / "tfjs_bench.mjs"),
                                    "--model", str(model_dir), "--backend", "wasm", "--threads", "1",
                                    "--runs", str(runs), "--warmup", str(warmup), str(image)],
                                   capture_output=True, text=True, timeout=1800), "tfjs_bench.mjs")
        last = json.loads(res.stdout.strip().splitlines()[-1])
        per_image.append((pathlib.Path(image).name, last["ms_median"]))
    return statistics.median(ms for _, ms in per_image), per_image, last


# ---------------------------------------------------------------- (3)
def agent_rows(path, video_s, repeat, setups) -> tuple[dict, list]:
    """CPU s per video minute: decode, motion only, and --objects per BLAS set-up,
    interleaved run by run; medians."""
    agent = str(BIN / "vigil-agent")
    cmds = {
        "decode": (["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"], None),
        "motion": ([agent, "analyze", "--source", str(path), "--json"], None),
    }
    for i, (_, env) in enumerate(setups):
        cmds[f"objects {i + 1}"] = ([agent, "analyze", "--source", str(path), "--objects", "--json"], env)
    runs = {k: [] for k in cmds}
    notes = []
    for i in range(repeat):
        for name, (cmd, env) in cmds.items():
            cpu0, t0 = children_cpu(), time.monotonic()
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
            cpu, wall = children_cpu() - cpu0, time.monotonic() - t0
            check(res, " ".join(cmd))
            runs[name].append(cpu)
            if name != "decode":
                report = json.loads(res.stdout)
                note = (f"{name} run {i + 1}: {cpu:.2f} CPU s, wall {wall:.1f} s, "
                        f"{len(report.get('events', []))} events, {report['analysis_frames']} "
                        f"analysis frames, media {report['media_s']:.1f} s")
                if report.get("detector_runs"):
                    note += (f", detector {report['detector_runs']} runs, "
                             f"{report['detector_ms'] / report['detector_runs']:.1f} ms each")
                notes.append(note)
    per_min = {k: statistics.median(v) / video_s * 60 for k, v in runs.items()}
    notes += [f"{k} runs: " + ", ".join(f"{c:.2f}" for c in v) + " CPU s" for k, v in runs.items()]
    return per_min, notes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("images", nargs="*", type=pathlib.Path,
                    help="photos (default: /usr/share/darknet/data/*.jpg)")
    ap.add_argument("--repeat", type=int, default=3, help="agent/decode runs each (median)")
    ap.add_argument("--runs", type=int, default=15, help="timed inferences per measurement")
    ap.add_argument("--warmup", type=int, default=3, help="untimed inferences first")
    ap.add_argument("--media", type=pathlib.Path,
                    help="video for the agent rows (default vtest-h264.mp4, scripts/test-media.sh)")
    ap.add_argument("--skip-tfjs", action="store_true", help="no TF.js reference")
    args = ap.parse_args()

    for tool in ("ffmpeg", "ffprobe") + (() if args.skip_tfjs else ("node",)):
        if not shutil.which(tool):
            print(f"detect_bench: {tool} not found", file=sys.stderr)
            return 2
    for b in ("vigil-bench-detect", "vigil-agent"):
        if not (BIN / b).is_file():
            print(f"detect_bench: {BIN / b} missing (make build, or set VIGIL_BIN)", file=sys.stderr)
            return 2
    images = args.images or sorted(DARKNET.glob("*.jpg"))
    if not images:
        print(f"detect_bench: no images (Debian package darknet gives {DARKNET})", file=sys.stderr)
        return 2
    model_dir = script_dir("models.sh")
    if not args.skip_tfjs:
        script_dir("tfjs.sh")
    path = args.media or media.media("vtest-h264.mp4")
    video_s = probe_duration(path)
    setups = blas_setups()
    started = time.monotonic()
    print(f"bench/detect — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} cores")
    print(f"binaries: {BIN}; model: {model_dir}")
    print(f"images: {', '.join(p.name for p in images)}")
    print(f"media: {path} ({probe_video(path)}, {video_s:.1f} s)")
    print("OpenBLAS set-ups (objects N = the Nth): " + "; ".join(label for label, _ in setups))
    print(f"load average at start: {load()}")

    # vigil (first set-up), TF.js, vigil (second set-up): the reference in the middle.
    vigil = []
    tfjs_ms = None
    for i, (label, env) in enumerate(setups):
        result, table = vigil_inference(model_dir, images, args.runs, args.warmup, env)
        vigil.append(result)
        print(f"\n--- vigil-bench-detect, {label}\n{table}")
        if i == 0 and not args.skip_tfjs:
            tfjs_ms, tfjs_images, info = tfjs_inference(model_dir, images, args.runs, args.warmup)
            print(f"\n--- TF.js {info.get('tfjs', '?')} wasm (simd {info.get('simd')}, "
                  f"{info.get('threads')} thread, {info.get('binary', '?')}), graph ms per image: "
                  + ", ".join(f"{n} {ms:.1f}" for n, ms in tfjs_images))
    print(f"\nload average after inference: {load()}")
    per_min, notes = agent_rows(path, video_s, args.repeat, setups)

    cols = [f"vigil, {v['blas_core']} kernels ({label})" for v, (label, _) in zip(vigil, setups)]
    def row(name, fn, note=""):
        return (name, [fn(v, i) for i, v in enumerate(vigil)], note)
    t = lambda v, n: v["threads"][str(n)]  # noqa: E731
    rows = [
        row("ms per inference, 1 math thread: graph / whole Detect",
            lambda v, i: f"{t(v, 1)['graph_ms']:.1f} / {t(v, 1)['detect_ms']:.1f}"),
        row("ms per inference, 2 math threads: graph / whole Detect",
            lambda v, i: f"{t(v, 2)['graph_ms']:.1f} / {t(v, 2)['detect_ms']:.1f}",
            "speed-up over 1 thread: " + ", ".join(
                f"{t(v, 1)['graph_ms'] / t(v, 2)['graph_ms']:.2f}x" for v in vigil)),
        row("ms per inference, TF.js wasm (XNNPACK, SIMD, 1 thread): graph",
            lambda v, i: f"{tfjs_ms:.1f}" if tfjs_ms else "skipped", "reference, same images"),
        row("ratio TF.js-wasm / vigil, 1 thread (graph)",
            lambda v, i: f"{tfjs_ms / t(v, 1)['graph_ms']:.2f}x" if tfjs_ms else "—",
            f"target >= {TFJS_RATIO_TARGET}x"),
        row("achieved GFLOP/s, 1 thread / 2 threads",
            lambda v, i: f"{t(v, 1)['gflops']:.1f} / {t(v, 2)['gflops']:.1f}",
            f"{vigil[0]['flops'] / 1e9:.2f} GFLOP per inference"),
        row("peak GFLOP/s, one core: AVX2 loop / AVX-512 loop",
            lambda v, i: " / ".join(f"{p['gflops']:.1f}" for p in v["peaks"] if p["threads"] == 1),
            "peak = the higher; measured in each run"),
        row("peak GFLOP/s, 2 loops at once (both vCPUs): AVX2 / AVX-512",
            lambda v, i: " / ".join(f"{p['gflops']:.1f}" for p in v["peaks"] if p["threads"] == 2),
            "the 2-thread fraction's reference"),
        row("fraction of peak, 1 thread (2 threads: of the 2-loop peak)",
            lambda v, i: f"{100 * t(v, 1)['fraction']:.1f}% ({100 * t(v, 2)['fraction']:.1f}%)",
            f"target >= {100 * PEAK_TARGET:.0f}%"),
        row("CPU s per video minute: ffmpeg decode only",
            lambda v, i: f"{per_min['decode']:.2f}", "reference (no BLAS)"),
        row("CPU s per video minute: vigil-agent analyze, motion only",
            lambda v, i: f"{per_min['motion']:.2f}",
            f"{per_min['motion'] / per_min['decode']:.2f}x decode (no BLAS)"),
        row("CPU s per video minute: vigil-agent analyze --objects",
            lambda v, i: f"{per_min[f'objects {i + 1}']:.2f}",
            "x decode: " + ", ".join(f"{per_min[f'objects {i + 1}'] / per_min['decode']:.2f}"
                                     for i in range(len(vigil)))),
    ]
    print()
    print("| measure | " + " | ".join(cols) + " | reference / note |")
    print("|---|" + "---:|" * len(cols) + "---|")
    for name, values, note in rows:
        print(f"| {name} | " + " | ".join(values) + f" | {note} |")
    print()
    v0 = vigil[0]
    print(f"  CPU {v0['cpu']} ({v0['isa']}); OpenBLAS {v0['blas_config'].split(' ')[1]}")
    for n in notes:
        print("  " + n)
    print()
    for v, (label, _) in zip(vigil, setups):
        one = t(v, 1)
        if tfjs_ms:
            ratio = tfjs_ms / one["graph_ms"]
            print(f"{'PASS' if ratio >= TFJS_RATIO_TARGET else 'MISS'}  [{v['blas_core']}, {label}] "
                  f"vigil {one['graph_ms']:.1f} ms vs TF.js-wasm {tfjs_ms:.1f} ms per inference on "
                  f"one thread: {ratio:.2f}x (target >= {TFJS_RATIO_TARGET}x)")
        else:
            print("SKIP  vigil vs TF.js (--skip-tfjs)")
        print(f"{'PASS' if one['fraction'] >= PEAK_TARGET else 'MISS'}  [{v['blas_core']}, {label}] "
              f"{one['gflops']:.1f} GFLOP/s on one thread = {100 * one['fraction']:.1f}% of one "
              f"core's FP32 peak {v['peak_gflops']:.1f} GFLOP/s (target >= {100 * PEAK_TARGET:.0f}%)")
    print(f"load average at end: {load()}; bench took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
