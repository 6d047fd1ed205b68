# SPDX-License-Identifier: Apache-2.0
"""A second implementation of docs/formats/alert.md (VGAL version 1), written
from the document: seal and open a camera-signed alert sealed to the
household key. HPKE is the RFC 9180 code of vigil_formats.py; Ed25519 and
AES-GCM come from python3-cryptography."""
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

import vigil_formats as vf

MAGIC = b"VGAL"
VERSION = b"\x01"
SEALED_LEN = 541
PLAINTEXT_LEN = 384
HEADER_LEN = 45
SIGNED_LEN = 477
INFO_LABEL = b"vigil/v1/alert"
SIGNATURE_LABEL = b"vigil/v1/alert-signature"
KINDS = {1: "event_started", 2: "clip_complete"}


class AlertVerificationFailed(Exception):
    def __init__(self):
        super().__init__("verification failed")


class AlertDecryptionFailed(Exception):
    def __init__(self):
        super().__init__("decryption failed")


def _lp(x: bytes) -> bytes:
    return struct.pack(">H", len(x)) + x


def _check_ids(alert_id: bytes, camera_id: bytes):
    for x in (alert_id, camera_id):
        if not 1 <= len(x) <= 255:
            raise ValueError("ids are 1 to 255 bytes")


def info(alert_id: bytes, camera_id: bytes, epoch: int, household_public_key: bytes) -> bytes:
    _check_ids(alert_id, camera_id)
    key_id = hashlib.sha256(household_public_key).digest()
    return (INFO_LABEL + _lp(alert_id) + _lp(camera_id) + _lp(struct.pack(">Q", epoch))
            + _lp(key_id))


def header(epoch: int, household_public_key: bytes) -> bytes:
    return MAGIC + VERSION + struct.pack(">Q", epoch) + hashlib.sha256(household_public_key).digest()


def _printable(b: bytes, lowest: int) -> bool:
    return all(lowest <= c <= 0x7e for c in b)


def encode_plaintext(kind: int, clip_id: bytes, event_time: int, sequence: int, labels,
                     motion_score: int) -> bytes:
    if kind not in KINDS or not 1 <= len(clip_id) <= 64 or not _printable(clip_id, 0x21):
        raise ValueError("kind or clip id")
    if len(labels) > 8 or any(not 1 <= len(l) <= 32 or not _printable(l, 0x20) for l in labels):
        raise ValueError("labels")
    if not 0 <= motion_score <= 10000:
        raise ValueError("motion score")
    out = bytes([kind, len(clip_id)]) + clip_id + struct.pack(">QQH", event_time, sequence,
                                                                motion_score)
    out += bytes([len(labels)]) + b"".join(bytes([len(l)]) + l for l in labels)
    return out + bytes(PLAINTEXT_LEN - len(out))


def decode_plaintext(p: bytes) -> dict:
    """The content of a padded plaintext; AlertDecryptionFailed unless it is
    the one valid encoding."""
    try:
        if len(p) != PLAINTEXT_LEN:
            raise IndexError
        kind = p[0]
        n = p[1]
        clip_id = p[2:2 + n]
        pos = 2 + n
        event_time, sequence, motion = struct.unpack(">QQH", p[pos:pos + 18])
        pos += 18
        count = p[pos]
        pos += 1
        labels = []
        for _ in range(min(count, 9)):
            n = p[pos]
            labels.append(p[pos + 1:pos + 1 + n])
            if len(labels[-1]) != n:
                raise IndexError
            pos += 1 + n
    except (IndexError, struct.error):
        raise AlertDecryptionFailed() from None
    if (kind not in KINDS or not 1 <= len(clip_id) <= 64 or len(clip_id) != p[1]
            or not _printable(clip_id, 0x21) or count > 8 or motion > 10000
            or any(not 1 <= len(l) <= 32 or not _printable(l, 0x20) for l in labels)
            or any(p[pos:])):
        raise AlertDecryptionFailed()
    return {"kind": kind, "clip_id": clip_id, "event_time_unix_s": event_time,
            "sequence": sequence, "labels": labels, "motion_score": motion}


def seal_alert(plaintext: bytes, alert_id: bytes, camera_id: bytes, epoch: int,
               household_public_key: bytes, camera_seed: bytes, ephemeral: bytes) -> bytes:
    enc, ctx = vf.setup_base_s(household_public_key,
                               info(alert_id, camera_id, epoch, household_public_key), ephemeral)
    body = header(epoch, household_public_key)
    body += enc + ctx.seal(body, plaintext)
    message = _lp(alert_id) + _lp(camera_id) + body
    signature = Ed25519PrivateKey.from_private_bytes(camera_seed).sign(
        SIGNATURE_LABEL + b"\x00" + message)
    return body + signature


def open_alert(sealed: bytes, alert_id: bytes, camera_id: bytes, epoch: int,
               camera_public_key: bytes, household_private_key: bytes) -> dict:
    if len(sealed) != SEALED_LEN or not 1 <= len(alert_id) <= 255 or not 1 <= len(camera_id) <= 255:
        raise AlertVerificationFailed()
    body, signature = sealed[:SIGNED_LEN], sealed[SIGNED_LEN:]
    try:
        Ed25519PublicKey.from_public_bytes(camera_public_key).verify(
            signature, SIGNATURE_LABEL + b"\x00" + _lp(alert_id) + _lp(camera_id) + body)
    except InvalidSignature:
        raise AlertVerificationFailed() from None
    pk = vf.x25519_public(household_private_key)
    if body[:HEADER_LEN] != header(epoch, pk):
        raise AlertDecryptionFailed()
    try:
        ctx = vf.setup_base_r(body[HEADER_LEN:HEADER_LEN + 32], household_private_key,
                              info(alert_id, camera_id, epoch, pk))
        plaintext = ctx.open(body[:HEADER_LEN], body[HEADER_LEN + 32:])
    except Exception:  # any HPKE failure is the one error of the document
        raise AlertDecryptionFailed() from None
    return decode_plaintext(plaintext)
