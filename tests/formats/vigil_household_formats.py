# SPDX-License-Identifier: Apache-2.0
"""Clean-room decoder for the account key chain (VGKC, docs/formats/key-chain.md) and sealed
camera names (docs/formats/hpke-envelope.md §Purpose 3), written from those documents. Reuses
the RFC 9180 layer of vigil_formats.py (itself checked against the RFC's vectors). Needs
Debian's python3-cryptography (run with /usr/bin/python3)."""

import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import vigil_formats as vf


class ChainInvalid(Exception):
    pass


KEY_CHAIN_LABEL = b"vigil/v1/key-chain"


def _take(data: bytes, pos: int, n: int):
    if pos + n > len(data):
        raise ChainInvalid("short payload")
    return data[pos:pos + n], pos + n


def _lp_field(data: bytes, pos: int, lo: int, hi: int):
    raw, pos = _take(data, pos, 2)
    n = struct.unpack(">H", raw)[0]
    if not lo <= n <= hi:
        raise ChainInvalid("field length out of range")
    return _take(data, pos, n)


def decode_payload(payload: bytes) -> dict:
    magic, pos = _take(payload, 0, 5)
    if magic != b"VGKC\x01":
        raise ChainInvalid("magic")
    account_id, pos = _lp_field(payload, pos, 1, 64)
    raw, pos = _take(payload, pos, 8)
    version = struct.unpack(">Q", raw)[0]
    if version == 0:
        raise ChainInvalid("version 0")
    previous_hash, pos = _take(payload, pos, 32)
    account_key, pos = _take(payload, pos, 32)
    raw, pos = _take(payload, pos, 2)
    n = struct.unpack(">H", raw)[0]
    if not 1 <= n <= 256:
        raise ChainInvalid("device count")
    devices = []
    for _ in range(n):
        device_id, pos = _lp_field(payload, pos, 1, 64)
        box, pos = _take(payload, pos, 32)
        sign, pos = _take(payload, pos, 32)
        if devices and devices[-1][0] >= device_id:
            raise ChainInvalid("devices not strictly sorted")
        devices.append((device_id, box, sign))
    if pos != len(payload):
        raise ChainInvalid("trailing bytes")
    return {"account_id": account_id, "version": version, "previous_hash": previous_hash,
            "account_key": account_key, "devices": devices}


def version_hash(payload: bytes, signature: bytes) -> bytes:
    return hashlib.sha256(payload + signature).digest()


def verify_chain(account_id: bytes, chain, pin_version: int = 0, pin_hash: bytes = b""):
    """chain: [(payload, signature)] oldest first. Returns (head, (version, hash))."""
    if not chain:
        raise ChainInvalid("empty")
    previous = None
    previous_hash = bytes(32)
    pinned_hash = None
    for i, (payload, signature) in enumerate(chain, 1):
        p = decode_payload(payload)
        if p["account_id"] != account_id or p["version"] != i or p["previous_hash"] != previous_hash:
            raise ChainInvalid(f"version {i} out of place")
        signer = (previous or p)["account_key"]
        try:
            Ed25519PublicKey.from_public_bytes(signer).verify(
                signature, KEY_CHAIN_LABEL + b"\x00" + payload)
        except InvalidSignature:
            raise ChainInvalid(f"version {i} signature") from None
        previous_hash = version_hash(payload, signature)
        if i == pin_version:
            pinned_hash = previous_hash
        previous = p
    if pin_version > len(chain):
        raise ChainInvalid("rolled back")
    if pin_version and pinned_hash != pin_hash:
        raise ChainInvalid("fork")
    return previous, (len(chain), previous_hash)


CAMERA_NAME_LABEL = b"vigil/v1/camera-name"
CAMERA_NAME_LEN = 96
CAMERA_NAME_MAX = 45


def camera_name_info(household_id: bytes, camera_id: bytes, household_public_key: bytes) -> bytes:
    for x in (household_id, camera_id):
        if not 1 <= len(x) <= 255:
            raise ValueError("ids are 1..255 bytes")
    return (CAMERA_NAME_LABEL + vf._lp(household_id) + vf._lp(camera_id)
            + vf._lp(hashlib.sha256(household_public_key).digest()))


def _valid_name(name: bytes) -> bool:
    try:
        text = name.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return 1 <= len(name) <= CAMERA_NAME_MAX and not any(ord(c) < 0x20 or ord(c) == 0x7F
                                                         for c in text)


def seal_camera_name(household_public_key: bytes, household_id: bytes, camera_id: bytes,
                     name: bytes, sk_e: bytes) -> bytes:
    if not _valid_name(name):
        raise ValueError("bad name")
    info = camera_name_info(household_id, camera_id, household_public_key)
    enc, ctx = vf.setup_base_s(household_public_key, info, sk_e)
    header = b"\x01\x03"
    padded = bytes([len(name)]) + name + bytes(CAMERA_NAME_MAX - len(name))
    return header + enc + ctx.seal(header, padded)


def open_camera_name(sealed: bytes, household_private_key: bytes, household_id: bytes,
                     camera_id: bytes) -> bytes:
    info = camera_name_info(household_id, camera_id, vf.x25519_public(household_private_key))
    if len(sealed) != CAMERA_NAME_LEN or sealed[:2] != b"\x01\x03":
        raise vf.DecryptionFailed()
    try:
        ctx = vf.setup_base_r(sealed[2:34], household_private_key, info)
        padded = ctx.open(sealed[:2], sealed[34:])
    except Exception:
        raise vf.DecryptionFailed() from None
    n = padded[0]
    if not 1 <= n <= CAMERA_NAME_MAX or any(padded[1 + n:]):
        raise vf.DecryptionFailed()
    name = padded[1:1 + n]
    if not _valid_name(name):
        raise vf.DecryptionFailed()
    return name
