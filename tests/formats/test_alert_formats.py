# SPDX-License-Identifier: Apache-2.0
"""Checks the clean-room vigil_alert_formats.py against tests/vectors/alert.json.
Run: /usr/bin/python3 tests/formats/test_alert_formats.py"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vigil_formats as vf  # noqa: E402
import vigil_alert_formats as af  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
h = bytes.fromhex


class AlertTest(unittest.TestCase):
    def setUp(self):
        with open(os.path.join(REPO_ROOT, "tests", "vectors", "alert.json"), encoding="utf-8") as f:
            self.v = json.load(f)
        self.cam = h(self.v["camera_public_key"])
        self.hh = h(self.v["household_private_key"])

    def test_keys(self):
        self.assertEqual(vf.x25519_public(self.hh).hex(), self.v["household_public_key"])

    def test_vectors_seal_to_the_exact_bytes_and_open(self):
        self.assertGreaterEqual(len(self.v["vectors"]), 3)
        for x in self.v["vectors"]:
            labels = [l.encode() for l in x["labels"]]
            p = af.encode_plaintext(x["kind"], x["clip_id"].encode(), x["event_time_unix_s"],
                                    x["sequence"], labels, x["motion_score"])
            self.assertEqual(p.hex(), x["plaintext"], x["name"])
            self.assertEqual(af.info(h(x["alert_id"]), h(x["camera_id"]), x["household_epoch"],
                                     h(self.v["household_public_key"])).hex(), x["info"])
            sealed = af.seal_alert(p, h(x["alert_id"]), h(x["camera_id"]), x["household_epoch"],
                                   h(self.v["household_public_key"]),
                                   h(self.v["camera_signing_seed"]), h(x["ephemeral_private_key"]))
            self.assertEqual(sealed.hex(), x["sealed"], x["name"])
            content = af.open_alert(h(x["sealed"]), h(x["alert_id"]), h(x["camera_id"]),
                                    x["household_epoch"], self.cam, self.hh)
            self.assertEqual(content["kind"], x["kind"])
            self.assertEqual(content["clip_id"], x["clip_id"].encode())
            self.assertEqual(content["labels"], labels)
            self.assertEqual(content["sequence"], x["sequence"])
            self.assertEqual(content["event_time_unix_s"], x["event_time_unix_s"])
            self.assertEqual(content["motion_score"], x["motion_score"])

    def test_negatives_fail_with_the_documented_error(self):
        self.assertGreaterEqual(len(self.v["negative"]), 10)
        for n in self.v["negative"]:
            with self.assertRaises((af.AlertVerificationFailed, af.AlertDecryptionFailed),
                                   msg=n["name"]) as caught:
                af.open_alert(h(n["sealed"]), h(n["alert_id"]), h(n["camera_id"]),
                              n["household_epoch"], self.cam, self.hh)
            self.assertEqual(str(caught.exception), n["error"], n["name"])
        for n in self.v["negative_plaintext"]:
            with self.assertRaises(af.AlertDecryptionFailed, msg=n["name"]):
                af.decode_plaintext(h(n["plaintext"]))


if __name__ == "__main__":
    unittest.main()
