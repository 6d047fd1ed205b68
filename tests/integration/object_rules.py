# SPDX-License-Identifier: Apache-2.0
"""Alert rule sets, test clips and what each rule set must do on each clip.

Shared by test_objects.py (which asserts the outcomes) and
bench/detect/alerts_bench.py (which prints alerts raised versus expected:
precision and recall). The clips are real footage (docs: tests/data/README.md):
vtest.avi (people walking past parked vans), tree.avi (foliage, and a hand
across the lens), car-pass.mp4 (a real pickup photo driven across a real
street). Everything runs through `vigil-agent analyze --config`, so the
rules are exactly what a cameras.toml says.
"""
import json
import pathlib
import subprocess

import media

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
OPENCV_DATA = pathlib.Path("/usr/share/doc/opencv-doc/examples/data")


def _zones_toml(zones: dict) -> str:
    out = []
    for name, polygon in zones.items():
        points = ", ".join(f"[{x}, {y}]" for x, y in polygon)
        out.append(f'[[camera.zone]]\nname = "{name}"\npolygon = [{points}]\n')
    return "\n".join(out)


def _car_zones() -> dict:
    truth = json.loads((DATA / "car-pass-truth.json").read_text())
    return truth["zones_suggested"]  # street (the truck's path), doorway (never touched)


# name -> (zones or None, [camera.objects] body)
RULE_SETS = {
    "default": (None, 'alert = ["person", "vehicle", "animal"]\n'),
    "people-only": (None, 'alert = ["person"]\n'),
    "vehicles-only": (None, 'alert = ["vehicle"]\n'),
    "vehicles-on-street": ("car", 'alert = ["person", "vehicle"]\n[camera.objects.zones]\nvehicle = ["street"]\n'),
    "vehicles-at-door": ("car", 'alert = ["person", "vehicle"]\n[camera.objects.zones]\nvehicle = ["doorway"]\n'),
}

# clip -> {rule set: expected alerting events, as a list of label sets}
EXPECTED = {
    "vtest": {
        "default": [{"person"}],
        "people-only": [{"person"}],
        "vehicles-only": [],  # the vans are parked
    },
    "tree": {
        "default": [],
        "people-only": [],
    },
    "car-pass": {
        "default": [{"vehicle"}],
        "people-only": [],  # a passing car is not an alert
        "vehicles-only": [{"vehicle"}],
        "vehicles-on-street": [{"vehicle"}],
        "vehicles-at-door": [],  # it drives past a zone where vehicles do not count
    },
}


def clip_path(clip: str) -> pathlib.Path:
    if clip == "vtest":
        return media.media("vtest-h264.mp4")
    if clip == "tree":
        return OPENCV_DATA / "tree.avi"  # the whole file, hand included
    if clip == "car-pass":
        return media.media("car-pass.mp4")
    raise KeyError(clip)


def cameras_toml(clip: str, rule_set: str, source: pathlib.Path, extra_objects_toml: str = "") -> str:
    """`extra_objects_toml`: key lines added to [camera.objects], e.g. 'preprocess = "stretch-rgb"\n'."""
    zones, body = RULE_SETS[rule_set]
    text = f'[[camera]]\nname = "{clip}"\nsource = "{source}"\n'
    if zones == "car":
        text += "\n" + _zones_toml(_car_zones())
    return text + "\n[camera.objects]\n" + extra_objects_toml + body


def analyze(agent: pathlib.Path, clip: str, rule_set: str, workdir: pathlib.Path,
            extra_objects_toml: str = "") -> dict:
    source = clip_path(clip)
    config = workdir / f"{clip}-{rule_set}.toml"
    config.write_text(cameras_toml(clip, rule_set, source, extra_objects_toml))
    proc = subprocess.run([str(agent), "analyze", "--config", str(config), "--json"],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"vigil-agent analyze failed ({proc.returncode}): {proc.stderr}")
    return json.loads(proc.stdout)


def person_seconds_covered(report: dict) -> float:
    """Share of vtest's hand-labelled person seconds inside person alerts' clips."""
    labelled = json.loads((DATA / "vtest-person-intervals.json").read_text())["intervals"]
    alert_spans = [(e["clip_start_s"], e["end_s"]) for e in report["events"] if "person" in e["alert_labels"]]
    total = covered = 0.0
    step = 0.1
    for interval in labelled:
        t = interval["start_s"]
        while t < interval["end_s"] - 1e-9:
            total += step
            if any(a <= t + step / 2 <= b for a, b in alert_spans):
                covered += step
            t += step
    return covered / total if total else 1.0


def score(report: dict, expected: list) -> dict:
    """Alerts raised versus expected: each alerting event is one alert."""
    raised = [set(e["alert_labels"]) for e in report["events"] if e["alert_labels"]]
    remaining = list(expected)
    correct = 0
    for labels in raised:
        match = next((x for x in remaining if labels == x), None)
        if match is not None:
            remaining.remove(match)
            correct += 1
    return {"raised": len(raised), "expected": len(expected), "correct": correct,
            "labels": [sorted(x) for x in raised]}
