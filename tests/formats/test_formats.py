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


class HouseholdEnvelopeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = load("household-envelope.json")
        cls.sk_d = h(cls.data["recipient_private_key"])
        cls.pk_d = h(cls.data["recipient_public_key"])
        cls.hh_sk = h(cls.data["household_private_key"])

    def assert_fails(self, env, hid, epoch, did, sk=None):
        with self.assertRaises(vf.DecryptionFailed):
            vf.open_household_key(env, sk or self.sk_d, hid, epoch, did)

    def test_file_fields(self):
        self.assertEqual(set(self.data) - UNDOCUMENTED_TOP_FIELDS,
                         {"recipient_private_key", "recipient_public_key", "household_private_key",
                          "household_public_key", "vectors", "negative"})
        self.assertEqual(vf.x25519_public(self.sk_d), self.pk_d)
        self.assertEqual(vf.x25519_public(self.hh_sk), h(self.data["household_public_key"]))
        for group, fields in (("vectors", {"name", "household_id", "household_epoch", "device_id",
                                           "ephemeral_private_key", "info", "envelope"}),
                              ("negative", {"name", "household_id", "household_epoch",
                                            "device_id", "envelope"})):
            for v in self.data[group]:
                with self.subTest(group + " / " + v["name"]):
                    self.assertEqual(set(v), fields)

    def test_positive_vectors(self):
        self.assertTrue(self.data["vectors"])
        for v in self.data["vectors"]:
            with self.subTest(v["name"]):
                hid, did = h(v["household_id"]), h(v["device_id"])
                ep = vf.parse_epoch(v["household_epoch"])
                self.assertEqual(vf.household_envelope_info(hid, ep, did, self.pk_d).hex(), v["info"])
                env = vf.seal_household_key(self.pk_d, hid, ep, did, self.hh_sk,
                                            h(v["ephemeral_private_key"]))
                self.assertEqual(env.hex(), v["envelope"])
                self.assertEqual(vf.open_household_key(env, self.sk_d, hid, ep, did), self.hh_sk)
                # Not a clip-key envelope, whatever the binding.
                with self.assertRaises(vf.DecryptionFailed):
                    vf.open_clip_key(env, self.sk_d, hid, did, ep)

    def test_negative_vectors(self):
        checked = 0
        for v in self.data["negative"]:
            with self.subTest(v["name"]):
                self.assert_fails(h(v["envelope"]), h(v["household_id"]),
                                  vf.parse_epoch(v["household_epoch"]), h(v["device_id"]))
                checked += 1
        self.assertGreaterEqual(checked, MIN_NEGATIVES)

    def test_mutated_positives(self):
        mutated = 0
        for v in self.data["vectors"]:
            env, hid, did = h(v["envelope"]), h(v["household_id"]), h(v["device_id"])
            ep = vf.parse_epoch(v["household_epoch"])
            for pos in (0, 4, 5, 11, 12, 43, 44, 75, 76, 107, 108, 123):
                with self.subTest(v["name"] + " / flip %d" % pos):
                    self.assert_fails(flip(env, pos), hid, ep, did)
                    mutated += 1
            for name, args in (("truncated", (env[:-1], hid, ep, did)),
                               ("extended", (env + b"\x00", hid, ep, did)),
                               ("epoch + 1", (env, hid, ep + 1, did)),
                               ("ids swapped", (env, did, ep, hid)),
                               ("wrong device key", (env, hid, ep, did, bytes(range(1, 33))))):
                with self.subTest(v["name"] + " / " + name):
                    self.assert_fails(*args)
                    mutated += 1
        self.assertGreaterEqual(mutated, MIN_NEGATIVES)


class KeyringTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = load("keyring.json")
        cls.acct = cls.data["account"]

    def test_file_fields(self):
        self.assertEqual(set(self.data) - UNDOCUMENTED_TOP_FIELDS,
                         {"account", "invalid_texts", "keyring", "vectors", "negative"})
        self.assertEqual(set(self.acct), {
            "email", "account_salt", "argon2id_time_cost", "argon2id_memory_kib", "password",
            "account_secret_key", "account_secret_key_text", "pw_key", "auth_key", "kek",
            "recovery_code", "recovery_code_text", "recovery_salt", "recovery_kek",
            "recovery_auth_key"})
        self.assertEqual(set(self.data["keyring"]), {"account_signing_seed",
                                                     "account_signing_public_key", "households",
                                                     "serialized"})
        for v in self.data["vectors"]:
            self.assertEqual(set(v), {"name", "kind", "kek", "account_id", "salt", "nonce",
                                      "subkey", "wrapped"})
        for v in self.data["negative"]:
            self.assertEqual(set(v), {"name", "kind", "kek", "account_id", "wrapped"})

    def test_floor_cost(self):
        self.assertGreaterEqual(self.acct["argon2id_time_cost"], 2)
        self.assertGreaterEqual(self.acct["argon2id_memory_kib"], 19456)

    def test_human_forms(self):
        a = self.acct
        for prefix, text_key, hex_key in (("A1", "account_secret_key_text", "account_secret_key"),
                                          ("R1", "recovery_code_text", "recovery_code")):
            with self.subTest(prefix):
                secret = h(a[hex_key])
                self.assertEqual(vf.encode_human(prefix, secret), a[text_key])
                self.assertEqual(vf.decode_human(prefix, a[text_key]), secret)
                self.assertEqual(vf.decode_human(prefix, a[text_key].lower().replace("-", " ")),
                                 secret)
                text = a[text_key]
                for i in range(3, len(text)):
                    if text[i] == "-":
                        continue
                    bad = text[:i] + ("Q" if text[i] != "Q" else "R") + text[i + 1:]
                    with self.assertRaises(vf.InvalidText):
                        vf.decode_human(prefix, bad)
        for bad in self.data["invalid_texts"]:
            with self.subTest(invalid=bad):
                for prefix in ("A1", "R1"):
                    with self.assertRaises(vf.InvalidText):
                        vf.decode_human(prefix, bad)

    def test_account_derivation(self):
        a = self.acct
        email, salt = h(a["email"]), h(a["account_salt"])
        auth, kek = vf.derive_account_keys_from_pw_key(h(a["pw_key"]), h(a["account_secret_key"]),
                                                       salt, email)
        self.assertEqual(auth.hex(), a["auth_key"])
        self.assertEqual(kek.hex(), a["kek"])
        self.assertNotEqual(auth, kek)
        recovery_salt = h(a["recovery_salt"])
        self.assertNotEqual(recovery_salt, salt)
        self.assertEqual(vf.derive_recovery_kek(h(a["recovery_code"]), recovery_salt,
                                                email).hex(), a["recovery_kek"])
        recovery_auth = vf.derive_recovery_auth_key(h(a["recovery_code"]), recovery_salt, email)
        self.assertEqual(recovery_auth.hex(), a["recovery_auth_key"])
        self.assertNotEqual(recovery_auth.hex(), a["recovery_kek"])
        # Every input matters.
        other_ask = bytes(16)
        self.assertNotEqual(vf.derive_account_keys_from_pw_key(h(a["pw_key"]), other_ask, salt,
                                                               email)[1], kek)
        self.assertNotEqual(vf.derive_account_keys_from_pw_key(h(a["pw_key"]),
                                                               h(a["account_secret_key"]), salt,
                                                               email + b"x")[1], kek)

    def test_keyring_plaintext(self):
        kr = self.data["keyring"]
        seed, entries = vf.parse_keyring(h(kr["serialized"]))
        self.assertEqual(seed.hex(), kr["account_signing_seed"])
        self.assertEqual(vf.ed25519_public(seed).hex(), kr["account_signing_public_key"])
        self.assertEqual(len(entries), len(kr["households"]))
        for (hid, epoch, sk), e in zip(entries, kr["households"]):
            self.assertEqual(hid.hex(), e["household_id"])
            self.assertEqual(epoch, vf.parse_epoch(e["household_epoch"]))
            self.assertEqual(sk.hex(), e["private_key"])
            self.assertEqual(vf.x25519_public(sk).hex(), e["public_key"])
        # Serializing in any input order gives the canonical bytes.
        self.assertEqual(vf.serialize_keyring(seed, list(reversed(entries))).hex(),
                         kr["serialized"])
        ser = h(kr["serialized"])
        first_len = 1 + ser[35] + 8 + 32
        second_len = 1 + ser[35 + first_len] + 8 + 32
        swapped = (ser[:35] + ser[35 + first_len:35 + first_len + second_len]
                   + ser[35:35 + first_len] + ser[35 + first_len + second_len:])
        for name, bad in (("trailing byte", ser + b"\x00"), ("truncated", ser[:-1]),
                          ("version", b"\x02" + ser[1:]), ("entries swapped", swapped),
                          ("count + 1", ser[:34] + bytes([ser[34] + 1]) + ser[35:])):
            with self.subTest(name):
                with self.assertRaises(ValueError):
                    vf.parse_keyring(bad)

    def test_positive_vectors(self):
        a = self.acct
        kinds = set()
        for v in self.data["vectors"]:
            with self.subTest(v["name"]):
                kek, kind, aid = h(v["kek"]), v["kind"], h(v["account_id"])
                kinds.add(kind)
                self.assertEqual(kek.hex(), a["kek"] if kind == "account" else a["recovery_kek"])
                self.assertEqual(vf.keyring_wrap_subkey(kek, kind, h(v["salt"]), aid).hex(),
                                 v["subkey"])
                again = vf.wrap_keyring(h(self.data["keyring"]["serialized"]), kek, kind, aid,
                                        h(v["salt"]), h(v["nonce"]))
                self.assertEqual(again.hex(), v["wrapped"])
                self.assertEqual(vf.unwrap_keyring(h(v["wrapped"]), kek, kind, aid).hex(),
                                 self.data["keyring"]["serialized"])
        self.assertEqual(kinds, {"account", "recovery"})

    def test_negative_vectors(self):
        checked = 0
        for v in self.data["negative"]:
            with self.subTest(v["name"]):
                with self.assertRaises(vf.DecryptionFailed):
                    vf.unwrap_keyring(h(v["wrapped"]), h(v["kek"]), v["kind"], h(v["account_id"]))
                checked += 1
        self.assertGreaterEqual(checked, MIN_NEGATIVES)

    def test_mutated_positives(self):
        mutated = 0
        for v in self.data["vectors"]:
            w, kek, kind, aid = h(v["wrapped"]), h(v["kek"]), v["kind"], h(v["account_id"])
            other_kind = "recovery" if kind == "account" else "account"
            cases = {"flip %d" % p: (flip(w, p), kek, kind, aid)
                     for p in (0, 3, 4, 5, 6, 37, 38, 49, 50, len(w) - 17, len(w) - 1)}
            cases.update({
                "truncated": (w[:-1], kek, kind, aid), "extended": (w + b"\x00", kek, kind, aid),
                "other kind": (w, kek, other_kind, aid),
                "kind byte rewritten": (w[:5] + bytes([vf.KEYRING_KINDS[other_kind]]) + w[6:],
                                        kek, other_kind, aid),
                "account id + byte": (w, kek, kind, aid + b"x"), "empty account id": (w, kek, kind, b""),
                "wrong kek": (w, bytes(32), kind, aid), "header only": (w[:50], kek, kind, aid)})
            for name, args in cases.items():
                with self.subTest(v["name"] + " / " + name):
                    with self.assertRaises(vf.DecryptionFailed):
                        vf.unwrap_keyring(*args)
                    mutated += 1
        self.assertGreaterEqual(mutated, MIN_NEGATIVES)


class PairingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = load("pairing.json")

    def test_file_fields(self):
        self.assertEqual(set(self.d) - UNDOCUMENTED_TOP_FIELDS, {
            "secret", "camera_signing_seed", "camera_public_key", "camera_fingerprint", "code",
            "pairing_id", "mac_key", "offer_mac_input", "offer_mac", "owner_signing_seed",
            "owner_public_key", "household_public_key", "household_epoch", "claim_mac_input",
            "claim_mac", "claim_signed_message", "claim_signature", "invalid_codes",
            "negative_offers", "negative_claims"})

    def test_code_and_derivations(self):
        d = self.d
        secret, cam = h(d["secret"]), h(d["camera_public_key"])
        self.assertEqual(vf.ed25519_public(h(d["camera_signing_seed"])), cam)
        self.assertEqual(vf.camera_fingerprint(cam).hex(), d["camera_fingerprint"])
        self.assertEqual(vf.encode_pairing_code(secret, cam), d["code"])
        self.assertEqual(len(d["code"]), vf.PAIRING_CODE_LEN)
        self.assertEqual(vf.decode_pairing_code(d["code"]), (secret, vf.camera_fingerprint(cam)))
        self.assertEqual(vf.decode_pairing_code(d["code"].lower())[0], secret)
        self.assertEqual(vf.pairing_id(secret).hex(), d["pairing_id"])
        self.assertEqual(vf.pairing_mac_key(secret).hex(), d["mac_key"])
        self.assertEqual(vf.offer_mac_input(cam).hex(), d["offer_mac_input"])
        self.assertEqual(vf.offer_mac(secret, cam).hex(), d["offer_mac"])
        owner, hh = h(d["owner_public_key"]), h(d["household_public_key"])
        epoch = vf.parse_epoch(d["household_epoch"])
        self.assertEqual(vf.ed25519_public(h(d["owner_signing_seed"])), owner)
        self.assertEqual(vf.claim_mac_input(owner, hh, epoch, cam).hex(), d["claim_mac_input"])
        self.assertEqual(vf._hmac(vf.pairing_mac_key(secret),
                                  vf.claim_mac_input(owner, hh, epoch, cam)).hex(), d["claim_mac"])
        msg = vf.claim_signed_message(vf.pairing_id(secret), owner, hh, epoch, cam)
        self.assertEqual(msg.hex(), d["claim_signed_message"])
        self.assertEqual(vf.sign_claim(h(d["owner_signing_seed"]), msg).hex(), d["claim_signature"])
        vf.verify_offer(d["code"], h(d["pairing_id"]), cam, h(d["offer_mac"]))
        vf.verify_claim(secret, cam, owner, hh, epoch, h(d["claim_signature"]), h(d["claim_mac"]))

    def test_invalid_codes(self):
        for bad in self.d["invalid_codes"]:
            with self.subTest(bad):
                with self.assertRaises(vf.InvalidText):
                    vf.decode_pairing_code(bad)

    def test_negative_offers(self):
        checked = 0
        for n in self.d["negative_offers"]:
            with self.subTest(n["name"]):
                with self.assertRaises(vf.VerificationFailed):
                    vf.verify_offer(self.d["code"], h(n["pairing_id"]), h(n["camera_public_key"]),
                                    h(n["mac"]))
                checked += 1
        self.assertGreaterEqual(checked, 4)

    def test_negative_claims(self):
        checked = 0
        secret, cam = h(self.d["secret"]), h(self.d["camera_public_key"])
        for n in self.d["negative_claims"]:
            with self.subTest(n["name"]):
                with self.assertRaises(vf.VerificationFailed):
                    vf.verify_claim(secret, cam, h(n["owner_public_key"]),
                                    h(n["household_public_key"]),
                                    vf.parse_epoch(n["household_epoch"]), h(n["owner_signature"]),
                                    h(n["mac"]))
                checked += 1
        self.assertGreaterEqual(checked, 6)

    def test_substituted_characters_are_caught(self):
        d = self.d
        cam = h(d["camera_public_key"])
        checked = 0
        for i in range(5, len(d["code"])):
            for ch in "A7":
                if d["code"][i] == ch:
                    continue
                typo = d["code"][:i] + ch + d["code"][i + 1:]
                with self.subTest(position=i, char=ch):
                    with self.assertRaises((vf.InvalidText, vf.VerificationFailed)):
                        vf.verify_offer(typo, h(d["pairing_id"]), cam, h(d["offer_mac"]))
                    checked += 1
        self.assertGreater(checked, 60)


