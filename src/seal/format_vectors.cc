// SPDX-License-Identifier: Apache-2.0
#include "format_vectors.h"

#include <string>
#include <utility>
#include <vector>

#include "internal/aead_cipher.h"
#include "internal/hpke.h"
#include "internal/key_envelope_internal.h"
#include "internal/streaming_aead_internal.h"
#include "vigil/crypto/hash.h"
#include "vigil/seal/key_envelope.h"
#include "vigil/seal/streaming_aead.h"

namespace vigil::seal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;
using nlohmann::ordered_json;

// Deterministic "random" bytes: SHA-256 of a name, truncated.
Bytes Fixed(std::string_view name, std::size_t size) {
  const auto digest = crypto::Sha256(AsBytes(name));
  return Bytes(digest.begin(), digest.begin() + static_cast<std::ptrdiff_t>(size));
}

Bytes Text(std::size_t size) {
  static constexpr std::string_view kLine = "Vigil: video only the household can see. ";
  Bytes out;
  while (out.size() < size)
    out.push_back(static_cast<std::uint8_t>(kLine[out.size() % kLine.size()]));
  return out;
}

std::string_view PartName(ClipPart part) {
  switch (part) {
    case ClipPart::kVideo: return "video";
    case ClipPart::kThumbnail: return "thumbnail";
    case ClipPart::kMetadata: return "metadata";
  }
  return "";
}

struct StreamCase {
  std::string name;
  ClipPart part;
  std::string associated_data;
  std::uint32_t segment_bytes;
  std::size_t plaintext_size;
};

Result<Bytes> EncryptCase(const ClipKey& key, const StreamCase& c, const Bytes& salt,
                          const Bytes& prefix, const Bytes& plaintext) {
  Bytes out;
  VIGIL_TRY(enc, internal::CreateStreamEncryptorForVectors(
                     key, c.part, AsBytes(c.associated_data),
                     [&out](ByteSpan b) {
                       Append(out, b);
                       return OkStatus();
                     },
                     c.segment_bytes, salt, prefix));
  auto w = enc->Write(plaintext);
  if (!w) return Fail(w.error());
  auto f = enc->Finish();
  if (!f) return Fail(f.error());
  return out;
}

ordered_json Negative(std::string name, ClipPart part, std::string_view ad, const Bytes& ct) {
  ordered_json n;
  n["name"] = std::move(name);
  n["part"] = PartName(part);
  n["associated_data"] = HexEncode(AsBytes(ad));
  n["ciphertext"] = HexEncode(ct);
  return n;
}

}  // namespace

