#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/detect: alert quality of the object rules on real footage — alerts
raised versus expected for every (clip, rule set) of
tests/integration/object_rules.EXPECTED, through `vigil-agent analyze
--config` exactly as test_objects.py runs it, for each detector input
preprocessing ([camera.objects] `preprocess`: the default "letterbox-bgr",
NanoDet's training, and "stretch-rgb", what vladmandic/human feeds the model).

Per row: the alerts expected and raised (label sets), and correct = raised
alerts matching an expected one. Overall precision = correct / raised and
recall = correct / expected; plus, on vtest, the share of its hand-labelled
person seconds inside person alerts' clips (object_rules.person_seconds_covered,
per rule set that alerts on people) and whether any vtest alert carried
"vehicle" (its vans are parked: none should).

    VIGIL_BIN=build/bin python3 bench/detect/alerts_bench.py
        [--preprocess letterbox-bgr,stretch-rgb] [--keep]

Python 3 standard library. Needs the model (scripts/models.sh), the test media
(scripts/test-media.sh) and opencv-doc's clips. Reports; exits 0 whatever the
scores, non-zero only if something broke.
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import object_rules  # noqa: E402

BIN = pathlib.Path(os.environ.get("VIGIL_BIN", ROOT / "build" / "bin"))
PREPROCESS = {
    "letterbox-bgr": "",  # the default: no key written
    "stretch-rgb": 'preprocess = "stretch-rgb"\n',
}


def labels_text(sets) -> str:
    return "; ".join("+".join(sorted(s)) for s in sets) if sets else "none"


def run_preprocess(name: str, work: pathlib.Path) -> dict:
    agent = BIN / "vigil-agent"
    extra = PREPROCESS[name]
    work.mkdir(parents=True, exist_ok=True)
    rows, covered, vehicle_alerts, vtest_objects = [], {}, 0, set()
    detector_runs = detector_ms = 0.0
    for clip, rule_sets in object_rules.EXPECTED.items():
        for rule_set, expected in rule_sets.items():
            t0 = time.monotonic()
            report = object_rules.analyze(agent, clip, rule_set, work, extra_objects_toml=extra)
            wall = time.monotonic() - t0
            s = object_rules.score(report, expected)
            rows.append((clip, rule_set, labels_text(expected), labels_text(s["labels"]),
                         s["correct"], s["raised"], s["expected"], wall))
            detector_runs += report.get("detector_runs", 0)
            detector_ms += report.get("detector_ms", 0.0)
            if clip == "vtest":
                vehicle_alerts += sum("vehicle" in e["alert_labels"] for e in report["events"])
                vtest_objects |= {o["label"] for e in report["events"] for o in e["objects"]}
                if expected and any("person" in x for x in expected):
                    covered[rule_set] = object_rules.person_seconds_covered(report)
    correct = sum(r[4] for r in rows)
    raised = sum(r[5] for r in rows)
    expected = sum(r[6] for r in rows)
    return {"rows": rows, "correct": correct, "raised": raised, "expected": expected,
            "precision": correct / raised if raised else 1.0,
            "recall": correct / expected if expected else 1.0,
            "covered": covered, "vehicle_alerts": vehicle_alerts,
            "vtest_objects": sorted(vtest_objects),
            "detector_ms_per_run": detector_ms / detector_runs if detector_runs else 0.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preprocess", default="letterbox-bgr,stretch-rgb",
                    help="comma-separated: letterbox-bgr, stretch-rgb")
    ap.add_argument("--keep", action="store_true", help="keep the generated cameras.toml files")
    args = ap.parse_args()
    names = [p for p in args.preprocess.split(",") if p]
    for p in names:
        if p not in PREPROCESS:
            print(f"alerts_bench: unknown preprocessing {p!r}", file=sys.stderr)
            return 2
    if not (BIN / "vigil-agent").is_file():
        print(f"alerts_bench: {BIN / 'vigil-agent'} missing (make build, or set VIGIL_BIN)",
              file=sys.stderr)
        return 2
    subprocess.run(["bash", str(ROOT / "scripts" / "models.sh")], check=True,
                   capture_output=True, timeout=1800)
    started = time.monotonic()
    print(f"bench/detect alerts — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"binaries: {BIN}")
    root = pathlib.Path(tempfile.mkdtemp(prefix="vigil-bench-alerts-"))
    results = {}
    try:
        for p in names:
            results[p] = run_preprocess(p, root / p)
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    for p, r in results.items():
        print()
        print(f"preprocess = \"{p}\"{' (default)' if p == 'letterbox-bgr' else ''}:")
        print()
        print("| clip | rule set | expected alerts | raised alerts | correct | raised | expected |")
        print("|---|---|---|---|---:|---:|---:|")
        for clip, rule_set, exp, got, c, n_raised, n_exp, _ in r["rows"]:
            print(f"| {clip} | {rule_set} | {exp} | {got} | {c} | {n_raised} | {n_exp} |")
        print(f"| **all** | | | | {r['correct']} | {r['raised']} | {r['expected']} |")
    print()
    print("| preprocess | correct | raised | expected | precision | recall | vtest person seconds "
          "covered | vtest alerts with \"vehicle\" | detector ms per run (analyze) |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for p, r in results.items():
        covered = ", ".join(f"{k} {100 * v:.1f}%" for k, v in r["covered"].items()) or "—"
        print(f"| {p} | {r['correct']} | {r['raised']} | {r['expected']} | "
              f"{r['precision']:.2f} | {r['recall']:.2f} | {covered} | {r['vehicle_alerts']} | "
              f"{r['detector_ms_per_run']:.1f} |")
    print()
    for p, r in results.items():
        print(f"  {p}: object labels on vtest's events (any rule set): "
              f"{', '.join(r['vtest_objects']) or 'none'}; analyze wall s per row: "
              + ", ".join(f"{row[0]}/{row[1]} {row[7]:.1f}" for row in r["rows"]))
    print(f"bench took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
