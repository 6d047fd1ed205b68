#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes tests/vectors/at-rest.json for docs/formats/at-rest.md.

An implementation independent of the C++ one (Debian python3-cryptography),
run once; crypto_at_rest_test checks that the C++ code reproduces every
vector byte for byte, and tests/formats/test_formats.py decodes them.
usage: /usr/bin/python3 tools/make_at_rest_vectors.py > tests/vectors/at-rest.json
"""
import hashlib
import json

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HEADER = b"VGAR\x01"


def fixed(name: str, size: int) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:size]


def seal(key: bytes, plaintext: bytes, associated_data: bytes, nonce: bytes) -> bytes:
    return HEADER + nonce + AESGCM(key).encrypt(nonce, plaintext, HEADER + associated_data)


def main() -> None:
    key = fixed("vigil at-rest vector key", 32)
    cases = [
        ("TOTP seed bound to an account", fixed("seed", 20), b"totp-seed|acct_alice000"),
        ("empty plaintext, empty associated data", b"", b""),
        ("pending enrolment", fixed("pending seed", 20), b"totp-pending|acct_alice000"),
    ]
    vectors = []
    for name, plaintext, aad in cases:
        nonce = fixed("nonce " + name, 12)
        vectors.append({"name": name, "plaintext": plaintext.hex(), "associated_data": aad.hex(),
                        "nonce": nonce.hex(), "sealed": seal(key, plaintext, aad, nonce).hex()})
    ref = bytes.fromhex(vectors[0]["sealed"])
    aad = bytes.fromhex(vectors[0]["associated_data"])

    def flipped(i: int) -> bytes:
        b = bytearray(ref)
        b[i] ^= 1
        return bytes(b)

    negative = [
        {"name": "other associated data (another account)", "sealed": ref.hex(),
         "associated_data": b"totp-seed|acct_mallory0".hex()},
        {"name": "flipped bit in magic", "sealed": flipped(0).hex(), "associated_data": aad.hex()},
        {"name": "flipped bit in version", "sealed": flipped(4).hex(), "associated_data": aad.hex()},
        {"name": "flipped bit in nonce", "sealed": flipped(7).hex(), "associated_data": aad.hex()},
        {"name": "flipped bit in ciphertext", "sealed": flipped(20).hex(), "associated_data": aad.hex()},
        {"name": "flipped bit in tag", "sealed": flipped(len(ref) - 1).hex(), "associated_data": aad.hex()},
        {"name": "truncated", "sealed": ref[:-1].hex(), "associated_data": aad.hex()},
        {"name": "shorter than the overhead", "sealed": ref[:32].hex(), "associated_data": aad.hex()},
    ]
    print(json.dumps({"format": "docs/formats/at-rest.md", "key": key.hex(), "vectors": vectors,
                      "negative": negative}, indent=1))


if __name__ == "__main__":
    main()
