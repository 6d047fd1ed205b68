# SPDX-License-Identifier: Apache-2.0
"""Checks the clean-room vigil_household_formats.py against tests/vectors/key-chain.json and
tests/vectors/camera-name.json. Run: /usr/bin/python3 tests/formats/test_household_formats.py"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vigil_formats as vf  # noqa: E402
import vigil_household_formats as hf  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def load(name):
    with open(os.path.join(REPO_ROOT, "tests", "vectors", name), encoding="utf-8") as f:
        return json.load(f)


h = bytes.fromhex


class KeyChainTest(unittest.TestCase):
    def setUp(self):
        self.v = load("key-chain.json")
        self.account = self.v["account_id"].encode()

    def test_positive_chain(self):
        chain = [(h(x["payload"]), h(x["signature"])) for x in self.v["versions"]]
        head, (version, digest) = hf.verify_chain(self.account, chain)
        self.assertEqual(version, 3)
        self.assertEqual(digest.hex(), self.v["versions"][2]["hash"])
        for x in self.v["versions"]:
            p = hf.decode_payload(h(x["payload"]))
            self.assertEqual(p["version"], x["version"])
            self.assertEqual(p["previous_hash"].hex(), x["previous_hash"])
            self.assertEqual(p["account_key"].hex(), x["account_public_key"])
            self.assertEqual([(d.decode(), b.hex(), s.hex()) for d, b, s in p["devices"]],
                             [(d["device_id"], d["box_public_key"], d["sign_public_key"])
                              for d in x["devices"]])
        self.assertEqual(head["account_key"].hex(), self.v["account_public_key"])

    def test_negative_chains(self):
        self.assertGreaterEqual(len(self.v["negative"]), 10)
        for n in self.v["negative"]:
            chain = [(h(x["payload"]), h(x["signature"])) for x in n["chain"]]
            with self.assertRaises(hf.ChainInvalid, msg=n["name"]):
                hf.verify_chain(self.account, chain, n["pin_version"], h(n["pin_hash"]))


class CameraNameTest(unittest.TestCase):
    def setUp(self):
        self.v = load("camera-name.json")
        self.sk = h(self.v["recipient_private_key"])

    def test_positive_vectors(self):
        pk = h(self.v["recipient_public_key"])
        self.assertEqual(vf.x25519_public(self.sk), pk)
        for x in self.v["vectors"]:
            hh, cam = h(x["household_id"]), h(x["camera_id"])
            self.assertEqual(hf.camera_name_info(hh, cam, pk).hex(), x["info"])
            sealed = hf.seal_camera_name(pk, hh, cam, h(x["camera_name"]),
                                         h(x["ephemeral_private_key"]))
            self.assertEqual(sealed.hex(), x["sealed"], x["name"])
            self.assertEqual(hf.open_camera_name(sealed, self.sk, hh, cam).hex(), x["camera_name"])

    def test_negative_vectors(self):
        self.assertGreaterEqual(len(self.v["negative"]), 10)
        for n in self.v["negative"]:
            with self.assertRaises(vf.DecryptionFailed, msg=n["name"]):
                hf.open_camera_name(h(n["sealed"]), self.sk, h(n["household_id"]),
                                    h(n["camera_id"]))


if __name__ == "__main__":
    outcome = unittest.TextTestRunner(verbosity=2).run(
        unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__]))
    failed = len(outcome.failures) + len(outcome.errors)
    print(f"{outcome.testsRun - failed} passed, {failed} failed")
    raise SystemExit(1 if failed else 0)
