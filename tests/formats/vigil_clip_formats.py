# SPDX-License-Identifier: Apache-2.0
"""Clean-room decoder (and encoder) for the sealed clip container (VGCL), the clip manifest
(VGCM) and the camera heartbeat (VGHB), written from docs/formats/clip.md alone. Reuses the VGSA
stream and VGEV envelope code of vigil_formats.py (itself checked against those formats' vectors).
Needs Debian's python3-cryptography (run with /usr/bin/python3)."""

import hashlib
import struct

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import vigil_formats as vf


class VerificationFailed(Exception):
    """Any tampering: layout, signature, ids, lengths or hashes."""


PROLOGUE = b"VGCL\x01\x00\x00\x00"
TRAILER_MAGIC = b"VGCL"
TRAILER_LEN = 32
MANIFEST_MAGIC = b"VGCM\x01"
HEARTBEAT_MAGIC = b"VGHB\x01"
MANIFEST_LABEL = b"vigil/v1/clip-manifest"
HEARTBEAT_LABEL = b"vigil/v1/heartbeat"
STREAM_HEADER_LEN = 49
TAG = 16
SIG = 64
MAX_SEGMENTS = 1 << 20
MAX_ENVELOPES = 16
PART_SEGMENT = 65536  # thumbnail and metadata streams


