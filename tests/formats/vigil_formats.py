# SPDX-License-Identifier: Apache-2.0
"""Clean-room decoder/encoder for Vigil's VGSA streams, VGEV envelopes (clip keys and household
keys), account secrets and VGKW wrapped keyrings, and VGL1 pairing codes, offers and claims.

Written only from docs/formats/streaming-aead.md, docs/formats/hpke-envelope.md,
docs/formats/keyring.md, docs/formats/pairing-code.md, docs/formats/labels.md and RFC 9180, so
that the documents (not the C++ code) are what the test vectors check. Argon2id is not
available here: account derivations start from the vectors' intermediate pw_key. Needs Debian's python3-cryptography (run with /usr/bin/python3).
"""

import base64
import hashlib
import hmac
import re
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand


class DecryptionFailed(Exception):
    """The single error for every decoding failure (the documents require one error)."""

    def __init__(self):
        super().__init__("decryption failed")


# --------------------------------------------------------------------------------------------
# Segmented streaming AEAD (VGSA version 1), streaming-aead.md
# --------------------------------------------------------------------------------------------

STREAM_MAGIC = b"VGSA"
STREAM_VERSION = 1
HEADER_LEN = 49
TAG_LEN = 16
MIN_SEGMENT = 256
MAX_SEGMENT = 4_194_304
MAX_SEGMENTS = 1 << 32

# Part byte -> HKDF label (labels.md); the vectors name parts by word, the header by byte.
PART_BYTES = {"video": 0x01, "thumbnail": 0x02, "metadata": 0x03}
PART_LABELS = {
    0x01: b"vigil/v1/clip-video",
    0x02: b"vigil/v1/clip-thumbnail",
    0x03: b"vigil/v1/clip-metadata",
}


def _part_byte(part):
    # Accept the vector files' names and, for convenience, the raw byte value.
    if isinstance(part, str):
        b = PART_BYTES.get(part)
    else:
        b = part if part in PART_LABELS else None
    if b is None:
        raise ValueError("unknown part %r" % (part,))
    return b


def derive_subkey(clip_key: bytes, part, associated_data: bytes, salt: bytes) -> bytes:
    """subkey = HKDF-SHA256(IKM = K, salt, info = label(part) || 0x00 || AD, L = 32)."""
    info = PART_LABELS[_part_byte(part)] + b"\x00" + bytes(associated_data)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes(salt), info=info).derive(
        bytes(clip_key)
    )


