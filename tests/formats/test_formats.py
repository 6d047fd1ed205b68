# SPDX-License-Identifier: Apache-2.0
"""Checks the clean-room vigil_formats.py against the checked-in vectors.

Run: /usr/bin/python3 tests/formats/test_formats.py [REPO_ROOT]
(Debian's python3-cryptography; REPO_ROOT defaults to two directories above this file.)
Prints a final line "N passed, M failed" and exits non-zero on any failure.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import vigil_formats as vf  # noqa: E402
except Exception:  # a broken library must still end in the summary line
    import traceback
    traceback.print_exc()
    vf = None

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RFC9180_FILE = "rfc9180-x25519-hkdfsha256-base-aes128gcm-chacha20poly1305.json"
MIN_NEGATIVES = 10


def load(name):
    with open(os.path.join(REPO_ROOT, "tests", "vectors", name), encoding="utf-8") as f:
        return json.load(f)


def h(s):
    return bytes.fromhex(s)


def flip(data, pos, bit=0x01):
    b = bytearray(data)
    b[pos] ^= bit
    return bytes(b)


class Rfc9180Test(unittest.TestCase):
    """The HPKE layer must match RFC 9180 before the envelope vectors mean anything."""

    def test_suites(self):
        suites = load(RFC9180_FILE)
        seen = set()
        for s in suites:
            with self.subTest(aead_id=s["aead_id"]):
                self.assertEqual((s["mode"], s["kem_id"], s["kdf_id"]), (0, 0x20, 1))
                seen.add(s["aead_id"])
                sk_r, sk_e, info = h(s["skRm"]), h(s["skEm"]), h(s["info"])
                self.assertEqual(vf.x25519_public(sk_r).hex(), s["pkRm"])
                shared, enc = vf.encap(h(s["pkRm"]), sk_e)
                self.assertEqual(enc.hex(), s["enc"])
                self.assertEqual(shared.hex(), s["shared_secret"])
                self.assertEqual(vf.decap(enc, sk_r).hex(), s["shared_secret"])
                enc, sender = vf.setup_base_s(h(s["pkRm"]), info, sk_e, s["aead_id"])
                receiver = vf.setup_base_r(enc, sk_r, info, s["aead_id"])
                self.assertEqual(sender.key.hex(), s["key"])
                self.assertEqual(sender.base_nonce.hex(), s["base_nonce"])
                self.assertEqual(sender.exporter_secret.hex(), s["exporter_secret"])
                # Sequence numbers: the i-th seal/open uses base_nonce xor i.
                self.assertGreater(len(s["encryptions"]), 1)
                for e in s["encryptions"]:
                    self.assertEqual(sender._nonce().hex(), e["nonce"])
                    self.assertEqual(sender.seal(h(e["aad"]), h(e["pt"])).hex(), e["ct"])
                    self.assertEqual(receiver.open(h(e["aad"]), h(e["ct"])).hex(), e["pt"])
                self.assertTrue(s["exports"])
                for x in s["exports"]:
                    got = receiver.export(h(x["exporter_context"]), x["L"])
                    self.assertEqual(got.hex(), x["exported_value"])
        self.assertEqual(seen, {vf.AEAD_AES128GCM, vf.AEAD_CHACHA20POLY1305})

    def test_low_order_enc_rejected(self):
        sk = bytes(range(1, 33))
        for enc in (bytes(32), b"\x01" + bytes(31)):  # u = 0 and u = 1 are low order
            with self.subTest(enc=enc.hex()):
                with self.assertRaises(vf.HpkeError):
                    vf.decap(enc, sk)


# Field sets documented in the "Known-answer vectors" sections.
STREAM_TOP_FIELDS = {"clip_key", "vectors", "negative"}
STREAM_VECTOR_FIELDS = {"name", "part", "associated_data", "segment_bytes", "salt",
                        "nonce_prefix", "subkey", "plaintext", "ciphertext"}
STREAM_NEGATIVE_FIELDS = {"name", "part", "associated_data", "ciphertext"}
ENVELOPE_TOP_FIELDS = {"recipient_private_key", "recipient_public_key", "clip_key", "vectors",
                       "negative"}
ENVELOPE_VECTOR_FIELDS = {"name", "clip_id", "camera_id", "household_epoch",
                          "ephemeral_private_key", "info", "envelope"}
ENVELOPE_NEGATIVE_FIELDS = {"name", "clip_id", "camera_id", "household_epoch", "envelope"}
# Top-level key present in both files but not in the documents' tables (tolerated).
UNDOCUMENTED_TOP_FIELDS = {"format"}

HDR, TAG = 49, 16


def stream_layout(stream_len, seg_size):
    """(n, last segment length) per Decoding step 3, or None if the length is refused."""
    body, full = stream_len - HDR, seg_size + TAG
    if body < 0 or body % full < TAG:
        return None
    return body // full + 1, body % full


def raw_stream(key, part, ad, seg_size, chunks, last_flags, salt=bytes(range(32)),
               prefix=bytes(range(7))):
    """Seals arbitrary chunks with arbitrary last flags: authentic but possibly non-canonical
    streams, so the length rules (not the tags) are what rejects them."""
    header = (b"VGSA\x01" + bytes([vf.PART_BYTES[part]]) + seg_size.to_bytes(4, "big") + salt
              + prefix)
    aead = vf.AESGCM(vf.derive_subkey(key, part, ad, salt))
    segs = [aead.encrypt(prefix + i.to_bytes(4, "big") + (b"\x01" if last else b"\x00"), c, header)
            for i, (c, last) in enumerate(zip(chunks, last_flags))]
    return header + b"".join(segs)


def stream_decrypt_incremental(key, part, ad, stream, chunk):
    d = vf.StreamDecryptor(key, part, ad)
    out = [d.update(stream[i:i + chunk]) for i in range(0, len(stream), chunk)]
    return b"".join(out) + d.finish()


class StreamingAeadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = load("streaming-aead.json")
        cls.key = h(cls.data["clip_key"])

    def assert_fails(self, part, ad, stream):
        with self.assertRaises(vf.DecryptionFailed):
            vf.decrypt_stream(self.key, part, ad, stream)
        # The incremental decoder (step 4) must refuse it too, whatever the chunking.
        for chunk in (1, 97, len(stream) or 1):
            with self.assertRaises(vf.DecryptionFailed):
                stream_decrypt_incremental(self.key, part, ad, stream, chunk)

    def test_file_fields(self):
        self.assertEqual(set(self.data) - UNDOCUMENTED_TOP_FIELDS, STREAM_TOP_FIELDS)
        for v in self.data["vectors"]:
            with self.subTest(v["name"]):
                self.assertEqual(set(v), STREAM_VECTOR_FIELDS)
                self.assertIn(v["part"], vf.PART_BYTES)
                self.assertIsInstance(v["segment_bytes"], int)
        for v in self.data["negative"]:
            with self.subTest(v["name"]):
                self.assertEqual(set(v), STREAM_NEGATIVE_FIELDS)
                self.assertIn(v["part"], vf.PART_BYTES)

    def test_positive_vectors(self):
        self.assertTrue(self.data["vectors"])
        for v in self.data["vectors"]:
            with self.subTest(v["name"]):
                ad, pt, ct, salt = h(v["associated_data"]), h(v["plaintext"]), h(v["ciphertext"]), h(v["salt"])
                s = v["segment_bytes"]
                self.assertEqual(vf.derive_subkey(self.key, v["part"], ad, salt).hex(), v["subkey"])
                # Canonical length: floor(len/S) full segments, then len mod S (0..S-1) + tag.
                self.assertEqual(len(ct), HDR + (len(pt) // s) * (s + TAG) + len(pt) % s + TAG)
                self.assertEqual(vf.decrypt_stream(self.key, v["part"], ad, ct), pt)
                for chunk in (1, 50, s + TAG, len(ct)):
                    self.assertEqual(stream_decrypt_incremental(self.key, v["part"], ad, ct, chunk), pt)
                again = vf.encrypt_stream(self.key, v["part"], ad, pt, s, salt, h(v["nonce_prefix"]))
                self.assertEqual(again.hex(), v["ciphertext"])

    def test_vectors_cover_new_rules(self):
        # The files must exercise the empty stream and an exact multiple of S.
        lens = [(len(h(v["plaintext"])), v["segment_bytes"]) for v in self.data["vectors"]]
        self.assertIn(0, [n for n, _ in lens])
        self.assertTrue(any(n > 0 and n % s == 0 for n, s in lens))

    def test_negative_vectors(self):
        checked = 0
        for v in self.data["negative"]:
            with self.subTest(v["name"]):
                self.assert_fails(v["part"], h(v["associated_data"]), h(v["ciphertext"]))
                checked += 1
        self.assertGreaterEqual(checked, MIN_NEGATIVES)

    def test_mutated_positives(self):
        # Self-made tampering, so a decoder that accepts everything cannot pass.
        mutated = 0
        for v in self.data["vectors"]:
            part, ad, ct = v["part"], h(v["associated_data"]), h(v["ciphertext"])
            seg = v["segment_bytes"] + TAG
            n, last_len = stream_layout(len(ct), v["segment_bytes"])
            starts = [HDR + i * seg for i in range(n)]
            ends = [s + seg for s in starts[:-1]] + [len(ct)]
            cases = {
                "magic": flip(ct, 0), "version": flip(ct, 4), "part": flip(ct, 5),
                "segment size low byte": flip(ct, 9), "segment size high byte": flip(ct, 6, 0x80),
                "salt first": flip(ct, 10), "salt last": flip(ct, 41),
                "prefix first": flip(ct, 42), "prefix last": flip(ct, 48),
                "truncated by 1": ct[:-1], "extended by 1": ct + b"\x00",
                "extended by a tag": ct + ct[-TAG:],
                "extended by a full segment": ct + ct[HDR:HDR + seg] if n > 1 else ct + bytes(seg),
                "header only": ct[:HDR],
                # Drop the last segment: B mod F becomes 0, refused by length alone.
                "truncated at segment boundary": ct[:starts[-1]],
                "wrong ad": None, "wrong ad (empty or extended)": None, "wrong part": None,
            }
            for i in range(n):
                cases["segment %d first byte" % i] = flip(ct, starts[i])
                cases["segment %d last tag byte" % i] = flip(ct, ends[i] - 1, 0x80)
            for name, bad in cases.items():
                with self.subTest(v["name"] + " / " + name):
                    if name == "wrong ad":
                        self.assert_fails(part, ad + b"x", ct)
                    elif name == "wrong ad (empty or extended)":
                        self.assert_fails(part, ad[:-1] if ad else b"\x00", ct)
                    elif name == "wrong part":
                        for other in vf.PART_BYTES:
                            if other != part:
                                self.assert_fails(other, ad, ct)
                    else:
                        self.assert_fails(part, ad, bad)
                    mutated += 1
            if n > 1:
                with self.subTest(v["name"] + " / segments 0 and 1 swapped"):
                    s0, s1 = ct[starts[0]:ends[0]], ct[starts[1]:ends[1]]
                    self.assert_fails(part, ad, ct[:HDR] + s1 + s0 + ct[ends[1]:])
                    mutated += 1
                with self.subTest(v["name"] + " / segment 0 duplicated"):
                    self.assert_fails(part, ad, ct[:ends[0]] + ct[starts[0]:])
                    mutated += 1
        self.assertGreaterEqual(mutated, MIN_NEGATIVES)

    def test_body_length_multiple_of_f_rejected(self):
        # B mod F == 0: a full-size last segment, or a missing last segment. Built with valid
        # tags (raw_stream), so only the length rule can refuse them.
        for s in (256, 1024):
            full = bytes(range(256)) * (s // 256)
            cases = {
                "one full segment flagged last": raw_stream(self.key, "video", b"ad", s, [full], [True]),
                "two full segments, second flagged last":
                    raw_stream(self.key, "video", b"ad", s, [full, full], [False, True]),
                "last segment missing after one full":
                    raw_stream(self.key, "video", b"ad", s, [full], [False]),
                "last segment missing after two full":
                    raw_stream(self.key, "video", b"ad", s, [full, full], [False, False]),
                "no segment at all": raw_stream(self.key, "video", b"ad", s, [], []),
            }
            for name, stream in cases.items():
                with self.subTest("S=%d / %s" % (s, name)):
                    self.assertEqual((len(stream) - HDR) % (s + TAG), 0)
                    self.assert_fails("video", b"ad", stream)
            # The canonical encoding of the same plaintexts is accepted.
            for k in (1, 2):
                with self.subTest("S=%d / canonical %d full segments" % (s, k)):
                    ok = raw_stream(self.key, "video", b"ad", s, [full] * k + [b""],
                                    [False] * k + [True])
                    self.assertEqual(vf.decrypt_stream(self.key, "video", b"ad", ok), full * k)
                    self.assertEqual(ok, vf.encrypt_stream(self.key, "video", b"ad", full * k, s,
                                                           bytes(range(32)), bytes(range(7))))

    def test_last_segment_length_rule(self):
        # Every B mod F in 0..15 is refused before any tag is checked; 16 (tag only) is fine.
        s = 256
        ok = raw_stream(self.key, "video", b"", s, [bytes(s), bytes(100)], [False, True])
        self.assertEqual(vf.decrypt_stream(self.key, "video", b"", ok), bytes(s + 100))
        for r in range(0, TAG):
            with self.subTest(last_len=r):
                self.assert_fails("video", b"", ok[:HDR + s + TAG + r])
        self.assertIsNone(stream_layout(HDR + 2 * (s + TAG), s))
        self.assertEqual(stream_layout(HDR + 2 * (s + TAG) + TAG, s), (3, TAG))
        self.assertEqual(stream_layout(HDR + TAG, s), (1, TAG))
        self.assertEqual(stream_layout(HDR + s + TAG + s + TAG - 1, s), (2, s + TAG - 1))

    def test_multiples_of_segment_size(self):
        # len = k*S (k = 0..3) encodes as k full segments and a trailing tag-only last segment
        # (flag 0x01) and round-trips; neighbours k*S-1 and k*S+1 have the expected lengths.
        salt, prefix = bytes(range(100, 132)), bytes(range(9, 16))
        for s in (256, 1000):
            for k in range(4):
                for delta in (-1, 0, 1):
                    size = k * s + delta
                    if size < 0:
                        continue
                    with self.subTest(S=s, length=size):
                        pt = bytes((i * 7 + k) & 0xFF for i in range(size))
                        ct = vf.encrypt_stream(self.key, "metadata", b"m", pt, s, salt, prefix)
                        n = size // s + 1
                        self.assertEqual(len(ct), HDR + (n - 1) * (s + TAG) + size % s + TAG)
                        self.assertEqual(stream_layout(len(ct), s), (n, size % s + TAG))
                        self.assertEqual(vf.decrypt_stream(self.key, "metadata", b"m", ct), pt)
                        self.assertEqual(
                            stream_decrypt_incremental(self.key, "metadata", b"m", ct, s + TAG), pt)
                        if delta == 0:
                            # The last segment is exactly AES-GCM of the empty plaintext under
                            # nonce P || u32be(k) || 01 with the header as aad.
                            aead = vf.AESGCM(vf.derive_subkey(self.key, "metadata", b"m", salt))
                            nonce = prefix + k.to_bytes(4, "big") + b"\x01"
                            self.assertEqual(ct[-TAG:], aead.encrypt(nonce, b"", ct[:HDR]))
                            # Dropping that empty segment leaves B mod F == 0: refused.
                            self.assert_fails("metadata", b"m", ct[:-TAG])

    def test_incremental_decoder_releases_full_segments_at_once(self):
        s = 256
        pt = bytes(range(256)) * 2 + b"tail"
        ct = vf.encrypt_stream(self.key, "video", b"", pt, s, bytes(32), bytes(7))
        d = vf.StreamDecryptor(self.key, "video", b"")
        self.assertEqual(d.update(ct[:HDR + s + TAG - 1]), b"")
        self.assertEqual(d.update(ct[HDR + s + TAG - 1:HDR + s + TAG]), pt[:s])
        self.assertEqual(d.update(ct[HDR + s + TAG:HDR + 2 * (s + TAG)]), pt[s:2 * s])
        self.assertEqual(d.update(ct[HDR + 2 * (s + TAG):]), b"")
        self.assertEqual(d.finish(), b"tail")
        # Input ending right after a full segment: nothing left to open as the last one.
        d = vf.StreamDecryptor(self.key, "video", b"")
        self.assertEqual(d.update(ct[:HDR + 2 * (s + TAG)]), pt[:2 * s])
        with self.assertRaises(vf.DecryptionFailed):
            d.finish()
        with self.assertRaises(vf.DecryptionFailed):
            d.update(b"")

    def test_noncanonical_streams(self):
        salt, prefix = bytes(range(32)), bytes(7)
        pt = bytes(600)
        ct = vf.encrypt_stream(self.key, "video", b"", pt, 256, salt, prefix)
        self.assertEqual(vf.decrypt_stream(self.key, "video", b"", ct), pt)
        # Last segment 1..15 bytes long: not even a tag.
        for cut in range(1, 16):
            with self.subTest(short_last=cut):
                self.assert_fails("video", b"", ct[:49 + 2 * 272 + cut])
        # Segment size outside 256..4194304 is refused even though the header authenticates it.
        for size in (0, 255, 4_194_305, 0xFFFFFFFF):
            with self.subTest(size=size):
                bad = ct[:6] + size.to_bytes(4, "big") + ct[10:]
                self.assert_fails("video", b"", bad)
        for size in (255, 4_194_305):
            with self.subTest("encoder refuses segment size %d" % size):
                with self.assertRaises(ValueError):
                    vf.encrypt_stream(self.key, "video", b"", pt, size, salt, prefix)
        with self.subTest("unknown part byte"):
            self.assert_fails("video", b"", ct[:5] + b"\x04" + ct[6:])
        with self.subTest("wrong key"):
            with self.assertRaises(vf.DecryptionFailed):
                vf.decrypt_stream(bytes(32), "video", b"", ct)


class EnvelopeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = load("hpke-envelope.json")
        cls.sk_r = h(cls.data["recipient_private_key"])
        cls.pk_r = h(cls.data["recipient_public_key"])
        cls.clip_key = h(cls.data["clip_key"])

    def assert_fails(self, env, clip_id, camera_id, epoch, sk=None):
        with self.assertRaises(vf.DecryptionFailed):
            vf.open_clip_key(env, sk or self.sk_r, clip_id, camera_id, epoch)

    def test_recipient_key(self):
        self.assertEqual(vf.x25519_public(self.sk_r), self.pk_r)

    def test_file_fields(self):
        self.assertEqual(set(self.data) - UNDOCUMENTED_TOP_FIELDS, ENVELOPE_TOP_FIELDS)
        for group, fields in (("vectors", ENVELOPE_VECTOR_FIELDS),
                              ("negative", ENVELOPE_NEGATIVE_FIELDS)):
            for v in self.data[group]:
                with self.subTest(group + " / " + v["name"]):
                    self.assertEqual(set(v), fields)
                    # household_epoch is a decimal string, not a JSON number.
                    self.assertIsInstance(v["household_epoch"], str)
                    vf.parse_epoch(v["household_epoch"])

    def test_epoch_strings(self):
        # At least one epoch must be beyond 2^53, where a JSON number would lose precision.
        epochs = [vf.parse_epoch(v["household_epoch"]) for v in self.data["vectors"]]
        self.assertTrue(any(e > 1 << 53 for e in epochs))
        self.assertEqual(vf.parse_epoch("0"), 0)
        self.assertEqual(vf.parse_epoch("72623859790382856"), 0x0102030405060708)
        self.assertEqual(vf.parse_epoch("18446744073709551615"), (1 << 64) - 1)
        for bad in ("", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "1_000",
                    "18446744073709551616", "\u0661", 1, None):
            with self.subTest(bad=bad):
                with self.assertRaises(ValueError):
                    vf.parse_epoch(bad)

    def test_positive_vectors(self):
        self.assertTrue(self.data["vectors"])
        for v in self.data["vectors"]:
            with self.subTest(v["name"]):
                cid, cam = h(v["clip_id"]), h(v["camera_id"])
                ep = vf.parse_epoch(v["household_epoch"])
                self.assertEqual(vf.envelope_info(cid, cam, ep, self.pk_r).hex(), v["info"])
                env = vf.seal_clip_key(self.pk_r, cid, cam, ep, self.clip_key,
                                       h(v["ephemeral_private_key"]))
                self.assertEqual(env.hex(), v["envelope"])
                self.assertEqual(vf.open_clip_key(h(v["envelope"]), self.sk_r, cid, cam, ep),
                                 self.clip_key)
                # The string epoch is not accepted in place of the integer.
                self.assert_fails(h(v["envelope"]), cid, cam, v["household_epoch"])

    def test_negative_vectors(self):
        checked = 0
        for v in self.data["negative"]:
            with self.subTest(v["name"]):
                self.assert_fails(h(v["envelope"]), h(v["clip_id"]), h(v["camera_id"]),
                                  vf.parse_epoch(v["household_epoch"]))
                checked += 1
        self.assertGreaterEqual(checked, MIN_NEGATIVES)

    def test_id_length_range(self):
        # ids outside 1..255 bytes: sealing refuses (caller error), opening refuses (the single
        # error), even for an envelope that is otherwise fine.
        sk_e = bytes(range(40, 72))
        good = b"clip-0001"
        for cid, cam in ((b"c", b"k"), (b"c" * 255, b"k" * 255)):
            with self.subTest("accepted", clip_len=len(cid), camera_len=len(cam)):
                env = vf.seal_clip_key(self.pk_r, cid, cam, 7, self.clip_key, sk_e)
                self.assertEqual(vf.open_clip_key(env, self.sk_r, cid, cam, 7), self.clip_key)
        env = vf.seal_clip_key(self.pk_r, good, good, 7, self.clip_key, sk_e)
        for bad in (b"", b"x" * 256, b"x" * 65535, b"x" * 65536):
            for which, (cid, cam) in (("clip_id", (bad, good)), ("camera_id", (good, bad))):
                with self.subTest("refused", which=which, length=len(bad)):
                    with self.assertRaises(ValueError):
                        vf.seal_clip_key(self.pk_r, cid, cam, 7, self.clip_key, sk_e)
                    with self.assertRaises(ValueError):
                        vf.envelope_info(cid, cam, 7, self.pk_r)
                    self.assert_fails(env, cid, cam, 7)

    def test_epoch_range(self):
        sk_e = bytes(range(40, 72))
        top = (1 << 64) - 1
        env = vf.seal_clip_key(self.pk_r, b"c", b"k", top, self.clip_key, sk_e)
        self.assertEqual(vf.open_clip_key(env, self.sk_r, b"c", b"k", top), self.clip_key)
        self.assert_fails(env, b"c", b"k", top - 1)
        for bad in (-1, 1 << 64):
            with self.subTest(epoch=bad):
                with self.assertRaises(ValueError):
                    vf.seal_clip_key(self.pk_r, b"c", b"k", bad, self.clip_key, sk_e)
                self.assert_fails(env, b"c", b"k", bad)

    def test_mutated_positives(self):
        mutated = 0
        other_sk = bytes(range(1, 33))
        for v in self.data["vectors"]:
            env, cid, cam = h(v["envelope"]), h(v["clip_id"]), h(v["camera_id"])
            ep = vf.parse_epoch(v["household_epoch"])
            for pos in (0, 4, 5, 7, 9, 11, 12, 43, 44, 75, 76, 107, 108, 123):
                with self.subTest(v["name"] + " / flip %d" % pos):
                    self.assert_fails(flip(env, pos), cid, cam, ep)
                    mutated += 1
            low_order = env[:44] + bytes(32) + env[76:]
            for name, args in (("truncated", (env[:-1], cid, cam, ep)),
                               ("extended", (env + b"\x00", cid, cam, ep)),
                               ("low-order enc", (low_order, cid, cam, ep)),
                               ("epoch + 1", (env, cid, cam, ep + 1)),
                               ("epoch - 1", (env, cid, cam, ep - 1)),
                               ("clip id + byte", (env, cid + b"x", cam, ep)),
                               ("camera id + byte", (env, cid, cam + b"x", ep)),
                               ("wrong recipient", (env, cid, cam, ep, other_sk))):
                with self.subTest(v["name"] + " / " + name):
                    self.assert_fails(*args)
                    mutated += 1
        self.assertGreaterEqual(mutated, MIN_NEGATIVES)


class CountingResult(unittest.TextTestResult):
    """Counts every subtest as a check, so the summary reflects individual vectors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_passed = 0
        self.n_failed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.n_passed += 1

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.n_failed += 1

    def addError(self, test, err):
        super().addError(test, err)
        self.n_failed += 1

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is None:
            self.n_passed += 1
        else:
            self.n_failed += 1


def main():
    global REPO_ROOT
    if len(sys.argv) > 1:
        REPO_ROOT = os.path.abspath(sys.argv[1])
    if vf is None:
        print("0 passed, 1 failed", flush=True)
        return 1
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=1, resultclass=CountingResult).run(suite)
    # A test that ran nothing (e.g. a loading error) must not look like success.
    failed = result.n_failed + (0 if result.testsRun else 1)
    sys.stderr.flush()
    print("%d passed, %d failed" % (result.n_passed, failed), flush=True)
    return 0 if failed == 0 and result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