def sha256(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def _id(x: bytes) -> bytes:
    if not 1 <= len(x) <= 255:
        raise ValueError("id length")
    return struct.pack(">H", len(x)) + x


def associated_data(clip_id: bytes, camera_id: bytes, epoch: int) -> bytes:
    return _id(clip_id) + _id(camera_id) + struct.pack(">Q", epoch)


def segment_count(stream_len: int, seg: int) -> int:
    """streaming-aead.md §Decoding step 3; 0 when no stream has that length."""
    if stream_len < STREAM_HEADER_LEN:
        return 0
    body = stream_len - STREAM_HEADER_LEN
    full = seg + TAG
    if body % full < TAG:
        return 0
    return body // full + 1


def _segments(stream: bytes, seg: int):
    n = segment_count(len(stream), seg)
    full = seg + TAG
    return [stream[STREAM_HEADER_LEN + i * full:STREAM_HEADER_LEN + (i + 1) * full]
            if i < n - 1 else stream[STREAM_HEADER_LEN + i * full:] for i in range(n)]


# ---------------------------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------------------------

def encode_manifest_body(m: dict) -> bytes:
    out = [MANIFEST_MAGIC, _id(m["clip_id"]), _id(m["camera_id"]),
           struct.pack(">QQ", m["household_epoch"], m["sequence"]), m["previous_manifest_hash"],
           struct.pack(">QI", m["start_time_unix_s"], m["duration_ms"]), m["video_stream_header"],
           struct.pack(">QI", m["video_length"], len(m["segment_hashes"]))]
    out += m["segment_hashes"]
    out += [struct.pack(">Q", m["thumbnail_length"]), m["thumbnail_hash"],
            struct.pack(">Q", m["metadata_length"]), m["metadata_hash"],
            bytes([len(m["envelope_hashes"])])]
    out += m["envelope_hashes"]
    return b"".join(out)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise VerificationFailed("short")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u(self, fmt: str) -> int:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def ident(self) -> bytes:
        n = self.u(">H")
        if not 1 <= n <= 255:
            raise VerificationFailed("id length")
        return self.take(n)


def parse_manifest_body(body: bytes) -> dict:
    r = _Reader(body)
    if r.take(5) != MANIFEST_MAGIC:
        raise VerificationFailed("manifest magic")
    m = {"clip_id": r.ident(), "camera_id": r.ident(), "household_epoch": r.u(">Q"),
         "sequence": r.u(">Q"), "previous_manifest_hash": r.take(32),
         "start_time_unix_s": r.u(">Q"), "duration_ms": r.u(">I"),
         "video_stream_header": r.take(STREAM_HEADER_LEN), "video_length": r.u(">Q")}
    n = r.u(">I")
    if n > MAX_SEGMENTS:
        raise VerificationFailed("segments")
    m["segment_hashes"] = [r.take(32) for _ in range(n)]
    m["thumbnail_length"], m["thumbnail_hash"] = r.u(">Q"), r.take(32)
    m["metadata_length"], m["metadata_hash"] = r.u(">Q"), r.take(32)
    e = r.u(">B")
    if e > MAX_ENVELOPES:
        raise VerificationFailed("envelopes")
    m["envelope_hashes"] = [r.take(32) for _ in range(e)]
    if r.pos != len(body):
        raise VerificationFailed("trailing bytes")
    h = m["video_stream_header"]
    seg = struct.unpack(">I", h[6:10])[0]
    if (m["sequence"] == 0 or h[:4] != b"VGSA" or h[4] != 1 or h[5] != 1
            or not 256 <= seg <= 4194304 or segment_count(m["video_length"], seg) != n):
        raise VerificationFailed("inconsistent manifest")
    m["segment_bytes"] = seg
    return m


def sign(seed: bytes, label: bytes, body: bytes) -> bytes:
    return body + Ed25519PrivateKey.from_private_bytes(seed).sign(label + b"\x00" + body)


def _verify_signed(signed: bytes, public_key: bytes, label: bytes) -> bytes:
    if len(signed) < SIG:
        raise VerificationFailed("short")
    body, sig = signed[:-SIG], signed[-SIG:]
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(sig, label + b"\x00" + body)
    except InvalidSignature:
        raise VerificationFailed("signature") from None
    return body


def verify_manifest(signed: bytes, camera_public_key: bytes, clip_id: bytes, camera_id: bytes):
    """Returns (manifest dict, manifest hash)."""
    body = _verify_signed(signed, camera_public_key, MANIFEST_LABEL)
    m = parse_manifest_body(body)
    if m["clip_id"] != clip_id or m["camera_id"] != camera_id:
        raise VerificationFailed("ids")
    return m, sha256(body)


# ---------------------------------------------------------------------------------------------
# Container
# ---------------------------------------------------------------------------------------------

PADDING_UNIT = 65536


def strip_padding(blob: bytes) -> bytes:
    """clip.md §Padding: a stored blob may end in fewer than 65536 zero bytes
    after the trailer (whose magic ends in a non-zero byte)."""
    zeros = len(blob) - len(blob.rstrip(b"\0"))
    if zeros >= PADDING_UNIT or zeros == len(blob):
        raise VerificationFailed("padding")
    return blob[:len(blob) - zeros]


def parse_layout(blob: bytes) -> dict:
    blob = strip_padding(blob)
    if len(blob) < 8 + TRAILER_LEN or blob[:8] != PROLOGUE or blob[-4:] != TRAILER_MAGIC:
        raise VerificationFailed("prologue or trailer")
    v, t, m, n = struct.unpack(">QQQI", blob[-TRAILER_LEN:-4])
    if 8 + v + t + m + n + TRAILER_LEN != len(blob):
        raise VerificationFailed("lengths")
    off = {"video": 8}
    off["thumbnail"] = off["video"] + v
    off["metadata"] = off["thumbnail"] + t
    off["manifest"] = off["metadata"] + m
    size = {"video": v, "thumbnail": t, "metadata": m, "manifest": n}
    return {k: (off[k], size[k]) for k in off}


def part(blob: bytes, layout: dict, name: str) -> bytes:
    o, s = layout[name]
    return blob[o:o + s]


def verify_clip(blob: bytes, camera_public_key: bytes, clip_id: bytes, camera_id: bytes):
    """Reading steps 1-2. Returns (layout, manifest, manifest hash)."""
    layout = parse_layout(blob)
    m, mh = verify_manifest(part(blob, layout, "manifest"), camera_public_key, clip_id, camera_id)
    if (m["video_length"], m["thumbnail_length"], m["metadata_length"]) != (
            layout["video"][1], layout["thumbnail"][1], layout["metadata"][1]):
        raise VerificationFailed("lengths disagree")
    return layout, m, mh


def _ad(m: dict) -> bytes:
    return associated_data(m["clip_id"], m["camera_id"], m["household_epoch"])


def open_key(m: dict, envelope: bytes, household_private_key: bytes) -> bytes:
    if sha256(envelope) not in m["envelope_hashes"]:
        raise VerificationFailed("envelope not in manifest")
    return vf.open_clip_key(envelope, household_private_key, m["clip_id"], m["camera_id"],
                            m["household_epoch"])


def open_small_part(m: dict, key: bytes, name: str, sealed: bytes) -> bytes:
    if len(sealed) != m[name + "_length"] or sha256(sealed) != m[name + "_hash"]:
        raise VerificationFailed(name)
    return vf.decrypt_stream(key, name, _ad(m), sealed)


def decrypt_video_segments(m: dict, key: bytes, first: int, data: bytes) -> bytes:
    """Reading step 5 for segments first, first+1, ... laid out in `data` (a blob range)."""
    seg, n = m["segment_bytes"], len(m["segment_hashes"])
    header = m["video_stream_header"]
    aead = AESGCM(vf.derive_subkey(key, "video", _ad(m), header[10:42]))
    prefix, full = header[42:49], seg + TAG
    last_len = m["video_length"] - STREAM_HEADER_LEN - (n - 1) * full
    out, pos, i = [], 0, first
    while pos < len(data):
        if i >= n:
            raise VerificationFailed("past the end")
        size = full if i < n - 1 else last_len
        s = data[pos:pos + size]
        if len(s) != size or sha256(s) != m["segment_hashes"][i]:
            raise VerificationFailed("segment hash")
        nonce = prefix + struct.pack(">I", i) + (b"\x01" if i == n - 1 else b"\x00")
        try:
            out.append(aead.decrypt(nonce, s, header))
        except InvalidTag:
            raise vf.DecryptionFailed() from None
        pos, i = pos + size, i + 1
    return b"".join(out)


def decrypt_video(m: dict, key: bytes, sealed_video: bytes) -> bytes:
    if len(sealed_video) != m["video_length"] or sealed_video[:49] != m["video_stream_header"]:
        raise VerificationFailed("video header")
    return decrypt_video_segments(m, key, 0, sealed_video[STREAM_HEADER_LEN:])


def video_range(m: dict, layout: dict, offset: int, length: int):
    """Blob range (first segment, blob offset, size) covering plaintext [offset, offset+length)."""
    seg, n = m["segment_bytes"], len(m["segment_hashes"])
    total = m["video_length"] - STREAM_HEADER_LEN - n * TAG
    if length < 1 or offset + length > total:
        raise ValueError("range")
    first, last = offset // seg, min((offset + length - 1) // seg, n - 1)
    start = layout["video"][0] + STREAM_HEADER_LEN + first * (seg + TAG)
    end = (layout["video"][0] + layout["video"][1] if last == n - 1
           else start + (last - first + 1) * (seg + TAG))
    return first, start, end - start


def open_clip(blob: bytes, camera_public_key: bytes, clip_id: bytes, camera_id: bytes,
              envelope: bytes, household_private_key: bytes) -> dict:
    layout, m, mh = verify_clip(blob, camera_public_key, clip_id, camera_id)
    key = open_key(m, envelope, household_private_key)
    return {"manifest": m, "manifest_hash": mh,
            "thumbnail": open_small_part(m, key, "thumbnail", part(blob, layout, "thumbnail")),
            "metadata": open_small_part(m, key, "metadata", part(blob, layout, "metadata")),
            "video": decrypt_video(m, key, part(blob, layout, "video"))}


def seal_clip(seed: bytes, clip_key: bytes, clip_id: bytes, camera_id: bytes, epoch: int,
              sequence: int, previous: bytes, start: int, duration_ms: int, segment_bytes: int,
              video: bytes, thumbnail: bytes, metadata: bytes, envelopes, nonces: dict) -> bytes:
    """Encoder from clip.md, with explicit nonce material, to reproduce vectors byte for byte."""
    ad = associated_data(clip_id, camera_id, epoch)
    v = vf.encrypt_stream(clip_key, "video", ad, video, segment_bytes, *nonces["video"])
    t = vf.encrypt_stream(clip_key, "thumbnail", ad, thumbnail, PART_SEGMENT, *nonces["thumbnail"])
    md = vf.encrypt_stream(clip_key, "metadata", ad, metadata, PART_SEGMENT, *nonces["metadata"])
    body = encode_manifest_body({
        "clip_id": clip_id, "camera_id": camera_id, "household_epoch": epoch,
        "sequence": sequence, "previous_manifest_hash": previous, "start_time_unix_s": start,
        "duration_ms": duration_ms, "video_stream_header": v[:49], "video_length": len(v),
        "segment_hashes": [sha256(s) for s in _segments(v, segment_bytes)],
        "thumbnail_length": len(t), "thumbnail_hash": sha256(t),
        "metadata_length": len(md), "metadata_hash": sha256(md),
        "envelope_hashes": [sha256(e) for e in envelopes]})
    manifest = sign(seed, MANIFEST_LABEL, body)
    trailer = struct.pack(">QQQI", len(v), len(t), len(md), len(manifest)) + TRAILER_MAGIC
    return PROLOGUE + v + t + md + manifest + trailer


# ---------------------------------------------------------------------------------------------
# Heartbeat and chain
# ---------------------------------------------------------------------------------------------

def verify_heartbeat(signed: bytes, camera_public_key: bytes, camera_id: bytes) -> dict:
    r = _Reader(_verify_signed(signed, camera_public_key, HEARTBEAT_LABEL))
    if r.take(5) != HEARTBEAT_MAGIC:
        raise VerificationFailed("heartbeat magic")
    hb = {"camera_id": r.ident(), "time_unix_s": r.u(">Q"), "last_sequence": r.u(">Q"),
          "last_manifest_hash": r.take(32)}
    if r.pos != len(r.data) or hb["camera_id"] != camera_id:
        raise VerificationFailed("heartbeat")
    return hb


def check_chain(manifests, known=None):
    """manifests: [(manifest dict, hash)] in server order; known: (sequence, hash) or None.
    Returns [(problem, before, after)] with problem in gap/reorder/broken/rollback."""
    out = []
    for i, (m, _) in enumerate(manifests):
        if i == 0:
            if m["sequence"] == 1 and m["previous_manifest_hash"] != bytes(32):
                out.append(("broken", 0, 1))
            continue
        p, ph = manifests[i - 1]
        if m["sequence"] <= p["sequence"]:
            out.append(("reorder", p["sequence"], m["sequence"]))
        elif m["sequence"] > p["sequence"] + 1:
            out.append(("gap", p["sequence"], m["sequence"]))
        elif m["previous_manifest_hash"] != ph:
            out.append(("broken", p["sequence"], m["sequence"]))
    if known and known[0]:
        newest = max((m["sequence"] for m, _ in manifests), default=0)
        for m, mh in manifests:
            if m["sequence"] == known[0] and mh != known[1]:
                out.append(("broken", known[0], m["sequence"]))
            elif m["sequence"] == known[0] + 1 and m["previous_manifest_hash"] != known[1]:
                out.append(("broken", known[0], m["sequence"]))
        if newest < known[0]:
            out.append(("rollback", known[0], newest))
        elif manifests and manifests[0][0]["sequence"] > known[0] + 1:
            out.append(("gap", known[0], manifests[0][0]["sequence"]))
    return out


# ---------------------------------------------------------------------------------------------
# Event metadata document (VGMD)
# ---------------------------------------------------------------------------------------------

UNIT = 10000


def decode_metadata(data: bytes) -> dict:
    r = _Reader(data)
    if r.take(5) != b"VGMD\x01":
        raise VerificationFailed("metadata magic")

    def text(hi):
        n = r.u(">B")
        if not 1 <= n <= hi:
            raise VerificationFailed("text length")
        return r.take(n).decode("utf-8", "surrogateescape")  # bytes, not validated

    doc = {"motion_score": r.u(">H"), "detections": [], "zones": []}
    for _ in range(r.u(">B")):
        d = {"label": text(32)}
        for k in ("score", "x", "y", "width", "height"):
            d[k] = r.u(">H")
        doc["detections"].append(d)
    for _ in range(r.u(">B")):
        doc["zones"].append(text(64))
    if r.pos != len(data):
        raise VerificationFailed("trailing bytes")
    if (doc["motion_score"] > UNIT or len(doc["detections"]) > 64 or len(doc["zones"]) > 32
            or any(d["score"] > UNIT or d["x"] + d["width"] > UNIT or d["y"] + d["height"] > UNIT
                   for d in doc["detections"])):
        raise VerificationFailed("out of range")
    return doc
