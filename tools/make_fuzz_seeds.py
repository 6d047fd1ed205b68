#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes libFuzzer seed corpora from the checked-in format vectors.

usage: make_fuzz_seeds.py REPO_ROOT OUT_DIR
Creates OUT_DIR/<target>/ for each fuzz target, one file per vector (positive and
negative), so fuzzing starts from valid and near-valid inputs.
"""
import json
import pathlib
import struct
import sys


def tfjs_seed(nodes, weights, outputs) -> bytes:
    """A fuzz_tfjs_model input: 4-byte length, model.json, weight bytes.
    `weights`: (name, shape, dtype, values, float16?)."""
    manifest, blob = [], b""
    for name, shape, dtype, values, half in weights:
        entry = {"name": name, "shape": shape, "dtype": dtype}
        if half:
            entry["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
            blob += struct.pack(f"<{len(values)}e", *values)
        else:
            blob += struct.pack(f"<{len(values)}{'i' if dtype == 'int32' else 'f'}", *values)
        manifest.append(entry)
        nodes.append({"name": name, "op": "Const"})
    model = {"format": "graph-model", "modelTopology": {"node": nodes},
             "signature": {"outputs": {f"{o}:0": {"name": f"{o}:0"} for o in outputs}},
             "weightsManifest": [{"paths": ["w.bin"], "weights": manifest}]}
    text = json.dumps(model).encode()
    return struct.pack("<I", len(text)) + text + blob


def tfjs_seeds() -> list:
    """Small graphs with the ops NanoDet uses, on a [1,2,4,4] input."""
    def ints(*v):
        return {"list": {"i": [str(x) for x in v]}}
    placeholder = {"name": "input_1", "op": "Placeholder",
                   "attr": {"shape": {"shape": {"dim": [{"size": "1"}, {"size": "2"}, {"size": "4"}, {"size": "4"}]}}}}
    conv_attr = {"strides": ints(1, 1, 1, 1), "padding": {"s": "VkFMSUQ="}, "data_format": {"s": "TkhXQw=="}}
    conv = [placeholder,
            {"name": "pad", "op": "Pad", "input": ["input_1", "pads"]},
            {"name": "t1", "op": "Transpose", "input": ["pad", "nhwc"]},
            {"name": "conv", "op": "Conv2D", "input": ["t1", "filter"], "attr": conv_attr},
            {"name": "add", "op": "Add", "input": ["conv", "bias"]},
            {"name": "t2", "op": "Transpose", "input": ["add", "nchw"]},
            {"name": "Identity", "op": "LeakyRelu", "input": ["t2"], "attr": {"alpha": {"f": 0.1}}}]
    conv_w = [("pads", [4, 2], "int32", [0, 0, 0, 0, 1, 1, 1, 1], False),
              ("nhwc", [4], "int32", [0, 2, 3, 1], False), ("nchw", [4], "int32", [0, 3, 1, 2], False),
              ("filter", [3, 3, 2, 3], "float32", [((i * 7) % 11 - 5) / 8 for i in range(54)], True),
              ("bias", [3], "float32", [0.5, -0.25, 0.125], True)]
    heads = [placeholder,
             {"name": "split", "op": "SplitV", "input": ["input_1", "sizes", "axis"]},
             {"name": "sig", "op": "Sigmoid", "input": ["split"]},
             {"name": "cat", "op": "ConcatV2", "input": ["split:1", "sig", "axis"]},
             {"name": "reshape", "op": "Reshape", "input": ["cat", "shape"]},
             {"name": "Identity", "op": "Transpose", "input": ["reshape", "swap"]}]
    heads_w = [("sizes", [2], "int32", [1, 1], False), ("axis", [], "int32", [1], False),
               ("shape", [3], "int32", [1, 2, -1], False), ("swap", [3], "int32", [0, 2, 1], False)]
    pool = [placeholder,
            {"name": "t", "op": "Transpose", "input": ["input_1", "nhwc"]},
            {"name": "up", "op": "ResizeBilinear", "input": ["t", "size"], "attr": {"half_pixel_centers": {"b": True}}},
            {"name": "Identity", "op": "MaxPool", "input": ["up"],
             "attr": {"ksize": ints(1, 3, 3, 1), "strides": ints(1, 2, 2, 1), "padding": {"s": "VkFMSUQ="},
                      "data_format": {"s": "TkhXQw=="}}}]
    pool_w = [("nhwc", [4], "int32", [0, 2, 3, 1], False), ("size", [2], "int32", [8, 8], False)]
    return [tfjs_seed(conv, conv_w, ["Identity"]), tfjs_seed(heads, heads_w, ["Identity"]),
            tfjs_seed(pool, pool_w, ["Identity"])]


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
        "fuzz_tfjs_model": tfjs_seeds(),
    }
    for target, blobs in seeds.items():
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        for i, blob in enumerate(blobs):
            (d / f"seed-{i:03d}").write_bytes(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main())