def _segment_nonce(prefix: bytes, i: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", i) + (b"\x01" if last else b"\x00")


def encrypt_stream(clip_key: bytes, part, associated_data: bytes, plaintext: bytes,
                   segment_bytes: int, salt: bytes, nonce_prefix: bytes) -> bytes:
    """Encoder with explicit salt and prefix, so the vectors can be reproduced byte for byte."""
    part_b = _part_byte(part)
    if len(clip_key) != 32 or len(salt) != 32 or len(nonce_prefix) != 7:
        raise ValueError("bad key, salt or nonce prefix length")
    if not MIN_SEGMENT <= segment_bytes <= MAX_SEGMENT:
        raise ValueError("segment size out of range")
    header = (STREAM_MAGIC + bytes([STREAM_VERSION, part_b]) + struct.pack(">I", segment_bytes)
              + bytes(salt) + bytes(nonce_prefix))
    assert len(header) == HEADER_LEN
    aead = AESGCM(derive_subkey(clip_key, part_b, associated_data, salt))
    # n = floor(len / S) + 1: segments 0..n-2 carry S bytes, the last carries len mod S
    # (0..S-1, never S), so a length that is a multiple of S (including 0) ends with an
    # empty, tag-only last segment.
    n = len(plaintext) // segment_bytes + 1
    if n > MAX_SEGMENTS:
        raise ValueError("too many segments")
    out = [header]
    for i in range(n):
        chunk = plaintext[i * segment_bytes:(i + 1) * segment_bytes]
        out.append(aead.encrypt(_segment_nonce(nonce_prefix, i, i == n - 1), chunk, header))
    return b"".join(out)


def _parse_header(header: bytes, expected_part: int):
    """Decoding step 1; returns (S, salt, prefix) or raises DecryptionFailed."""
    seg_size = struct.unpack(">I", header[6:10])[0]
    if (header[0:4] != STREAM_MAGIC or header[4] != STREAM_VERSION
            or header[5] != expected_part or not MIN_SEGMENT <= seg_size <= MAX_SEGMENT):
        raise DecryptionFailed()
    return seg_size, header[10:42], header[42:49]


def _expected_part(part) -> int:
    try:
        return _part_byte(part)
    except ValueError:
        raise DecryptionFailed() from None


def decrypt_stream(clip_key: bytes, part, associated_data: bytes, stream: bytes) -> bytes:
    """Whole-stream decoder (Decoding steps 1-3, 5). All-or-nothing: any failure raises."""
    expected_part = _expected_part(part)
    stream = bytes(stream)
    if len(clip_key) != 32 or len(stream) < HEADER_LEN:
        raise DecryptionFailed()
    header = stream[:HEADER_LEN]
    # Step 1: magic, version, part and S.
    seg_size, salt, prefix = _parse_header(header, expected_part)
    # Step 3: segmentation from the total length. B mod F < 16 covers a missing last segment
    # (0), a last segment shorter than a tag (1..15) and a full-size last segment (0).
    body = len(stream) - HEADER_LEN
    full = seg_size + TAG_LEN
    last_len = body % full
    if last_len < TAG_LEN:
        raise DecryptionFailed()
    n = body // full + 1
    if n > MAX_SEGMENTS:
        raise DecryptionFailed()
    # Step 2: subkey.
    aead = AESGCM(derive_subkey(clip_key, expected_part, associated_data, salt))
    out = []
    for i in range(n):
        start = HEADER_LEN + i * full
        seg = stream[start:start + (full if i < n - 1 else last_len)]
        try:
            out.append(aead.decrypt(_segment_nonce(prefix, i, i == n - 1), seg, header))
        except InvalidTag:
            raise DecryptionFailed() from None
    return b"".join(out)


class StreamDecryptor:
    """Incremental decoder without knowing the total length (Decoding step 4).

    update() returns the plaintext of every complete F-byte segment as soon as it has arrived
    (a last segment is at most F-1 bytes, so F bytes are never the last one); finish() opens the
    buffered rest, which must be 16..F-1 bytes, as the last segment. Any failure raises
    DecryptionFailed and leaves the object unusable; the stream is complete only when finish()
    returns.
    """

    def __init__(self, clip_key: bytes, part, associated_data: bytes):
        self._expected_part = _expected_part(part)
        if len(clip_key) != 32:
            raise DecryptionFailed()
        self._key = bytes(clip_key)
        self._ad = bytes(associated_data)
        self._buf = bytearray()
        self._header = None
        self._aead = None
        self._full = 0
        self._index = 0
        self._done = False

    def _fail(self):
        self._done = True
        self._buf = bytearray()
        raise DecryptionFailed()

    def _open(self, seg: bytes, last: bool) -> bytes:
        if self._index >= MAX_SEGMENTS or (not last and self._index >= MAX_SEGMENTS - 1):
            self._fail()
        try:
            pt = self._aead.decrypt(_segment_nonce(self._prefix, self._index, last), seg,
                                    self._header)
        except InvalidTag:
            self._fail()
        self._index += 1
        return pt

    def update(self, data: bytes) -> bytes:
        if self._done:
            raise DecryptionFailed()
        self._buf += bytes(data)
        if self._header is None:
            if len(self._buf) < HEADER_LEN:
                return b""
            header = bytes(self._buf[:HEADER_LEN])
            try:
                seg_size, salt, self._prefix = _parse_header(header, self._expected_part)
            except DecryptionFailed:
                self._fail()
            self._header = header
            self._full = seg_size + TAG_LEN
            self._aead = AESGCM(derive_subkey(self._key, self._expected_part, self._ad, salt))
            del self._buf[:HEADER_LEN]
        out = []
        while len(self._buf) >= self._full:
            out.append(self._open(bytes(self._buf[:self._full]), False))
            del self._buf[:self._full]
        return b"".join(out)

    def finish(self) -> bytes:
        if self._done or self._header is None or not TAG_LEN <= len(self._buf) < self._full:
            self._fail()
        pt = self._open(bytes(self._buf), True)
        self._done = True
        self._buf = bytearray()
        return pt


# --------------------------------------------------------------------------------------------
# RFC 9180 HPKE, base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM or ChaCha20
# --------------------------------------------------------------------------------------------

KEM_X25519_SHA256 = 0x0020
KDF_HKDF_SHA256 = 0x0001
AEAD_AES128GCM = 0x0001
AEAD_CHACHA20POLY1305 = 0x0003
MODE_BASE = 0x00
_NH = 32
_AEADS = {AEAD_AES128GCM: (AESGCM, 16), AEAD_CHACHA20POLY1305: (ChaCha20Poly1305, 32)}
_NN = 12


class HpkeError(Exception):
    pass


def _i2osp(n: int, w: int) -> bytes:
    return n.to_bytes(w, "big")


def _extract(salt: bytes, ikm: bytes) -> bytes:
    # RFC 5869 Extract; an empty salt means Nh zero bytes (HMAC pads it the same way anyway).
    return hmac.new(salt or b"\x00" * _NH, ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(prk)


def labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite_id + label + ikm)


def labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return _expand(prk, _i2osp(length, 2) + b"HPKE-v1" + suite_id + label + info, length)


_KEM_SUITE = b"KEM" + _i2osp(KEM_X25519_SHA256, 2)


def x25519_public(sk: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(bytes(sk)).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _dh(sk: bytes, pk: bytes) -> bytes:
    try:
        dh = X25519PrivateKey.from_private_bytes(bytes(sk)).exchange(
            X25519PublicKey.from_public_bytes(bytes(pk)))
    except ValueError:
        # OpenSSL itself refuses an all-zero result; same outcome as the check below.
        raise HpkeError("DH failed") from None
    if dh == b"\x00" * 32:  # RFC 9180 section 7.1.4
        raise HpkeError("all-zero shared secret")
    return dh


def _extract_and_expand(dh: bytes, kem_context: bytes) -> bytes:
    eae_prk = labeled_extract(_KEM_SUITE, b"", b"eae_prk", dh)
    return labeled_expand(_KEM_SUITE, eae_prk, b"shared_secret", kem_context, _NH)


def encap(pk_r: bytes, sk_e: bytes):
    """Encap with an explicit ephemeral private key (deterministic, for known answers)."""
    enc = x25519_public(sk_e)
    dh = _dh(sk_e, pk_r)
    return _extract_and_expand(dh, enc + bytes(pk_r)), enc


def decap(enc: bytes, sk_r: bytes) -> bytes:
    if len(enc) != 32:
        raise HpkeError("bad enc length")
    dh = _dh(sk_r, enc)
    return _extract_and_expand(dh, bytes(enc) + x25519_public(sk_r))


class Context:
    """One HPKE context; the same object serves as sender (seal) or recipient (open)."""

    def __init__(self, aead_id, key, base_nonce, exporter_secret, suite_id):
        self.aead_id = aead_id
        self.key = key
        self.base_nonce = base_nonce
        self.exporter_secret = exporter_secret
        self.suite_id = suite_id
        self.seq = 0
        self._aead = _AEADS[aead_id][0](key)

    def _nonce(self) -> bytes:
        seq = _i2osp(self.seq, _NN)
        return bytes(a ^ b for a, b in zip(self.base_nonce, seq))

    def _advance(self):
        if self.seq >= (1 << (8 * _NN)) - 1:
            raise HpkeError("message limit reached")
        self.seq += 1

    def seal(self, aad: bytes, pt: bytes) -> bytes:
        ct = self._aead.encrypt(self._nonce(), bytes(pt), bytes(aad))
        self._advance()
        return ct

    def open(self, aad: bytes, ct: bytes) -> bytes:
        try:
            pt = self._aead.decrypt(self._nonce(), bytes(ct), bytes(aad))
        except InvalidTag:
            raise HpkeError("open failed") from None
        self._advance()  # only after success, as in RFC 9180 ContextR.Open
        return pt

    def export(self, exporter_context: bytes, length: int) -> bytes:
        return labeled_expand(self.suite_id, self.exporter_secret, b"sec",
                              bytes(exporter_context), length)


def key_schedule(shared_secret: bytes, info: bytes, aead_id: int) -> Context:
    """Base-mode KeySchedule (psk and psk_id empty)."""
    nk = _AEADS[aead_id][1]
    suite_id = (b"HPKE" + _i2osp(KEM_X25519_SHA256, 2) + _i2osp(KDF_HKDF_SHA256, 2)
                + _i2osp(aead_id, 2))
    psk_id_hash = labeled_extract(suite_id, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(suite_id, b"", b"info_hash", bytes(info))
    ctx = _i2osp(MODE_BASE, 1) + psk_id_hash + info_hash
    secret = labeled_extract(suite_id, shared_secret, b"secret", b"")
    key = labeled_expand(suite_id, secret, b"key", ctx, nk)
    base_nonce = labeled_expand(suite_id, secret, b"base_nonce", ctx, _NN)
    exporter_secret = labeled_expand(suite_id, secret, b"exp", ctx, _NH)
    return Context(aead_id, key, base_nonce, exporter_secret, suite_id)


def setup_base_s(pk_r: bytes, info: bytes, sk_e: bytes, aead_id: int = AEAD_AES128GCM):
    shared_secret, enc = encap(pk_r, sk_e)
    return enc, key_schedule(shared_secret, info, aead_id)


def setup_base_r(enc: bytes, sk_r: bytes, info: bytes, aead_id: int = AEAD_AES128GCM):
    return key_schedule(decap(enc, sk_r), info, aead_id)


# --------------------------------------------------------------------------------------------
# Clip-key envelope (VGEV version 1), hpke-envelope.md
# --------------------------------------------------------------------------------------------

ENVELOPE_LEN = 124
ENVELOPE_LABEL = b"vigil/v1/clip-key-envelope"
# magic, version, purpose (clip key to household key), kem_id, kdf_id, aead_id
_ENVELOPE_FIXED = (b"VGEV" + b"\x01" + b"\x01" + _i2osp(KEM_X25519_SHA256, 2)
                   + _i2osp(KDF_HKDF_SHA256, 2) + _i2osp(AEAD_AES128GCM, 2))


def _lp(x: bytes) -> bytes:
    return _i2osp(len(x), 2) + x


def parse_epoch(text: str) -> int:
    """household_epoch as written in the vector files: a decimal string (hpke-envelope.md),
    since JSON numbers above 2^53 are not exact in every parser. ASCII digits only, u64 range."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]+", text, re.ASCII):
        raise ValueError("household_epoch must be a decimal string")
    value = int(text, 10)
    if value >= 1 << 64:
        raise ValueError("household_epoch out of range")
    return value


def _check_binding(clip_id: bytes, camera_id: bytes, household_epoch: int):
    """Caller errors refused by both sealing and opening: ids of 1..255 bytes, a u64 epoch."""
    for ident in (clip_id, camera_id):
        if not isinstance(ident, (bytes, bytearray)):
            raise TypeError("ids are byte strings (UTF-8)")
        if not 1 <= len(ident) <= 255:
            raise ValueError("id length out of range")
    if isinstance(household_epoch, bool) or not isinstance(household_epoch, int):
        raise TypeError("household_epoch is an integer (parse the vectors' string first)")
    if not 0 <= household_epoch < (1 << 64):
        raise ValueError("epoch out of range")


def envelope_info(clip_id: bytes, camera_id: bytes, household_epoch: int,
                  recipient_public_key: bytes) -> bytes:
    """info = label || lp(clip_id) || lp(camera_id) || lp(u64be(epoch)) || lp(SHA-256(pkR))."""
    _check_binding(clip_id, camera_id, household_epoch)
    key_id = hashlib.sha256(bytes(recipient_public_key)).digest()
    return (ENVELOPE_LABEL + _lp(bytes(clip_id)) + _lp(bytes(camera_id))
            + _lp(_i2osp(household_epoch, 8)) + _lp(key_id))


def seal_clip_key(recipient_public_key: bytes, clip_id: bytes, camera_id: bytes,
                  household_epoch: int, clip_key: bytes, ephemeral_private_key: bytes) -> bytes:
    if len(clip_key) != 32 or len(recipient_public_key) != 32:
        raise ValueError("bad key length")
    info = envelope_info(clip_id, camera_id, household_epoch, recipient_public_key)
    prefix = _ENVELOPE_FIXED + hashlib.sha256(bytes(recipient_public_key)).digest()
    enc, ctx = setup_base_s(recipient_public_key, info, ephemeral_private_key)
    envelope = prefix + enc + ctx.seal(prefix, clip_key)
    assert len(envelope) == ENVELOPE_LEN
    return envelope


def open_clip_key(envelope: bytes, recipient_private_key: bytes, clip_id: bytes,
                  camera_id: bytes, household_epoch: int) -> bytes:
    try:
        envelope = bytes(envelope)
        pk_r = x25519_public(recipient_private_key)
        if (len(envelope) != ENVELOPE_LEN or envelope[:12] != _ENVELOPE_FIXED
                or envelope[12:44] != hashlib.sha256(pk_r).digest()):
            raise HpkeError("bad envelope header")
        info = envelope_info(clip_id, camera_id, household_epoch, pk_r)
        prefix, enc, ct = envelope[:44], envelope[44:76], envelope[76:]
        return setup_base_r(enc, recipient_private_key, info).open(prefix, ct)
    except (HpkeError, ValueError, TypeError):
        raise DecryptionFailed() from None


# --------------------------------------------------------------------------------------------
# Household-key envelope (VGEV version 1, purpose 2), hpke-envelope.md §Purpose 2
# --------------------------------------------------------------------------------------------

HOUSEHOLD_ENVELOPE_LABEL = b"vigil/v1/household-key-envelope"
_HOUSEHOLD_FIXED = (b"VGEV" + b"\x01" + b"\x02" + _i2osp(KEM_X25519_SHA256, 2)
                    + _i2osp(KDF_HKDF_SHA256, 2) + _i2osp(AEAD_AES128GCM, 2))


def household_envelope_info(household_id: bytes, epoch: int, device_id: bytes,
                            device_public_key: bytes) -> bytes:
    _check_binding(household_id, device_id, epoch)
    key_id = hashlib.sha256(bytes(device_public_key)).digest()
    return (HOUSEHOLD_ENVELOPE_LABEL + _lp(bytes(household_id)) + _lp(_i2osp(epoch, 8))
            + _lp(bytes(device_id)) + _lp(key_id))


def seal_household_key(device_public_key: bytes, household_id: bytes, epoch: int,
                       device_id: bytes, household_private_key: bytes,
                       ephemeral_private_key: bytes) -> bytes:
    if len(household_private_key) != 32 or len(device_public_key) != 32:
        raise ValueError("bad key length")
    info = household_envelope_info(household_id, epoch, device_id, device_public_key)
    prefix = _HOUSEHOLD_FIXED + hashlib.sha256(bytes(device_public_key)).digest()
    enc, ctx = setup_base_s(device_public_key, info, ephemeral_private_key)
    envelope = prefix + enc + ctx.seal(prefix, household_private_key)
    assert len(envelope) == ENVELOPE_LEN
    return envelope


def open_household_key(envelope: bytes, device_private_key: bytes, household_id: bytes,
                       epoch: int, device_id: bytes) -> bytes:
    try:
        envelope = bytes(envelope)
        pk_r = x25519_public(device_private_key)
        if (len(envelope) != ENVELOPE_LEN or envelope[:12] != _HOUSEHOLD_FIXED
                or envelope[12:44] != hashlib.sha256(pk_r).digest()):
            raise HpkeError("bad envelope header")
        info = household_envelope_info(household_id, epoch, device_id, pk_r)
        prefix, enc, ct = envelope[:44], envelope[44:76], envelope[76:]
        return setup_base_r(enc, device_private_key, info).open(prefix, ct)
    except (HpkeError, ValueError, TypeError):
        raise DecryptionFailed() from None


# --------------------------------------------------------------------------------------------
# Account secrets and keys, keyring.md
# --------------------------------------------------------------------------------------------

class InvalidText(Exception):
    """A human form (ASK, recovery code, pairing code) that does not decode."""


class VerificationFailed(Exception):
    def __init__(self):
        super().__init__("verification failed")


def derive_key(ikm: bytes, salt: bytes, label: bytes, context: bytes, length: int) -> bytes:
    """DeriveKey: HKDF-SHA256(IKM, salt, info = label || 0x00 || context, L)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=bytes(salt) or None,
                info=bytes(label) + b"\x00" + bytes(context)).derive(bytes(ikm))


def b32encode(data: bytes) -> str:
    return base64.b32encode(bytes(data)).decode("ascii").rstrip("=")


def b32decode(text: str) -> bytes:
    """Strict: upper-case alphabet only, no padding, zero padding bits (canonical)."""
    if not re.fullmatch(r"[A-Z2-7]*", text) or len(text) % 8 in (1, 3, 6):
        raise InvalidText("bad base32")
    data = base64.b32decode(text + "=" * (-len(text) % 8))
    if b32encode(data) != text:
        raise InvalidText("non-canonical base32")
    return data


_HUMAN = {"A1": (16, 4), "R1": (20, 5)}


def encode_human(prefix: str, secret: bytes) -> str:
    n, c = _HUMAN[prefix]
    assert len(secret) == n
    body = b32encode(secret + hashlib.sha256(prefix.encode() + secret).digest()[:c])
    return prefix + "".join("-" + body[i:i + 4] for i in range(0, len(body), 4))


def decode_human(prefix: str, text: str) -> bytes:
    n, c = _HUMAN[prefix]
    norm = text.replace("-", "").replace(" ", "").upper()
    body_len = ((n + c) * 8 + 4) // 5
    if len(norm) != 2 + body_len or not norm.startswith(prefix):
        raise InvalidText("bad prefix or length")
    payload = b32decode(norm[2:])
    secret, checksum = payload[:n], payload[n:]
    if not hmac.compare_digest(hashlib.sha256(prefix.encode() + secret).digest()[:c], checksum):
        raise InvalidText("bad checksum")
    return secret


def derive_account_keys_from_pw_key(pw_key: bytes, ask: bytes, account_salt: bytes,
                                    email: bytes):
    """(auth_key, kek) from the Argon2id output pw_key."""
    if len(pw_key) != 32 or len(ask) != 16 or len(account_salt) != 16 or not email:
        raise ValueError("bad account key inputs")
    ikm = bytes(pw_key) + bytes(ask)
    return (derive_key(ikm, account_salt, b"vigil/v1/account-auth", email, 32),
            derive_key(ikm, account_salt, b"vigil/v1/account-kek", email, 32))


def derive_recovery_kek(recovery_code: bytes, recovery_salt: bytes, email: bytes) -> bytes:
    if len(recovery_code) != 20 or len(recovery_salt) != 16 or not email:
        raise ValueError("bad recovery inputs")
    return derive_key(recovery_code, recovery_salt, b"vigil/v1/recovery-kek", email, 32)


def derive_recovery_auth_key(recovery_code: bytes, recovery_salt: bytes, email: bytes) -> bytes:
    if len(recovery_code) != 20 or len(recovery_salt) != 16 or not email:
        raise ValueError("bad recovery inputs")
    return derive_key(recovery_code, recovery_salt, b"vigil/v1/recovery-auth", email, 32)


# --------------------------------------------------------------------------------------------
# Keyring plaintext and VGKW wrap, keyring.md
# --------------------------------------------------------------------------------------------

KEYRING_KINDS = {"account": 0x01, "recovery": 0x02}
KEYRING_MAX_ENTRIES = 4096


def serialize_keyring(signing_seed: bytes, households) -> bytes:
    """households: iterable of (household_id bytes, epoch int, x25519 private key bytes)."""
    entries = sorted(households, key=lambda e: (bytes(e[0]), e[1]))
    keys = [(bytes(i), e) for i, e, _ in entries]
    if len(set(keys)) != len(keys) or len(keys) > KEYRING_MAX_ENTRIES or len(signing_seed) != 32:
        raise ValueError("bad keyring")
    out = b"\x01" + bytes(signing_seed) + struct.pack(">H", len(entries))
    for hid, epoch, sk in entries:
        if not 1 <= len(hid) <= 255 or len(sk) != 32:
            raise ValueError("bad keyring entry")
        out += bytes([len(hid)]) + bytes(hid) + struct.pack(">Q", epoch) + bytes(sk)
    return out


def parse_keyring(data: bytes):
    """(signing_seed, [(household_id, epoch, private_key)]) or ValueError if not canonical."""
    data = bytes(data)
    if len(data) < 35 or data[0] != 1:
        raise ValueError("bad keyring header")
    seed, n = data[1:33], struct.unpack(">H", data[33:35])[0]
    if n > KEYRING_MAX_ENTRIES:
        raise ValueError("too many entries")
    pos, entries = 35, []
    for _ in range(n):
        if pos >= len(data):
            raise ValueError("truncated")
        ln = data[pos]
        if ln == 0 or len(data) < pos + 1 + ln + 8 + 32:
            raise ValueError("bad entry")
        hid = data[pos + 1:pos + 1 + ln]
        epoch = struct.unpack(">Q", data[pos + 1 + ln:pos + 9 + ln])[0]
        sk = data[pos + 9 + ln:pos + 41 + ln]
        if entries and not (entries[-1][0], entries[-1][1]) < (hid, epoch):
            raise ValueError("not canonical order")
        entries.append((hid, epoch, sk))
        pos += 41 + ln
    if pos != len(data):
        raise ValueError("trailing bytes")
    return seed, entries


def keyring_wrap_subkey(kek: bytes, kind: str, salt: bytes, account_id: bytes) -> bytes:
    return derive_key(kek, salt, b"vigil/v1/keyring-wrap",
                      bytes([KEYRING_KINDS[kind]]) + bytes(account_id), 32)


def wrap_keyring(plaintext: bytes, kek: bytes, kind: str, account_id: bytes, salt: bytes,
                 nonce: bytes) -> bytes:
    if not 1 <= len(account_id) <= 255 or len(salt) != 32 or len(nonce) != 12 or len(kek) != 32:
        raise ValueError("bad wrap inputs")
    header = b"VGKW\x01" + bytes([KEYRING_KINDS[kind]]) + bytes(salt) + bytes(nonce)
    aead = AESGCM(keyring_wrap_subkey(kek, kind, salt, account_id))
    return header + aead.encrypt(bytes(nonce), bytes(plaintext), header + bytes(account_id))


def unwrap_keyring(wrapped: bytes, kek: bytes, kind: str, account_id: bytes) -> bytes:
    """Returns the keyring plaintext (checked canonical) or raises DecryptionFailed."""
    wrapped = bytes(wrapped)
    if (not 1 <= len(account_id) <= 255 or len(kek) != 32 or kind not in KEYRING_KINDS
            or len(wrapped) < 50 + 35 + 16 or wrapped[:5] != b"VGKW\x01"
            or wrapped[5] != KEYRING_KINDS[kind]):
        raise DecryptionFailed()
    header, salt, nonce = wrapped[:50], wrapped[6:38], wrapped[38:50]
    try:
        pt = AESGCM(keyring_wrap_subkey(kek, kind, salt, account_id)).decrypt(
            nonce, wrapped[50:], header + bytes(account_id))
        parse_keyring(pt)
    except (InvalidTag, ValueError):
        raise DecryptionFailed() from None
    return pt


# --------------------------------------------------------------------------------------------
# Pairing, pairing-code.md
# --------------------------------------------------------------------------------------------

PAIRING_PREFIX = "VGL1-"
PAIRING_CODE_LEN = 47


def camera_fingerprint(camera_public_key: bytes) -> bytes:
    return hashlib.sha256(bytes(camera_public_key)).digest()[:10]


def encode_pairing_code(secret: bytes, camera_public_key: bytes) -> str:
    if len(secret) != 16:
        raise ValueError("bad pairing secret")
    return PAIRING_PREFIX + b32encode(bytes(secret) + camera_fingerprint(camera_public_key))


def decode_pairing_code(code: str):
    """(secret, fingerprint) or InvalidText."""
    if not isinstance(code, str) or len(code) != PAIRING_CODE_LEN:
        raise InvalidText("bad length")
    upper = code.upper()
    if not upper.startswith(PAIRING_PREFIX):
        raise InvalidText("bad prefix")
    payload = b32decode(upper[len(PAIRING_PREFIX):])
    if len(payload) != 26:
        raise InvalidText("bad payload")
    return payload[:16], payload[16:]


def pairing_id(secret: bytes) -> bytes:
    return derive_key(secret, b"", b"vigil/v1/pairing-id", b"", 32)


def pairing_mac_key(secret: bytes) -> bytes:
    return derive_key(secret, b"", b"vigil/v1/pairing-mac", b"", 32)


def offer_mac_input(camera_public_key: bytes) -> bytes:
    return _lp(b"camera") + _lp(bytes(camera_public_key))


def claim_mac_input(owner_public_key, household_public_key, epoch: int, camera_public_key) -> bytes:
    return (_lp(b"owner") + _lp(bytes(owner_public_key)) + _lp(bytes(household_public_key))
            + _lp(_i2osp(epoch, 8)) + _lp(bytes(camera_public_key)))


def claim_signed_message(pid, owner_public_key, household_public_key, epoch: int,
                         camera_public_key) -> bytes:
    return (_lp(bytes(pid)) + _lp(bytes(owner_public_key)) + _lp(bytes(household_public_key))
            + _lp(_i2osp(epoch, 8)) + _lp(bytes(camera_public_key)))


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def offer_mac(secret: bytes, camera_public_key: bytes) -> bytes:
    return _hmac(pairing_mac_key(secret), offer_mac_input(camera_public_key))


def verify_offer(code: str, offer_pairing_id: bytes, camera_public_key: bytes, mac: bytes):
    secret, fp = decode_pairing_code(code)
    ok = hmac.compare_digest(pairing_id(secret), bytes(offer_pairing_id))
    ok &= hmac.compare_digest(camera_fingerprint(camera_public_key), fp)
    ok &= hmac.compare_digest(offer_mac(secret, camera_public_key), bytes(mac))
    if not ok:
        raise VerificationFailed()


def sign_claim(owner_seed: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(bytes(owner_seed)).sign(
        b"vigil/v1/pairing-claim\x00" + bytes(message))


def verify_claim(secret: bytes, camera_public_key: bytes, owner_public_key: bytes,
                 household_public_key: bytes, epoch: int, signature: bytes, mac: bytes):
    expected = _hmac(pairing_mac_key(secret), claim_mac_input(
        owner_public_key, household_public_key, epoch, camera_public_key))
    ok = hmac.compare_digest(expected, bytes(mac))
    message = claim_signed_message(pairing_id(secret), owner_public_key, household_public_key,
                                   epoch, camera_public_key)
    try:
        Ed25519PublicKey.from_public_bytes(bytes(owner_public_key)).verify(
            bytes(signature), b"vigil/v1/pairing-claim\x00" + message)
    except (InvalidSignature, ValueError):
        ok = False
    if not ok:
        raise VerificationFailed()


def ed25519_public(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(bytes(seed)).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