Result<ordered_json> MakeStreamingAeadVectors() {
  const Bytes key_bytes = Fixed("vigil streaming-aead vector clip key", 32);
  VIGIL_TRY(key, ClipKey::FromSecret(SecretBytes(key_bytes, InsecureSecretAccess::Get())));
  const std::vector<StreamCase> cases = {
      {"empty video stream", ClipPart::kVideo, "", 256, 0},
      {"one byte", ClipPart::kVideo, "clip-1", 256, 1},
      {"exactly one segment size (full segment, then an empty last one)", ClipPart::kVideo,
       "clip-1", 256, 256},
      {"two and a half segments with associated data", ClipPart::kVideo,
       "clip-0001|camera-front-door", 256, 640},
      {"thumbnail part", ClipPart::kThumbnail, "clip-0001|camera-front-door", 256, 300},
      {"metadata part, 1 KiB segments", ClipPart::kMetadata, "clip-0001|camera-front-door", 1024,
       2500},
  };
  ordered_json out;
  out["format"] = "docs/formats/streaming-aead.md";
  out["clip_key"] = HexEncode(key_bytes);
  ordered_json positives = ordered_json::array();
  Bytes reference;  // the 2.5-segment ciphertext, source of most negatives
  Bytes other_stream;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const StreamCase& c = cases[i];
    const Bytes salt = Fixed("salt " + c.name, internal::kStreamSaltBytes);
    const Bytes prefix = Fixed("prefix " + c.name, internal::kStreamNoncePrefixBytes);
    const Bytes plaintext = Text(c.plaintext_size);
    VIGIL_TRY(ct, EncryptCase(key, c, salt, prefix, plaintext));
    VIGIL_TRY(subkey, crypto::DeriveKey(key.secret(), salt, internal::KeyPurposeForPart(c.part),
                                        AsBytes(c.associated_data), 32));
    ordered_json v;
    v["name"] = c.name;
    v["part"] = PartName(c.part);
    v["associated_data"] = HexEncode(AsBytes(c.associated_data));
    v["segment_bytes"] = c.segment_bytes;
    v["salt"] = HexEncode(salt);
    v["nonce_prefix"] = HexEncode(prefix);
    v["subkey"] = HexEncode(subkey.Reveal(InsecureSecretAccess::Get()));
    v["plaintext"] = HexEncode(plaintext);
    v["ciphertext"] = HexEncode(ct);
    positives.push_back(std::move(v));
    if (i == 3) {
      reference = ct;
      // The same inputs under another salt and prefix: a second stream.
      VIGIL_TRY(ct2, EncryptCase(key, c, Fixed("salt 2", 32), Fixed("prefix 2", 7), plaintext));
      other_stream = std::move(ct2);
    }
  }
  out["vectors"] = std::move(positives);

  const std::string ad = "clip-0001|camera-front-door";
  const std::size_t header = kStreamHeaderBytes;
  const std::size_t full = 256 + kStreamTagBytes;
  auto flipped = [&](std::size_t offset) {
    Bytes b = reference;
    b[offset] ^= 0x01;
    return b;
  };
  ordered_json negatives = ordered_json::array();
  negatives.push_back(Negative("flipped bit in magic", ClipPart::kVideo, ad, flipped(0)));
  negatives.push_back(Negative("flipped bit in segment size", ClipPart::kVideo, ad, flipped(9)));
  negatives.push_back(Negative("flipped bit in salt", ClipPart::kVideo, ad, flipped(20)));
  negatives.push_back(Negative("flipped bit in nonce prefix", ClipPart::kVideo, ad, flipped(45)));
  negatives.push_back(
      Negative("flipped bit in segment 0 body", ClipPart::kVideo, ad, flipped(header + 3)));
  negatives.push_back(
      Negative("flipped bit in the last tag", ClipPart::kVideo, ad, flipped(reference.size() - 1)));
  negatives.push_back(
      Negative("truncated at a segment boundary (last segment dropped)", ClipPart::kVideo, ad,
               Bytes(reference.begin(),
                     reference.begin() + static_cast<std::ptrdiff_t>(header + 2 * full))));
  negatives.push_back(Negative("truncated inside the last segment", ClipPart::kVideo, ad,
                               Bytes(reference.begin(), reference.end() - 1)));
  negatives.push_back(
      Negative("header only", ClipPart::kVideo, ad,
               Bytes(reference.begin(), reference.begin() + static_cast<std::ptrdiff_t>(header))));
  negatives.push_back(Negative("empty input", ClipPart::kVideo, ad, Bytes{}));
  Bytes extended = reference;
  extended.push_back(0x00);
  negatives.push_back(Negative("one byte appended", ClipPart::kVideo, ad, extended));
  Bytes swapped = reference;
  std::swap_ranges(swapped.begin() + static_cast<std::ptrdiff_t>(header),
                   swapped.begin() + static_cast<std::ptrdiff_t>(header + full),
                   swapped.begin() + static_cast<std::ptrdiff_t>(header + full));
  negatives.push_back(Negative("segments 0 and 1 swapped", ClipPart::kVideo, ad, swapped));
  Bytes mixed = reference;
  std::copy_n(other_stream.begin() + static_cast<std::ptrdiff_t>(header), full,
              mixed.begin() + static_cast<std::ptrdiff_t>(header + full));
  negatives.push_back(
      Negative("segment 1 taken from another stream of the same key", ClipPart::kVideo, ad, mixed));
  negatives.push_back(Negative("wrong associated data", ClipPart::kVideo,
                               "clip-0002|camera-front-door", reference));
  negatives.push_back(Negative("decoded as the wrong part", ClipPart::kThumbnail, ad, reference));
  Bytes relabelled = reference;
  relabelled[5] = static_cast<std::uint8_t>(ClipPart::kThumbnail);
  negatives.push_back(Negative("part byte rewritten to thumbnail, decoded as thumbnail",
                               ClipPart::kThumbnail, ad, relabelled));
  // A non-canonical stream: one full segment flagged last. It authenticates,
  // but the last segment must hold fewer than S bytes, so decoders reject it
  // by its length alone.
  {
    const Bytes salt = Fixed("salt full last", internal::kStreamSaltBytes);
    const Bytes prefix = Fixed("prefix full last", internal::kStreamNoncePrefixBytes);
    Bytes hdr = {0x56, 0x47, 0x53, 0x41, 0x01, 0x01};
    AppendU32(hdr, 256);
    Append(hdr, salt);
    Append(hdr, prefix);
    VIGIL_TRY(subkey, crypto::DeriveKey(key.secret(), salt, crypto::KeyPurpose::kClipVideo,
                                        AsBytes(ad), 32));
    VIGIL_TRY(cipher, internal::AeadCipher::Create(internal::AeadAlgorithm::kAes256Gcm, subkey,
                                                   internal::AeadCipher::Direction::kSeal));
    Bytes nonce = prefix;
    AppendU32(nonce, 0);
    nonce.push_back(0x01);
    const Bytes plaintext = Text(256);
    Bytes stream = hdr;
    stream.resize(hdr.size() + 256 + kStreamTagBytes);
    auto sealed =
        cipher.Seal(nonce, hdr, plaintext, std::span<std::uint8_t>(stream).subspan(hdr.size()));
    if (!sealed) return Fail(sealed.error());
    negatives.push_back(Negative("full-size segment flagged last (non-canonical length)",
                                 ClipPart::kVideo, ad, stream));
  }
  out["negative"] = std::move(negatives);
  return out;
}