class AtRestVectors(unittest.TestCase):
    """docs/formats/at-rest.md: VGAR = magic || version || nonce || AES-256-GCM(ct || tag),
    with aad = magic || version || associated data."""

    @staticmethod
    def open_at_rest(key, sealed, associated_data):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        if len(sealed) < 33 or sealed[:5] != b"VGAR\x01":
            raise vf.DecryptionFailed()
        try:
            return AESGCM(key).decrypt(sealed[5:17], sealed[17:], sealed[:5] + associated_data)
        except Exception as exc:  # InvalidTag
            raise vf.DecryptionFailed() from exc

    def test_vectors_open_and_negatives_fail(self):
        with open(os.path.join(REPO_ROOT, "tests/vectors/at-rest.json")) as f:
            data = json.load(f)
        key = bytes.fromhex(data["key"])
        for v in data["vectors"]:
            with self.subTest(v["name"]):
                got = self.open_at_rest(key, bytes.fromhex(v["sealed"]),
                                        bytes.fromhex(v["associated_data"]))
                self.assertEqual(got.hex(), v["plaintext"])
                self.assertEqual(bytes.fromhex(v["sealed"])[5:17].hex(), v["nonce"])
        self.assertGreaterEqual(len(data["negative"]), 5)
        for n in data["negative"]:
            with self.subTest(n["name"]):
                with self.assertRaises(vf.DecryptionFailed):
                    self.open_at_rest(key, bytes.fromhex(n["sealed"]),
                                      bytes.fromhex(n["associated_data"]))


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
