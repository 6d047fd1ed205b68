#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes libFuzzer seed corpora from the checked-in format vectors.

usage: make_fuzz_seeds.py REPO_ROOT OUT_DIR
Creates OUT_DIR/<target>/ for each fuzz target, one file per vector (positive and
negative), so fuzzing starts from valid and near-valid inputs.
"""
import json
import pathlib
import sys


def main() -> int:
    root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    streaming = json.loads((root / "tests/vectors/streaming-aead.json").read_text())
    envelope = json.loads((root / "tests/vectors/hpke-envelope.json").read_text())
    clip = json.loads((root / "tests/vectors/clip.json").read_text())
    alert = json.loads((root / "tests/vectors/alert.json").read_text())
    seeds = {
        # The streaming fuzzer's first byte chooses the write size; 0 = one write.
        "fuzz_streaming_aead": [b"\x00" + bytes.fromhex(v["ciphertext"])
                                for v in streaming["vectors"] + streaming["negative"]
                                if v.get("part", "video") == "video"],
        "fuzz_key_envelope": [bytes.fromhex(v["envelope"])
                              for v in envelope["vectors"] + envelope["negative"]],
        "fuzz_clip_container": [bytes.fromhex(v["blob"]) for v in clip["vectors"] + clip["negative"]]
        + [bytes.fromhex(v["metadata"]) for v in clip["vectors"]]
        + [bytes.fromhex(v["metadata"]) for v in clip["negative_metadata"]]
        + [bytes.fromhex(clip["heartbeat"]["signed"])],
        "fuzz_alert": [bytes.fromhex(v["sealed"]) for v in alert["vectors"] + alert["negative"]
                       if "sealed" in v],
    }
    for target, blobs in seeds.items():
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        for i, blob in enumerate(blobs):
            (d / f"seed-{i:03d}").write_bytes(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main())
