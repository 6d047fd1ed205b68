// SPDX-License-Identifier: Apache-2.0
#include "format_vectors.h"

#include <string>
#include <utility>
#include <vector>

#include "internal/aead_cipher.h"
#include "internal/clip_internal.h"
#include "internal/envelope.h"
#include "internal/hpke.h"
#include "internal/key_envelope_internal.h"
#include "internal/streaming_aead_internal.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/key_purpose.h"
#include "vigil/crypto/signing.h"
#include "vigil/seal/account_keys.h"
#include "vigil/seal/alert.h"
#include "vigil/seal/camera_name.h"
#include "vigil/seal/clip_container.h"
#include "vigil/seal/clip_manifest.h"
#include "vigil/seal/clip_metadata.h"
#include "vigil/seal/household_envelope.h"
#include "vigil/seal/key_chain.h"
#include "vigil/seal/key_envelope.h"
#include "vigil/seal/keyring.h"
#include "vigil/seal/pairing.h"
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

std::string RevealHex(const SecretBytes& s) {
  return HexEncode(s.Reveal(InsecureSecretAccess::Get()));
}

SecretBytes FixedSecret(std::string_view name, std::size_t size) {
  return SecretBytes(Fixed(name, size), InsecureSecretAccess::Get());
}

const char* KindName(KeyEncryptionKey::Kind kind) {
  return kind == KeyEncryptionKey::Kind::kAccount ? "account" : "recovery";
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

Result<ordered_json> MakeHouseholdEnvelopeVectors() {
  VIGIL_TRY(device, DevicePrivateKey::FromSecret(FixedSecret("vigil household vector device", 32)));
  VIGIL_TRY(household,
            HouseholdPrivateKey::FromSecret(FixedSecret("vigil household vector household", 32)));
  const std::vector<std::pair<std::string, HouseholdKeyBinding>> cases = {
      {"home, epoch 1, laptop", {"household-0001", 1, "device-laptop"}},
      {"long ids, large epoch",
       {std::string(255, 'h'), 0x0102030405060708ULL, "device-t\xc3\xa9l\xc3\xa9phone"}},
  };
  ordered_json out;
  out["format"] = "docs/formats/hpke-envelope.md";
  out["recipient_private_key"] = RevealHex(device.secret());
  out["recipient_public_key"] = HexEncode(device.public_key().bytes());
  out["household_private_key"] = RevealHex(household.secret());
  out["household_public_key"] = HexEncode(household.public_key().bytes());
  auto fields = [](const HouseholdKeyBinding& b) {
    ordered_json v;
    v["household_id"] = HexEncode(AsBytes(b.household_id));
    v["household_epoch"] = std::to_string(b.epoch);
    v["device_id"] = HexEncode(AsBytes(b.device_id));
    return v;
  };
  ordered_json positives = ordered_json::array();
  Bytes reference;
  for (const auto& [name, binding] : cases) {
    const SecretBytes ephemeral = FixedSecret("household ephemeral " + name, 32);
    VIGIL_TRY(envelope, internal::SealHouseholdKeyForVectors(household, device.public_key(),
                                                             binding, &ephemeral));
    VIGIL_TRY(info, internal::HouseholdEnvelopeInfo(binding, device.public_key().KeyId()));
    ordered_json v;
    v["name"] = name;
    v.update(fields(binding));
    v["ephemeral_private_key"] = RevealHex(ephemeral);
    v["info"] = HexEncode(info);
    v["envelope"] = HexEncode(envelope);
    positives.push_back(std::move(v));
    if (reference.empty()) reference = envelope;
  }
  out["vectors"] = std::move(positives);
  const HouseholdKeyBinding binding = cases[0].second;
  auto negative = [&](std::string name, const Bytes& envelope, const HouseholdKeyBinding& b) {
    ordered_json n;
    n["name"] = std::move(name);
    n.update(fields(b));
    n["envelope"] = HexEncode(envelope);
    return n;
  };
  auto flipped = [&](std::size_t offset) {
    Bytes b = reference;
    b[offset] ^= 0x01;
    return b;
  };
  ordered_json negatives = ordered_json::array();
  negatives.push_back(
      negative("other household id", reference, {"household-0002", 1, "device-laptop"}));
  negatives.push_back(negative("other epoch", reference, {"household-0001", 2, "device-laptop"}));
  negatives.push_back(
      negative("other device id", reference, {"household-0001", 1, "device-phone"}));
  negatives.push_back(
      negative("flipped bit in purpose (reads as a clip-key envelope)", flipped(5), binding));
  negatives.push_back(negative("flipped bit in recipient key id", flipped(20), binding));
  negatives.push_back(negative("flipped bit in enc", flipped(50), binding));
  negatives.push_back(negative("flipped bit in ciphertext", flipped(80), binding));
  negatives.push_back(negative("flipped bit in tag", flipped(123), binding));
  negatives.push_back(
      negative("truncated", Bytes(reference.begin(), reference.end() - 1), binding));
  Bytes longer = reference;
  longer.push_back(0);
  negatives.push_back(negative("one byte appended", longer, binding));
  // A clip-key envelope with purpose byte 0x02 to the same key: the label in
  // info differs, so it does not open.
  {
    VIGIL_TRY(clip_key, ClipKey::FromSecret(household.secret().Clone()));
    VIGIL_TRY(as_household, HouseholdPublicKey::FromBytes(device.public_key().bytes()));
    const SecretBytes ephemeral = FixedSecret("household ephemeral clip-key", 32);
    VIGIL_TRY(clip_env,
              internal::SealClipKeyForVectors(clip_key, as_household,
                                              {"household-0001", "device-laptop", 1}, &ephemeral));
    clip_env[5] = internal::kEnvelopePurposeHouseholdKey;
    negatives.push_back(negative("clip-key envelope relabelled as purpose 2", clip_env, binding));
  }
  VIGIL_TRY(stranger, DevicePrivateKey::FromSecret(FixedSecret("another device", 32)));
  const SecretBytes ephemeral = FixedSecret("household ephemeral stranger", 32);
  VIGIL_TRY(to_stranger, internal::SealHouseholdKeyForVectors(household, stranger.public_key(),
                                                              binding, &ephemeral));
  negatives.push_back(negative("sealed to another device", to_stranger, binding));
  out["negative"] = std::move(negatives);
  return out;
}

Result<ordered_json> MakeKeyringVectors() {
  const std::string email = "alice@example.org";
  const Bytes salt = Fixed("vigil keyring vector account salt", kAccountSaltBytes);
  const crypto::Argon2idCost cost = crypto::kMinimumArgon2idCost;
  const std::string password = "correct horse battery staple";
  VIGIL_TRY(ask, AccountSecretKey::FromSecret(FixedSecret("vigil keyring vector ASK", 16)));
  VIGIL_TRY(recovery, RecoveryCode::FromSecret(FixedSecret("vigil keyring vector recovery", 20)));
  VIGIL_TRY(pw_key, crypto::Argon2id(SecretBytes(AsBytes(password), InsecureSecretAccess::Get()),
                                     salt, cost, 32));
  VIGIL_TRY(keys, internal::DeriveAccountKeysFromPasswordKey(pw_key, ask, salt, email));
  const Bytes recovery_salt = Fixed("vigil keyring vector recovery salt", kAccountSaltBytes);
  VIGIL_TRY(recovery_keys, DeriveRecoveryKeys(recovery, recovery_salt, email));
  const KeyEncryptionKey& recovery_kek = recovery_keys.kek;

  ordered_json out;
  out["format"] = "docs/formats/keyring.md";
  ordered_json account;
  account["email"] = HexEncode(AsBytes(email));
  account["account_salt"] = HexEncode(salt);
  account["argon2id_time_cost"] = cost.time_cost;
  account["argon2id_memory_kib"] = cost.memory_kib;
  account["password"] = HexEncode(AsBytes(password));
  account["account_secret_key"] = RevealHex(ask.secret());
  account["account_secret_key_text"] = ask.Encode(InsecureSecretAccess::Get());
  account["pw_key"] = RevealHex(pw_key);
  account["auth_key"] = HexEncode(keys.auth_key.ProofBytes());
  account["kek"] = RevealHex(keys.kek.secret());
  account["recovery_code"] = RevealHex(recovery.secret());
  account["recovery_code_text"] = recovery.Encode(InsecureSecretAccess::Get());
  account["recovery_salt"] = HexEncode(recovery_salt);
  account["recovery_kek"] = RevealHex(recovery_kek.secret());
  account["recovery_auth_key"] = HexEncode(recovery_keys.auth_key.ProofBytes());
  out["account"] = std::move(account);

  // Human forms that must be refused: one substitution, one transposition,
  // a missing group, the other prefix.
  const std::string ask_text = ask.Encode(InsecureSecretAccess::Get());
  const std::string rec_text = recovery.Encode(InsecureSecretAccess::Get());
  ordered_json bad_texts = ordered_json::array();
  std::string t = ask_text;
  t[4] = t[4] == 'A' ? 'B' : 'A';
  bad_texts.push_back(t);
  t = ask_text;
  std::swap(t[8], t[9]);
  if (t != ask_text) bad_texts.push_back(t);
  bad_texts.push_back(ask_text.substr(0, ask_text.size() - 5));
  bad_texts.push_back("R1" + ask_text.substr(2));
  t = rec_text;
  t[10] = t[10] == 'A' ? 'B' : 'A';
  bad_texts.push_back(t);
  bad_texts.push_back("A1" + rec_text.substr(2));
  out["invalid_texts"] = std::move(bad_texts);

  VIGIL_TRY(signing, crypto::SigningKey::FromSeed(FixedSecret("vigil keyring vector signing", 32)));
  Keyring keyring(std::move(signing));
  struct Entry {
    std::string id;
    std::uint64_t epoch;
  };
  const std::vector<Entry> entries = {
      {"household-0001", 2}, {"household-0001", 1}, {"cabin", 0x0102030405060708ULL}};
  ordered_json kr;
  kr["account_signing_seed"] = RevealHex(keyring.account_signing_key().seed());
  kr["account_signing_public_key"] = HexEncode(keyring.account_signing_key().verify_key().bytes());
  for (const Entry& e : entries) {
    VIGIL_TRY(key, HouseholdPrivateKey::FromSecret(
                       FixedSecret("vigil keyring vector " + e.id + std::to_string(e.epoch), 32)));
    auto added = keyring.AddHouseholdKey(e.id, e.epoch, std::move(key));
    if (!added) return Fail(added.error());
  }
  ordered_json households = ordered_json::array();
  for (const auto& e : keyring.household_keys()) {
    ordered_json h;
    h["household_id"] = HexEncode(AsBytes(e.household_id));
    h["household_epoch"] = std::to_string(e.epoch);
    h["private_key"] = RevealHex(e.key.secret());
    h["public_key"] = HexEncode(e.key.public_key().bytes());
    households.push_back(std::move(h));
  }
  kr["households"] = std::move(households);
  kr["serialized"] = RevealHex(keyring.Serialize());
  out["keyring"] = std::move(kr);

  const std::string account_id = "acct-0001";
  ordered_json wraps = ordered_json::array();
  Bytes reference;
  for (const KeyEncryptionKey* kek :
       {static_cast<const KeyEncryptionKey*>(&keys.kek), &recovery_kek}) {
    const std::string kind = KindName(kek->kind());
    const Bytes wsalt = Fixed("keyring wrap salt " + kind, internal::kKeyringWrapSaltBytes);
    const Bytes nonce = Fixed("keyring wrap nonce " + kind, internal::kKeyringWrapNonceBytes);
    VIGIL_TRY(wrapped, internal::WrapKeyringForVectors(keyring, *kek, account_id, wsalt, nonce));
    VIGIL_TRY(subkey, internal::KeyringWrapSubkey(*kek, wsalt, account_id));
    ordered_json w;
    w["name"] = "keyring under the " + kind + " KEK";
    w["kind"] = kind;
    w["kek"] = RevealHex(kek->secret());
    w["account_id"] = HexEncode(AsBytes(account_id));
    w["salt"] = HexEncode(wsalt);
    w["nonce"] = HexEncode(nonce);
    w["subkey"] = RevealHex(subkey);
    w["wrapped"] = HexEncode(wrapped);
    wraps.push_back(std::move(w));
    if (reference.empty()) reference = wrapped;
  }
  out["vectors"] = std::move(wraps);

  auto negative = [&](std::string name, const KeyEncryptionKey& kek, std::string_view id,
                      const Bytes& wrapped) {
    ordered_json n;
    n["name"] = std::move(name);
    n["kind"] = KindName(kek.kind());
    n["kek"] = RevealHex(kek.secret());
    n["account_id"] = HexEncode(AsBytes(id));
    n["wrapped"] = HexEncode(wrapped);
    return n;
  };
  auto flipped = [&](std::size_t offset) {
    Bytes b = reference;
    b[offset] ^= 0x01;
    return b;
  };
  ordered_json negatives = ordered_json::array();
  negatives.push_back(negative("other account id", keys.kek, "acct-0002", reference));
  negatives.push_back(
      negative("recovery KEK on the account copy", recovery_kek, account_id, reference));
  VIGIL_TRY(same_bytes, internal::KeyEncryptionKeyForTests(keys.kek.secret().Clone(),
                                                           KeyEncryptionKey::Kind::kRecovery));
  Bytes relabelled = reference;
  relabelled[5] = 0x02;
  negatives.push_back(negative("kind byte rewritten, same key bytes as recovery", same_bytes,
                               account_id, relabelled));
  // A KEK from the wrong password (the pw_key of a different password).
  VIGIL_TRY(wrong_pw, crypto::Argon2id(SecretBytes(AsBytes("correct horse battery stapler"),
                                                   InsecureSecretAccess::Get()),
                                       salt, cost, 32));
  VIGIL_TRY(wrong_keys, internal::DeriveAccountKeysFromPasswordKey(wrong_pw, ask, salt, email));
  negatives.push_back(negative("KEK of a wrong password", wrong_keys.kek, account_id, reference));
  VIGIL_TRY(other_ask, AccountSecretKey::FromSecret(FixedSecret("another ASK", 16)));
  VIGIL_TRY(other_ask_keys,
            internal::DeriveAccountKeysFromPasswordKey(pw_key, other_ask, salt, email));
  negatives.push_back(negative("KEK of the right password with another ASK", other_ask_keys.kek,
                               account_id, reference));
  negatives.push_back(negative("flipped bit in magic", keys.kek, account_id, flipped(0)));
  negatives.push_back(negative("flipped bit in version", keys.kek, account_id, flipped(4)));
  negatives.push_back(negative("flipped bit in salt", keys.kek, account_id, flipped(6)));
  negatives.push_back(negative("flipped bit in nonce", keys.kek, account_id, flipped(40)));
  negatives.push_back(negative("flipped bit in ciphertext", keys.kek, account_id, flipped(60)));
  negatives.push_back(
      negative("flipped bit in tag", keys.kek, account_id, flipped(reference.size() - 1)));
  negatives.push_back(
      negative("truncated", keys.kek, account_id, Bytes(reference.begin(), reference.end() - 1)));
  Bytes longer = reference;
  longer.push_back(0);
  negatives.push_back(negative("one byte appended", keys.kek, account_id, longer));
  out["negative"] = std::move(negatives);
  return out;
}

Result<ordered_json> MakePairingVectors() {
  VIGIL_TRY(secret, PairingSecret::FromSecret(FixedSecret("vigil pairing vector secret", 16)));
  VIGIL_TRY(camera, crypto::SigningKey::FromSeed(FixedSecret("vigil pairing vector camera", 32)));
  VIGIL_TRY(owner, crypto::SigningKey::FromSeed(FixedSecret("vigil pairing vector owner", 32)));
  VIGIL_TRY(household,
            HouseholdPrivateKey::FromSecret(FixedSecret("vigil pairing vector household", 32)));
  const std::uint64_t epoch = 1;
  const crypto::VerifyKey& camera_key = camera.verify_key();
  const std::string code = EncodePairingCode(secret, camera_key, InsecureSecretAccess::Get());
  const CameraOffer offer = MakeCameraOffer(secret, camera_key);
  const PairingClaim claim =
      MakePairingClaim(secret, owner, household.public_key(), epoch, camera_key);

  ordered_json out;
  out["format"] = "docs/formats/pairing-code.md";
  out["secret"] = RevealHex(secret.secret());
  out["camera_signing_seed"] = RevealHex(camera.seed());
  out["camera_public_key"] = HexEncode(camera_key.bytes());
  out["camera_fingerprint"] = HexEncode(CameraKeyFingerprint(camera_key));
  out["code"] = code;
  out["pairing_id"] = HexEncode(offer.pairing_id);
  out["mac_key"] = RevealHex(internal::PairingMacKey(secret));
  out["offer_mac_input"] = HexEncode(internal::CameraOfferMacInput(camera_key));
  out["offer_mac"] = HexEncode(offer.mac);
  out["owner_signing_seed"] = RevealHex(owner.seed());
  out["owner_public_key"] = HexEncode(owner.verify_key().bytes());
  out["household_public_key"] = HexEncode(household.public_key().bytes());
  out["household_epoch"] = std::to_string(epoch);
  out["claim_mac_input"] = HexEncode(
      internal::OwnerClaimMacInput(owner.verify_key(), household.public_key(), epoch, camera_key));
  out["claim_mac"] = HexEncode(claim.mac);
  out["claim_signed_message"] = HexEncode(internal::PairingClaimSignedMessage(
      offer.pairing_id, owner.verify_key(), household.public_key(), epoch, camera_key));
  out["claim_signature"] = HexEncode(claim.owner_signature);

  ordered_json bad_codes = ordered_json::array();
  bad_codes.push_back(code.substr(0, code.size() - 1));
  bad_codes.push_back(code + "A");
  bad_codes.push_back("VGL2-" + code.substr(5));
  bad_codes.push_back(code.substr(0, 5) + " " + code.substr(5, code.size() - 6));
  std::string bad = code;
  bad[20] = '1';
  bad_codes.push_back(bad);
  bad = code;
  bad.back() = bad.back() == 'B' ? 'C' : 'B';  // non-zero padding bits
  bad_codes.push_back(bad);
  out["invalid_codes"] = std::move(bad_codes);

  // Offers the owner must refuse for `code`.
  VIGIL_TRY(mallory, crypto::SigningKey::FromSeed(FixedSecret("vigil pairing vector mallory", 32)));
  auto offer_json = [](std::string name, const CameraOffer& o) {
    ordered_json n;
    n["name"] = std::move(name);
    n["pairing_id"] = HexEncode(o.pairing_id);
    n["camera_public_key"] = HexEncode(o.camera_key.bytes());
    n["mac"] = HexEncode(o.mac);
    return n;
  };
  ordered_json bad_offers = ordered_json::array();
  CameraOffer swapped = offer;
  swapped.camera_key = mallory.verify_key();
  bad_offers.push_back(offer_json("camera key swapped, MAC kept", swapped));
  bad_offers.push_back(offer_json("camera key swapped with a valid MAC (fingerprint mismatch)",
                                  MakeCameraOffer(secret, mallory.verify_key())));
  CameraOffer flipped_mac = offer;
  flipped_mac.mac[0] ^= 1;
  bad_offers.push_back(offer_json("flipped bit in MAC", flipped_mac));
  CameraOffer other_id = offer;
  other_id.pairing_id[0] ^= 1;
  bad_offers.push_back(offer_json("other pairing id", other_id));
  out["negative_offers"] = std::move(bad_offers);

  // Claims the camera must refuse.
  auto claim_json = [](std::string name, const PairingClaim& c) {
    ordered_json n;
    n["name"] = std::move(name);
    n["owner_public_key"] = HexEncode(c.owner_key.bytes());
    n["household_public_key"] = HexEncode(c.household_key.bytes());
    n["household_epoch"] = std::to_string(c.household_epoch);
    n["owner_signature"] = HexEncode(c.owner_signature);
    n["mac"] = HexEncode(c.mac);
    return n;
  };
  ordered_json bad_claims = ordered_json::array();
  PairingClaim c = claim;
  c.owner_key = mallory.verify_key();
  bad_claims.push_back(claim_json("owner key swapped", c));
  VIGIL_TRY(other_household, HouseholdPrivateKey::FromSecret(
                                 FixedSecret("vigil pairing vector other household", 32)));
  c = claim;
  c.household_key = other_household.public_key();
  bad_claims.push_back(claim_json("household key swapped", c));
  c = claim;
  c.household_epoch = 2;
  bad_claims.push_back(claim_json("other epoch", c));
  c = claim;
  c.mac[31] ^= 0x80;
  bad_claims.push_back(claim_json("flipped bit in MAC", c));
  c = claim;
  c.owner_signature[0] ^= 1;
  bad_claims.push_back(claim_json("flipped bit in signature", c));
  VIGIL_TRY(other_secret, PairingSecret::FromSecret(FixedSecret("another pairing secret", 16)));
  bad_claims.push_back(claim_json(
      "complete claim by a server-chosen owner without the secret",
      MakePairingClaim(other_secret, mallory, household.public_key(), epoch, camera_key)));
  bad_claims.push_back(claim_json(
      "claim made for another camera key",
      MakePairingClaim(secret, owner, household.public_key(), epoch, mallory.verify_key())));
  out["negative_claims"] = std::move(bad_claims);
  return out;
}

Result<ordered_json> MakeKeyChainVectors() {
  const std::string account_id = "acct-0001";
  VIGIL_TRY(account,
            crypto::SigningKey::FromSeed(FixedSecret("vigil key chain vector account", 32)));
  VIGIL_TRY(intruder,
            crypto::SigningKey::FromSeed(FixedSecret("vigil key chain vector intruder", 32)));
  auto device = [](const std::string& id) -> Result<KeyChainDevice> {
    VIGIL_TRY(box, DevicePrivateKey::FromSecret(FixedSecret("key chain box " + id, 32)));
    VIGIL_TRY(sign, crypto::SigningKey::FromSeed(FixedSecret("key chain sign " + id, 32)));
    return KeyChainDevice{id, box.public_key(), sign.verify_key()};
  };
  VIGIL_TRY(laptop, device("dev-laptop"));
  VIGIL_TRY(phone, device("dev-phone"));
  VIGIL_TRY(tablet, device("dev-tablet"));
  VIGIL_TRY(intruder_device, device("dev-intruder"));

  std::vector<SignedKeyChainVersion> chain;
  VIGIL_TRY(v1, SignKeyChainVersion({account_id, 1, {}, account.verify_key(), {laptop}}, account));
  chain.push_back(v1);
  for (const KeyChainDevice* d : {&phone, &tablet}) {
    VIGIL_TRY(verified, VerifyKeyChain(account_id, chain, {}));
    VIGIL_TRY(next, SignKeyChainVersion(NextKeyChainPayload(verified, *d), account));
    chain.push_back(std::move(next));
  }
  ordered_json out;
  out["format"] = "docs/formats/key-chain.md";
  out["account_id"] = account_id;
  out["account_signing_seed"] = RevealHex(account.seed());
  out["account_public_key"] = HexEncode(account.verify_key().bytes());
  ordered_json versions = ordered_json::array();
  for (const SignedKeyChainVersion& v : chain) {
    VIGIL_TRY(payload, DecodeKeyChainPayload(v.payload));
    ordered_json j;
    j["version"] = payload.version;
    j["previous_hash"] = HexEncode(payload.previous_hash);
    j["account_public_key"] = HexEncode(payload.account_key.bytes());
    ordered_json devices = ordered_json::array();
    for (const KeyChainDevice& d : payload.devices) {
      devices.push_back({{"device_id", d.device_id},
                         {"box_public_key", HexEncode(d.box_key.bytes())},
                         {"sign_public_key", HexEncode(d.sign_key.bytes())}});
    }
    j["devices"] = std::move(devices);
    j["payload"] = HexEncode(v.payload);
    j["signature"] = HexEncode(v.signature);
    j["hash"] = HexEncode(KeyChainVersionHash(v));
    versions.push_back(std::move(j));
  }
  out["versions"] = std::move(versions);

  // Each negative is a whole chain (oldest first) and a pin; verifying it must fail.
  auto as_json = [](const std::vector<SignedKeyChainVersion>& c) {
    ordered_json list = ordered_json::array();
    for (const SignedKeyChainVersion& v : c) {
      list.push_back({{"payload", HexEncode(v.payload)}, {"signature", HexEncode(v.signature)}});
    }
    return list;
  };
  ordered_json negatives = ordered_json::array();
  auto negative = [&](std::string name, const std::vector<SignedKeyChainVersion>& c,
                      std::uint64_t pin_version, const crypto::Sha256Digest& pin_hash) {
    ordered_json n;
    n["name"] = std::move(name);
    n["pin_version"] = pin_version;
    n["pin_hash"] = HexEncode(pin_hash);
    n["chain"] = as_json(c);
    negatives.push_back(std::move(n));
  };
  const crypto::Sha256Digest zeros{};
  {
    auto c = chain;
    c[1].payload[c[1].payload.size() - 1] ^= 0x01;
    negative("flipped bit in version 2's payload", c, 0, zeros);
  }
  {
    auto c = chain;
    c[0].signature[0] ^= 0x01;
    negative("flipped bit in version 1's signature", c, 0, zeros);
  }
  negative("gap: version 2 missing", {chain[0], chain[2]}, 0, zeros);
  negative("reordered: 1, 3, 2", {chain[0], chain[2], chain[1]}, 0, zeros);
  negative("no version 1", {chain[1], chain[2]}, 0, zeros);
  negative("empty chain", {}, 0, zeros);
  negative("rolled back below the pin", {chain[0], chain[1]}, 3, KeyChainVersionHash(chain[2]));
  {
    VIGIL_TRY(verified, VerifyKeyChain(account_id, std::span(chain).first(2), {}));
    VIGIL_TRY(forged,
              SignKeyChainVersion(NextKeyChainPayload(verified, intruder_device), intruder));
    negative("version 3 signed by another key", {chain[0], chain[1], forged}, 0, zeros);
    VIGIL_TRY(fork, SignKeyChainVersion(NextKeyChainPayload(verified, intruder_device), account));
    negative("fork: another validly signed version 3 than the pinned one",
             {chain[0], chain[1], fork}, 3, KeyChainVersionHash(chain[2]));
  }
  {
    VIGIL_TRY(other,
              SignKeyChainVersion({"acct-0002", 1, {}, account.verify_key(), {laptop}}, account));
    negative("version 1 of another account", {other}, 0, zeros);
  }
  {
    VIGIL_TRY(payload, DecodeKeyChainPayload(chain[1].payload));
    payload.previous_hash[0] ^= 0x01;
    VIGIL_TRY(relinked, SignKeyChainVersion(payload, account));
    negative("version 2 names a wrong previous hash", {chain[0], relinked, chain[2]}, 0, zeros);
  }
  {
    // Not canonical: devices out of order (re-signed, so only the decoder catches it).
    Bytes payload = chain[1].payload;
    const std::size_t record = 2 + std::string("dev-laptop").size() + 64;
    const std::size_t first = payload.size() - record - (2 + std::string("dev-phone").size() + 64);
    Bytes swapped(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(first));
    Bytes laptop_rec(payload.begin() + static_cast<std::ptrdiff_t>(first),
                     payload.begin() + static_cast<std::ptrdiff_t>(first + record));
    Bytes phone_rec(payload.begin() + static_cast<std::ptrdiff_t>(first + record), payload.end());
    Append(swapped, phone_rec);
    Append(swapped, laptop_rec);
    SignedKeyChainVersion unsorted{swapped,
                                   account.Sign(crypto::SignaturePurpose::kKeyChain, swapped)};
    negative("devices not sorted by id", {chain[0], unsorted}, 0, zeros);
  }
  out["negative"] = std::move(negatives);
  return out;
}

Result<ordered_json> MakeCameraNameVectors() {
  VIGIL_TRY(household,
            HouseholdPrivateKey::FromSecret(FixedSecret("vigil camera name vector household", 32)));
  struct Case {
    std::string label;
    std::string name;
    CameraNameBinding binding;
  };
  const std::vector<Case> cases = {
      {"short name", "Porch", {"hh-0001", "cam-0001"}},
      {"longest name, UTF-8", std::string(41, 'x') + "\xc3\xa9\xc3\xa9", {"hh-0001", "cam-0002"}},
  };
  ordered_json out;
  out["format"] = "docs/formats/hpke-envelope.md";
  out["recipient_private_key"] = RevealHex(household.secret());
  out["recipient_public_key"] = HexEncode(household.public_key().bytes());
  auto fields = [](const CameraNameBinding& b) {
    ordered_json v;
    v["household_id"] = HexEncode(AsBytes(b.household_id));
    v["camera_id"] = HexEncode(AsBytes(b.camera_id));
    return v;
  };
  ordered_json positives = ordered_json::array();
  Bytes reference;
  for (const Case& c : cases) {
    const SecretBytes ephemeral = FixedSecret("camera name ephemeral " + c.label, 32);
    VIGIL_TRY(sealed, internal::SealCameraNameForVectors(c.name, household.public_key(), c.binding,
                                                         &ephemeral));
    VIGIL_TRY(info, internal::CameraNameInfo(c.binding, household.public_key().KeyId()));
    ordered_json v;
    v["name"] = c.label;
    v.update(fields(c.binding));
    v["camera_name"] = HexEncode(AsBytes(c.name));
    v["ephemeral_private_key"] = RevealHex(ephemeral);
    v["info"] = HexEncode(info);
    v["sealed"] = HexEncode(sealed);
    positives.push_back(std::move(v));
    if (reference.empty()) reference = sealed;
  }
  out["vectors"] = std::move(positives);
  const CameraNameBinding binding = cases[0].binding;
  ordered_json negatives = ordered_json::array();
  auto negative = [&](std::string name, const Bytes& sealed, const CameraNameBinding& b) {
    ordered_json n;
    n["name"] = std::move(name);
    n.update(fields(b));
    n["sealed"] = HexEncode(sealed);
    negatives.push_back(std::move(n));
  };
  auto flipped = [&](std::size_t offset) {
    Bytes b = reference;
    b[offset] ^= 0x01;
    return b;
  };
  negative("other household id", reference, {"hh-0002", "cam-0001"});
  negative("other camera id", reference, {"hh-0001", "cam-0002"});
  negative("flipped bit in version", flipped(0), binding);
  negative("flipped bit in purpose", flipped(1), binding);
  negative("flipped bit in enc", flipped(10), binding);
  negative("flipped bit in ciphertext", flipped(40), binding);
  negative("flipped bit in tag", flipped(95), binding);
  negative("truncated", Bytes(reference.begin(), reference.end() - 1), binding);
  Bytes longer = reference;
  longer.push_back(0);
  negative("one byte appended", longer, binding);
  VIGIL_TRY(stranger, HouseholdPrivateKey::FromSecret(FixedSecret("another household", 32)));
  const SecretBytes ephemeral = FixedSecret("camera name ephemeral stranger", 32);
  VIGIL_TRY(to_stranger, internal::SealCameraNameForVectors("Porch", stranger.public_key(), binding,
                                                            &ephemeral));
  negative("sealed to another household key", to_stranger, binding);
  out["negative"] = std::move(negatives);
  return out;
}

Result<ordered_json> MakeClipVectors() {
  VIGIL_TRY(camera, crypto::SigningKey::FromSeed(FixedSecret("vigil clip vector camera", 32)));
  VIGIL_TRY(household,
            HouseholdPrivateKey::FromSecret(FixedSecret("vigil clip vector household", 32)));
  ordered_json out;
  out["format"] = "docs/formats/clip.md";
  out["camera_signing_seed"] = HexEncode(camera.seed().Reveal(InsecureSecretAccess::Get()));
  out["camera_public_key"] = HexEncode(camera.verify_key().bytes());
  out["household_private_key"] = HexEncode(household.secret().Reveal(InsecureSecretAccess::Get()));
  out["household_public_key"] = HexEncode(household.public_key().bytes());

  // A stand-in JPEG (SOI ... EOI) and the metadata document.
  Bytes thumbnail = {0xff, 0xd8, 0xff, 0xe0};
  Append(thumbnail, Text(40));
  Append(thumbnail, Bytes{0xff, 0xd9});
  const ClipMetadata metadata_document{4200,
                                       {Detection{"person", 9132, 1000, 2000, 3000, 6000},
                                        Detection{"dog", 5000, 7000, 5000, 3000, 5000}},
                                       {"porch"}};
  VIGIL_TRY(metadata, EncodeClipMetadata(metadata_document));
  constexpr std::uint32_t kSegment = 256;

  ordered_json clips = ordered_json::array();
  std::vector<Bytes> blobs;
  std::vector<Bytes> envelopes;
  crypto::Sha256Digest previous{};
  for (std::uint64_t sequence = 1; sequence <= 2; ++sequence) {
    const std::string tag = "clip vector " + std::to_string(sequence);
    const Bytes key_bytes = Fixed(tag + " key", 32);
    VIGIL_TRY(clip_key, ClipKey::FromSecret(SecretBytes(key_bytes, InsecureSecretAccess::Get())));
    const ClipStart start{ClipBinding{"clip-000" + std::to_string(sequence), "camera-porch", 4},
                          sequence, previous, 1'767'225'600 + 3600 * sequence};
    const SecretBytes ephemeral(Fixed(tag + " ephemeral", 32), InsecureSecretAccess::Get());
    VIGIL_TRY(envelope, internal::SealClipKeyForVectors(clip_key, household.public_key(),
                                                        start.binding, &ephemeral));
    std::array<internal::StreamNonceMaterial, 3> nonces;
    const char* parts[] = {"video", "thumbnail", "metadata"};
    for (std::size_t p = 0; p < 3; ++p) {
      nonces[p] = {Fixed(tag + " " + parts[p] + " salt", 32),
                   Fixed(tag + " " + parts[p] + " prefix", 7)};
    }
    // Three fragments of uneven sizes: 600 + 300 + 123 bytes of video.
    const std::vector<Bytes> fragments = {Text(600), Fixed(tag + " f2", 32), Text(123)};
    Bytes blob;
    VIGIL_TRY(writer, internal::CreateClipWriterForVectors(
                          clip_key, camera, start,
                          [&blob](ByteSpan b) {
                            Append(blob, b);
                            return OkStatus();
                          },
                          kSegment, nonces));
    Bytes video;
    for (const auto& f : fragments) {
      Append(video, f);
      auto s = writer->AppendVideo(f);
      if (!s) return Fail(s.error());
    }
    const ClipEnd end{static_cast<std::uint32_t>(9500 + sequence),
                      thumbnail,
                      Bytes(metadata.begin(), metadata.end()),
                      {envelope}};
    VIGIL_TRY(info, writer->Finish(end));
    VIGIL_TRY(ad, ClipAssociatedData(start.binding));

    ordered_json v;
    v["name"] = sequence == 1 ? "first clip of the camera" : "second clip, chained to the first";
    v["clip_id"] = HexEncode(AsBytes(start.binding.clip_id));
    v["camera_id"] = HexEncode(AsBytes(start.binding.camera_id));
    v["household_epoch"] = std::to_string(start.binding.household_epoch);
    v["sequence"] = std::to_string(sequence);
    v["previous_manifest_hash"] = HexEncode(previous);
    v["start_time_unix_s"] = std::to_string(start.start_time_unix_s);
    v["duration_ms"] = end.duration_ms;
    v["segment_bytes"] = kSegment;
    v["clip_key"] = HexEncode(key_bytes);
    for (std::size_t p = 0; p < 3; ++p) {
      v[std::string(parts[p]) + "_salt"] = HexEncode(nonces[p].salt);
      v[std::string(parts[p]) + "_nonce_prefix"] = HexEncode(nonces[p].nonce_prefix);
    }
    v["ephemeral_private_key"] = HexEncode(ephemeral.Reveal(InsecureSecretAccess::Get()));
    v["envelope"] = HexEncode(envelope);
    v["associated_data"] = HexEncode(ad);
    v["video"] = HexEncode(video);
    v["thumbnail"] = HexEncode(thumbnail);
    v["metadata"] = HexEncode(metadata);
    ordered_json doc;
    doc["motion_score"] = metadata_document.motion_score;
    doc["detections"] = ordered_json::array();
    for (const auto& d : metadata_document.detections) {
      doc["detections"].push_back({{"label", d.label},
                                   {"score", d.score},
                                   {"x", d.x},
                                   {"y", d.y},
                                   {"width", d.width},
                                   {"height", d.height}});
    }
    doc["zones"] = metadata_document.zones;
    v["metadata_document"] = std::move(doc);
    v["manifest_hash"] = HexEncode(info.manifest_hash);
    v["blob"] = HexEncode(blob);
    clips.push_back(std::move(v));
    blobs.push_back(std::move(blob));
    envelopes.push_back(std::move(envelope));
    previous = info.manifest_hash;
  }
  out["vectors"] = std::move(clips);

  const Heartbeat heartbeat{"camera-porch", 1'767'233'000, ChainPoint{2, previous}};
  VIGIL_TRY(signed_heartbeat, SignHeartbeat(heartbeat, camera));
  ordered_json hb;
  hb["camera_id"] = HexEncode(AsBytes(heartbeat.camera_id));
  hb["time_unix_s"] = std::to_string(heartbeat.time_unix_s);
  hb["last_sequence"] = std::to_string(heartbeat.last.sequence);
  hb["last_manifest_hash"] = HexEncode(heartbeat.last.manifest_hash);
  hb["signed"] = HexEncode(signed_heartbeat);
  out["heartbeat"] = std::move(hb);

  // Every negative is read as vectors[0] (its ids, its envelope) and must fail.
  const Bytes& good = blobs[0];
  VIGIL_TRY(reader, ClipReader::FromBlob(good, camera.verify_key(), "clip-0001", "camera-porch"));
  const ClipLayout l = reader.layout();
  ordered_json negatives = ordered_json::array();
  auto negative = [&negatives](std::string name, Bytes blob) {
    ordered_json n;
    n["name"] = std::move(name);
    n["blob"] = HexEncode(blob);
    negatives.push_back(std::move(n));
  };
  auto flipped = [&good](std::uint64_t at) {
    Bytes b = good;
    b[at] ^= 0x01;
    return b;
  };
  negative("bit flipped in the prologue", flipped(5));
  negative("bit flipped in the video stream header", flipped(l.video_offset + 20));
  negative("bit flipped in a middle video segment",
           flipped(l.video_offset + kStreamHeaderBytes + 300));
  negative("bit flipped in the thumbnail", flipped(l.thumbnail_offset + 60));
  negative("bit flipped in the metadata", flipped(l.metadata_offset + 60));
  negative("bit flipped in the manifest body", flipped(l.manifest_offset + 40));
  negative("bit flipped in the signature", flipped(l.manifest_offset + l.manifest_size - 1));
  negative("bit flipped in the trailer", flipped(good.size() - 20));
  negative("truncated by one byte", Bytes(good.begin(), good.end() - 1));
  {
    // The last video segment dropped and the trailer rewritten to match.
    const std::uint64_t full = kSegment + kStreamTagBytes;
    const std::uint64_t last = (l.video_size - kStreamHeaderBytes) % full;
    Bytes b(good.begin(),
            good.begin() + static_cast<std::ptrdiff_t>(l.video_offset + l.video_size - last));
    Append(b, ByteSpan(good).subspan(l.thumbnail_offset,
                                     l.thumbnail_size + l.metadata_size + l.manifest_size));
    AppendU64(b, l.video_size - last);
    AppendU64(b, l.thumbnail_size);
    AppendU64(b, l.metadata_size);
    AppendU32(b, static_cast<std::uint32_t>(l.manifest_size));
    Append(b, AsBytes("VGCL"));
    negative("last video segment dropped, trailer rewritten", std::move(b));
  }
  negative("the second clip's blob served as the first", blobs[1]);
  {
    // The second clip's thumbnail (same size) spliced into the first clip.
    VIGIL_TRY(r2, ClipReader::FromBlob(blobs[1], camera.verify_key(), "clip-0002", "camera-porch"));
    Bytes b = good;
    std::copy_n(blobs[1].begin() + static_cast<std::ptrdiff_t>(r2.layout().thumbnail_offset),
                l.thumbnail_size, b.begin() + static_cast<std::ptrdiff_t>(l.thumbnail_offset));
    negative("the second clip's thumbnail spliced into the first", std::move(b));
  }
  out["negative"] = std::move(negatives);

  // Metadata documents every decoder must refuse.
  ordered_json bad_metadata = ordered_json::array();
  auto bad_doc = [&bad_metadata](std::string name, const Bytes& doc) {
    ordered_json n;
    n["name"] = std::move(name);
    n["metadata"] = HexEncode(doc);
    bad_metadata.push_back(std::move(n));
  };
  Bytes trailing = metadata;
  trailing.push_back(0);
  bad_doc("trailing byte", trailing);
  bad_doc("truncated", Bytes(metadata.begin(), metadata.end() - 1));
  Bytes version = metadata;
  version[4] = 2;
  bad_doc("version 2", version);
  Bytes motion = metadata;
  motion[5] = 0x27;
  motion[6] = 0x11;  // 10001
  bad_doc("motion score above 10000", motion);
  // The first detection ("person") starts at byte 8; its width field at 8 + 1 + 6 + 6.
  Bytes box = metadata;
  box[21] = 0x27;
  box[22] = 0x10;  // width 10000 with x = 1000
  bad_doc("box outside the frame", box);
  bad_doc("empty label", Bytes{0x56, 0x47, 0x4d, 0x44, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
                               0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  out["negative_metadata"] = std::move(bad_metadata);
  return out;
}

Result<ordered_json> MakeAlertVectors() {
  VIGIL_TRY(camera, crypto::SigningKey::FromSeed(FixedSecret("vigil alert vector camera", 32)));
  VIGIL_TRY(household,
            HouseholdPrivateKey::FromSecret(FixedSecret("vigil alert vector household", 32)));
  ordered_json out;
  out["format"] = "docs/formats/alert.md";
  out["camera_signing_seed"] = RevealHex(camera.seed());
  out["camera_public_key"] = HexEncode(camera.verify_key().bytes());
  out["household_private_key"] = RevealHex(household.secret());
  out["household_public_key"] = HexEncode(household.public_key().bytes());
  struct Case {
    std::string label;
    std::string alert_id;
    std::string camera_id;
    std::uint64_t epoch;
    AlertContent content;
  };
  const std::vector<Case> cases = {
      {"event started",
       "alr_0001",
       "cam_porch",
       1,
       {AlertKind::kEventStarted,
        "evt_20261130_152001",
        1796052001,
        0,
        {"motion", "person"},
        4200}},
      {"clip complete, no labels",
       "alr_0002",
       "cam_porch",
       1,
       {AlertKind::kClipComplete, "evt_20261130_152001", 1796052001, 17, {}, 0}},
      {"largest content",
       "alr_0003",
       "cam_garage",
       7,
       {AlertKind::kEventStarted, std::string(kMaxAlertClipIdBytes, 'c'), UINT64_MAX, UINT64_MAX,
        std::vector<std::string>(kMaxAlertLabels, std::string(kMaxAlertLabelBytes, 'x')),
        kMaxAlertMotionScore}},
  };
  ordered_json positives = ordered_json::array();
  Bytes reference;
  for (const Case& c : cases) {
    const SecretBytes ephemeral = FixedSecret("alert ephemeral " + c.label, 32);
    VIGIL_TRY(sealed, internal::SealAlertForVectors(c.content, c.alert_id, c.camera_id, c.epoch,
                                                    household.public_key(), camera, &ephemeral));
    VIGIL_TRY(padded, internal::EncodeAlertContent(c.content));
    VIGIL_TRY(info, internal::AlertInfo(c.alert_id, c.camera_id, c.epoch,
                                        household.public_key().KeyId()));
    ordered_json v;
    v["name"] = c.label;
    v["alert_id"] = HexEncode(AsBytes(c.alert_id));
    v["camera_id"] = HexEncode(AsBytes(c.camera_id));
    v["household_epoch"] = c.epoch;
    v["kind"] = static_cast<int>(c.content.kind);
    v["clip_id"] = c.content.clip_id;
    v["event_time_unix_s"] = c.content.event_time_unix_s;
    v["sequence"] = c.content.sequence;
    v["labels"] = c.content.labels;
    v["motion_score"] = c.content.motion_score;
    v["ephemeral_private_key"] = RevealHex(ephemeral);
    v["plaintext"] = HexEncode(padded);
    v["info"] = HexEncode(info);
    v["sealed"] = HexEncode(sealed);
    positives.push_back(std::move(v));
    if (reference.empty()) reference = sealed;
  }
  out["vectors"] = std::move(positives);
  ordered_json negatives = ordered_json::array();
  auto negative = [&](std::string name, const Bytes& sealed, std::string_view alert_id,
                      std::string_view camera_id, std::uint64_t epoch, std::string expected) {
    ordered_json n;
    n["name"] = std::move(name);
    n["alert_id"] = HexEncode(AsBytes(alert_id));
    n["camera_id"] = HexEncode(AsBytes(camera_id));
    n["household_epoch"] = epoch;
    n["sealed"] = HexEncode(sealed);
    n["error"] = std::move(expected);
    negatives.push_back(std::move(n));
  };
  auto flipped = [&](std::size_t offset) {
    Bytes b = reference;
    b[offset] ^= 0x01;
    return b;
  };
  const std::string vf = "verification failed";
  const std::string df = "decryption failed";
  negative("other alert id", reference, "alr_0009", "cam_porch", 1, vf);
  negative("other camera id", reference, "alr_0001", "cam_garage", 1, vf);
  negative("other household epoch", reference, "alr_0001", "cam_porch", 2, df);
  negative("flipped bit in magic", flipped(0), "alr_0001", "cam_porch", 1, vf);
  negative("flipped bit in epoch", flipped(12), "alr_0001", "cam_porch", 1, vf);
  negative("flipped bit in key id", flipped(20), "alr_0001", "cam_porch", 1, vf);
  negative("flipped bit in enc", flipped(50), "alr_0001", "cam_porch", 1, vf);
  negative("flipped bit in ciphertext", flipped(300), "alr_0001", "cam_porch", 1, vf);
  negative("flipped bit in signature", flipped(kSealedAlertBytes - 1), "alr_0001", "cam_porch", 1,
           vf);
  negative("truncated", Bytes(reference.begin(), reference.end() - 1), "alr_0001", "cam_porch", 1,
           vf);
  VIGIL_TRY(stranger, HouseholdPrivateKey::FromSecret(FixedSecret("another household", 32)));
  const SecretBytes ephemeral = FixedSecret("alert ephemeral stranger", 32);
  VIGIL_TRY(to_stranger, internal::SealAlertForVectors(cases[0].content, "alr_0001", "cam_porch", 1,
                                                       stranger.public_key(), camera, &ephemeral));
  negative("sealed to another household key", to_stranger, "alr_0001", "cam_porch", 1, df);
  VIGIL_TRY(other_camera, crypto::SigningKey::FromSeed(FixedSecret("another camera", 32)));
  VIGIL_TRY(by_stranger,
            internal::SealAlertForVectors(cases[0].content, "alr_0001", "cam_porch", 1,
                                          household.public_key(), other_camera, &ephemeral));
  negative("signed by another camera", by_stranger, "alr_0001", "cam_porch", 1, vf);
  out["negative"] = std::move(negatives);
  // Plaintexts that are not the one encoding of a content (after decryption).
  ordered_json bad_plaintexts = ordered_json::array();
  VIGIL_TRY(good, internal::EncodeAlertContent(cases[0].content));
  auto bad = [&](std::string name, Bytes p) {
    bad_plaintexts.push_back(ordered_json{{"name", std::move(name)}, {"plaintext", HexEncode(p)}});
  };
  Bytes p = good;
  p.back() = 1;
  bad("non-zero padding", p);
  p = good;
  p[0] = 3;
  bad("unknown kind", p);
  p = good;
  p[1] = 0;
  bad("empty clip id", p);
  bad("short", Bytes(good.begin(), good.end() - 1));
  out["negative_plaintext"] = std::move(bad_plaintexts);
  return out;
}

}  // namespace vigil::seal