Result<ordered_json> MakeEnvelopeVectors() {
  VIGIL_TRY(household,
            HouseholdPrivateKey::FromSecret(SecretBytes(
                Fixed("vigil envelope vector household key", 32), InsecureSecretAccess::Get())));
  const Bytes clip_key_bytes = Fixed("vigil envelope vector clip key", 32);
  VIGIL_TRY(clip_key,
            ClipKey::FromSecret(SecretBytes(clip_key_bytes, InsecureSecretAccess::Get())));
  struct Case {
    std::string name;
    ClipBinding binding;
  };
  const std::vector<Case> cases = {
      {"front door, epoch 1", {"clip-0001", "camera-front-door", 1}},
      {"long ids, large epoch",
       {std::string(255, 'c'), "camera-\xc3\xa9t\xc3\xa9", 0x0102030405060708ULL}},
  };
  ordered_json out;
  out["format"] = "docs/formats/hpke-envelope.md";
  out["recipient_private_key"] = HexEncode(household.secret().Reveal(InsecureSecretAccess::Get()));
  out["recipient_public_key"] = HexEncode(household.public_key().bytes());
  out["clip_key"] = HexEncode(clip_key_bytes);
  ordered_json positives = ordered_json::array();
  Bytes reference;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const SecretBytes ephemeral(Fixed("ephemeral " + c.name, 32), InsecureSecretAccess::Get());
    VIGIL_TRY(envelope, internal::SealClipKeyForVectors(clip_key, household.public_key(), c.binding,
                                                        &ephemeral));
    Bytes info(crypto::Label(crypto::EnvelopePurpose::kClipKey).begin(),
               crypto::Label(crypto::EnvelopePurpose::kClipKey).end());
    for (const std::string* id : {&c.binding.clip_id, &c.binding.camera_id}) {
      AppendU16(info, static_cast<std::uint16_t>(id->size()));
      Append(info, AsBytes(*id));
    }
    AppendU16(info, 8);
    AppendU64(info, c.binding.household_epoch);
    AppendU16(info, 32);
    Append(info, household.public_key().KeyId());
    ordered_json v;
    v["name"] = c.name;
    v["clip_id"] = HexEncode(AsBytes(c.binding.clip_id));
    v["camera_id"] = HexEncode(AsBytes(c.binding.camera_id));
    v["household_epoch"] = std::to_string(c.binding.household_epoch);
    v["ephemeral_private_key"] = HexEncode(ephemeral.Reveal(InsecureSecretAccess::Get()));
    v["info"] = HexEncode(info);
    v["envelope"] = HexEncode(envelope);
    positives.push_back(std::move(v));
    if (i == 0) reference = envelope;
  }
  out["vectors"] = std::move(positives);

  auto negative = [](std::string name, const Bytes& envelope, const ClipBinding& b) {
    ordered_json n;
    n["name"] = std::move(name);
    n["clip_id"] = HexEncode(AsBytes(b.clip_id));
    n["camera_id"] = HexEncode(AsBytes(b.camera_id));
    n["household_epoch"] = std::to_string(b.household_epoch);
    n["envelope"] = HexEncode(envelope);
    return n;
  };
  const ClipBinding binding = cases[0].binding;
  auto flipped = [&](std::size_t offset) {
    Bytes b = reference;
    b[offset] ^= 0x01;
    return b;
  };
  ordered_json negatives = ordered_json::array();
  negatives.push_back(negative("other clip id", reference, {"clip-0002", "camera-front-door", 1}));
  negatives.push_back(negative("other camera id", reference, {"clip-0001", "camera-back-door", 1}));
  negatives.push_back(negative("other epoch", reference, {"clip-0001", "camera-front-door", 2}));
  negatives.push_back(
      negative("ids split differently", reference, {"clip-0001camera", "-front-door", 1}));
  negatives.push_back(negative("flipped bit in aead id", flipped(11), binding));
  negatives.push_back(negative("flipped bit in recipient key id", flipped(20), binding));
  negatives.push_back(negative("flipped bit in enc", flipped(50), binding));
  negatives.push_back(negative("flipped bit in ciphertext", flipped(80), binding));
  negatives.push_back(negative("flipped bit in tag", flipped(123), binding));
  negatives.push_back(
      negative("truncated", Bytes(reference.begin(), reference.end() - 1), binding));
  Bytes longer = reference;
  longer.push_back(0);
  negatives.push_back(negative("one byte appended", longer, binding));
  // A correct envelope to another household's key must not open with ours.
  VIGIL_TRY(stranger, HouseholdPrivateKey::FromSecret(SecretBytes(Fixed("another household", 32),
                                                                  InsecureSecretAccess::Get())));
  const SecretBytes ephemeral(Fixed("ephemeral for stranger", 32), InsecureSecretAccess::Get());
  VIGIL_TRY(to_stranger,
            internal::SealClipKeyForVectors(clip_key, stranger.public_key(), binding, &ephemeral));
  negatives.push_back(negative("sealed to another recipient", to_stranger, binding));
  out["negative"] = std::move(negatives);
  return out;
}

}  // namespace vigil::seal
