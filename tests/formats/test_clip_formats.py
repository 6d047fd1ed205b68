# SPDX-License-Identifier: Apache-2.0
"""Checks the clean-room vigil_clip_formats.py against tests/vectors/clip.json.
Run: /usr/bin/python3 tests/formats/test_clip_formats.py"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vigil_formats as vf  # noqa: E402
import vigil_clip_formats as cf  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
h = bytes.fromhex


def load(name):
    with open(os.path.join(REPO_ROOT, "tests", "vectors", name), encoding="utf-8") as f:
        return json.load(f)


class ClipTest(unittest.TestCase):
    def setUp(self):
        self.v = load("clip.json")
        self.cam = h(self.v["camera_public_key"])
        self.hh = h(self.v["household_private_key"])

    def open(self, blob, x):
        return cf.open_clip(blob, self.cam, h(x["clip_id"]), h(x["camera_id"]), h(x["envelope"]),
                            self.hh)

    def test_keys(self):
        self.assertEqual(vf.x25519_public(self.hh).hex(), self.v["household_public_key"])
        seed = h(self.v["camera_signing_seed"])
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        pub = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.assertEqual(pub, self.cam)

    def test_positive_clips_open_and_chain(self):
        chain = []
        for x in self.v["vectors"]:
            blob = h(x["blob"])
            got = self.open(blob, x)
            self.assertEqual(got["video"].hex(), x["video"], x["name"])
            self.assertEqual(got["thumbnail"].hex(), x["thumbnail"])
            self.assertEqual(got["metadata"].hex(), x["metadata"])
            m = got["manifest"]
            self.assertEqual(got["manifest_hash"].hex(), x["manifest_hash"])
            self.assertEqual(m["sequence"], int(x["sequence"]))
            self.assertEqual(m["previous_manifest_hash"].hex(), x["previous_manifest_hash"])
            self.assertEqual(m["household_epoch"], int(x["household_epoch"]))
            self.assertEqual(m["start_time_unix_s"], int(x["start_time_unix_s"]))
            self.assertEqual(m["duration_ms"], x["duration_ms"])
            self.assertEqual(
                cf.associated_data(m["clip_id"], m["camera_id"], m["household_epoch"]).hex(),
                x["associated_data"])
            chain.append((m, got["manifest_hash"]))
        self.assertEqual(cf.check_chain(chain), [])
        self.assertEqual([p for p, _, _ in cf.check_chain(chain[:1], (2, chain[1][1]))],
                         ["rollback"])
        self.assertEqual([p for p, _, _ in cf.check_chain(chain[::-1])], ["reorder"])

    def test_padding(self):
        # clip.md §Padding: zeros up to the next 64 KiB are stripped; more, or
        # a non-zero byte after the trailer, are not a clip.
        x = self.v["vectors"][0]
        blob = h(x["blob"])
        padded = blob + bytes(-len(blob) % cf.PADDING_UNIT)
        self.assertEqual(len(padded) % cf.PADDING_UNIT, 0)
        self.assertEqual(self.open(padded, x)["video"].hex(), x["video"])
        for bad in (blob + bytes(cf.PADDING_UNIT), blob + b"\x01" + bytes(100),
                    bytes(1000)):
            with self.assertRaises(cf.VerificationFailed):
                self.open(bad, x)

    def test_encoder_reproduces_the_blobs(self):
        seed = h(self.v["camera_signing_seed"])
        for x in self.v["vectors"]:
            nonces = {p: (h(x[p + "_salt"]), h(x[p + "_nonce_prefix"]))
                      for p in ("video", "thumbnail", "metadata")}
            clip_id, camera_id, epoch = h(x["clip_id"]), h(x["camera_id"]), int(x["household_epoch"])
            envelope = vf.seal_clip_key(vf.x25519_public(self.hh), clip_id, camera_id, epoch,
                                        h(x["clip_key"]), h(x["ephemeral_private_key"]))
            self.assertEqual(envelope.hex(), x["envelope"])
            blob = cf.seal_clip(seed, h(x["clip_key"]), clip_id, camera_id, epoch,
                                int(x["sequence"]), h(x["previous_manifest_hash"]),
                                int(x["start_time_unix_s"]), x["duration_ms"], x["segment_bytes"],
                                h(x["video"]), h(x["thumbnail"]), h(x["metadata"]), [envelope],
                                nonces)
            self.assertEqual(blob.hex(), x["blob"], x["name"])

    def test_ranges_decrypt_only_their_segments(self):
        x = self.v["vectors"][0]
        blob, video = h(x["blob"]), h(x["video"])
        layout, m, _ = cf.verify_clip(blob, self.cam, h(x["clip_id"]), h(x["camera_id"]))
        key = cf.open_key(m, h(x["envelope"]), self.hh)
        seg = m["segment_bytes"]
        for offset, length in ((0, 1), (300, 400), (len(video) - 1, 1), (0, len(video))):
            first, start, size = cf.video_range(m, layout, offset, length)
            plain = cf.decrypt_video_segments(m, key, first, blob[start:start + size])
            self.assertEqual(plain, video[first * seg:first * seg + len(plain)])
            self.assertGreaterEqual(first * seg + len(plain), offset + length)
            bad = bytearray(blob[start:start + size])
            bad[len(bad) // 2] ^= 1
            with self.assertRaises(cf.VerificationFailed):
                cf.decrypt_video_segments(m, key, first, bytes(bad))

    def test_heartbeat(self):
        hb = self.v["heartbeat"]
        got = cf.verify_heartbeat(h(hb["signed"]), self.cam, h(hb["camera_id"]))
        self.assertEqual(got["time_unix_s"], int(hb["time_unix_s"]))
        self.assertEqual(got["last_sequence"], int(hb["last_sequence"]))
        self.assertEqual(got["last_manifest_hash"].hex(), hb["last_manifest_hash"])
        self.assertEqual(hb["last_manifest_hash"], self.v["vectors"][-1]["manifest_hash"])
        with self.assertRaises(cf.VerificationFailed):
            cf.verify_heartbeat(h(hb["signed"]), self.cam, b"other-camera")
        with self.assertRaises(cf.VerificationFailed):  # a heartbeat is not a manifest
            cf.verify_manifest(h(hb["signed"]), self.cam, b"clip-0001", h(hb["camera_id"]))

    def test_metadata_documents(self):
        for x in self.v["vectors"]:
            self.assertEqual(cf.decode_metadata(h(x["metadata"])), x["metadata_document"])
        self.assertGreaterEqual(len(self.v["negative_metadata"]), 5)
        for n in self.v["negative_metadata"]:
            with self.assertRaises(cf.VerificationFailed, msg=n["name"]):
                cf.decode_metadata(h(n["metadata"]))

    def test_negative_blobs(self):
        self.assertGreaterEqual(len(self.v["negative"]), 10)
        x = self.v["vectors"][0]
        for n in self.v["negative"]:
            with self.assertRaises((cf.VerificationFailed, vf.DecryptionFailed), msg=n["name"]):
                self.open(h(n["blob"]), x)


if __name__ == "__main__":
    outcome = unittest.TextTestRunner(verbosity=2).run(
        unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__]))
    failed = len(outcome.failures) + len(outcome.errors)
    print(f"{outcome.testsRun - failed} passed, {failed} failed")
    raise SystemExit(1 if failed else 0)
