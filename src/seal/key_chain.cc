// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/key_chain.h"

#include <algorithm>
#include <array>
#include <optional>

#include "internal/envelope.h"

namespace vigil::seal {
namespace {

// "VGKC": Vigil key chain. Layout in docs/formats/key-chain.md.
constexpr std::array<std::uint8_t, 4> kMagic = {0x56, 0x47, 0x4b, 0x43};
constexpr std::uint8_t kFormatVersion = 0x01;
constexpr std::size_t kKeyBytes = 32;

bool ValidId(std::string_view id) { return !id.empty() && id.size() <= kMaxKeyChainIdBytes; }

Error Malformed() { return Error{ErrorCode::kDataLoss, "malformed key-chain version"}; }

Error ChainFailed(std::string_view why) {
  return Error{ErrorCode::kDataLoss, "key chain verification failed: " + std::string(why)};
}

// Reads the payload front to back; every read fails once the input is short.
class Reader {
 public:
  explicit Reader(ByteSpan in) : in_(in) {}
  std::optional<ByteSpan> Take(std::size_t n) {
    if (in_.size() < n) return std::nullopt;
    const ByteSpan out = in_.first(n);
    in_ = in_.subspan(n);
    return out;
  }
  std::optional<std::uint64_t> U(std::size_t n) {
    auto b = Take(n);
    if (!b) return std::nullopt;
    return n == 1 ? (*b)[0] : n == 2 ? LoadU16(*b) : LoadU64(*b);
  }
  std::optional<std::string> Id() {
    auto len = U(2);
    if (!len) return std::nullopt;
    auto b = Take(*len);
    if (!b) return std::nullopt;
    return std::string(b->begin(), b->end());
  }
  bool done() const { return in_.empty(); }

 private:
  ByteSpan in_;
};

}  // namespace

Result<Bytes> EncodeKeyChainPayload(const KeyChainPayload& p) {
  if (!ValidId(p.account_id)) {
    return Fail(ErrorCode::kInvalidArgument, "key chain: the account id must be 1 to 64 bytes");
  }
  if (p.version == 0) return Fail(ErrorCode::kInvalidArgument, "key chain: versions start at 1");
  if (p.devices.empty() || p.devices.size() > kMaxKeyChainDevices) {
    return Fail(ErrorCode::kInvalidArgument, "key chain: a version lists 1 to 256 devices");
  }
  std::vector<const KeyChainDevice*> devices;
  for (const KeyChainDevice& d : p.devices) {
    if (!ValidId(d.device_id)) {
      return Fail(ErrorCode::kInvalidArgument, "key chain: a device id must be 1 to 64 bytes");
    }
    devices.push_back(&d);
  }
  std::sort(devices.begin(), devices.end(),
            [](const auto* a, const auto* b) { return a->device_id < b->device_id; });
  for (std::size_t i = 1; i < devices.size(); ++i) {
    if (devices[i]->device_id == devices[i - 1]->device_id) {
      return Fail(ErrorCode::kInvalidArgument, "key chain: duplicate device id");
    }
  }
  Bytes out(kMagic.begin(), kMagic.end());
  out.push_back(kFormatVersion);
  internal::AppendLengthPrefixed(out, AsBytes(p.account_id));
  AppendU64(out, p.version);
  Append(out, p.previous_hash);
  Append(out, p.account_key.bytes());
  AppendU16(out, static_cast<std::uint16_t>(devices.size()));
  for (const KeyChainDevice* d : devices) {
    internal::AppendLengthPrefixed(out, AsBytes(d->device_id));
    Append(out, d->box_key.bytes());
    Append(out, d->sign_key.bytes());
  }
  return out;
}

Result<KeyChainPayload> DecodeKeyChainPayload(ByteSpan payload) {
  Reader r(payload);
  auto magic = r.Take(kMagic.size());
  auto format = r.U(1);
  if (!magic || !std::equal(kMagic.begin(), kMagic.end(), magic->begin()) || !format ||
      *format != kFormatVersion) {
    return Fail(Malformed());
  }
  auto account = r.Id();
  auto version = r.U(8);
  auto previous = r.Take(kKeyBytes);
  auto account_key = r.Take(kKeyBytes);
  auto count = r.U(2);
  if (!account || !ValidId(*account) || !version || *version == 0 || !previous || !account_key ||
      !count || *count == 0 || *count > kMaxKeyChainDevices) {
    return Fail(Malformed());
  }
  auto key = crypto::VerifyKey::FromBytes(*account_key);
  if (!key) return Fail(Malformed());
  crypto::Sha256Digest previous_hash{};
  std::copy(previous->begin(), previous->end(), previous_hash.begin());
  std::vector<KeyChainDevice> devices;
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto id = r.Id();
    auto box = r.Take(kKeyBytes);
    auto sign = r.Take(kKeyBytes);
    if (!id || !ValidId(*id) || !box || !sign) return Fail(Malformed());
    // Strictly increasing ids: the one canonical order, no duplicates.
    if (!devices.empty() && devices.back().device_id >= *id) return Fail(Malformed());
    auto box_key = DevicePublicKey::FromBytes(*box);
    auto sign_key = crypto::VerifyKey::FromBytes(*sign);
    if (!box_key || !sign_key) return Fail(Malformed());
    devices.push_back({*id, *box_key, *sign_key});
  }
  if (!r.done()) return Fail(Malformed());
  return KeyChainPayload{*account, *version, previous_hash, *key, std::move(devices)};
}

Result<SignedKeyChainVersion> SignKeyChainVersion(const KeyChainPayload& payload,
                                                  const crypto::SigningKey& signer) {
  VIGIL_TRY(bytes, EncodeKeyChainPayload(payload));
  SignedKeyChainVersion out;
  out.signature = signer.Sign(crypto::SignaturePurpose::kKeyChain, bytes);
  out.payload = std::move(bytes);
  return out;
}

crypto::Sha256Digest KeyChainVersionHash(const SignedKeyChainVersion& version) {
  Bytes input = version.payload;
  Append(input, version.signature);
  return crypto::Sha256(input);
}

Result<VerifiedKeyChain> VerifyKeyChain(std::string_view account_id,
                                        std::span<const SignedKeyChainVersion> chain,
                                        const KeyChainPin& pin) {
  if (chain.empty()) return Fail(ChainFailed("the chain is empty"));
  std::optional<KeyChainPayload> previous;
  crypto::Sha256Digest previous_hash{};
  std::optional<KeyChainPin> reached;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const std::uint64_t expected = i + 1;
    const std::string at = "version " + std::to_string(expected);
    auto payload = DecodeKeyChainPayload(chain[i].payload);
    if (!payload) return Fail(ChainFailed(at + " is malformed"));
    if (payload->account_id != account_id) {
      return Fail(ChainFailed(at + " belongs to another account"));
    }
    if (payload->version != expected) {
      return Fail(ChainFailed(at + " is out of order or missing"));
    }
    if (payload->previous_hash != previous_hash) {
      return Fail(ChainFailed(at + " does not follow the version before it"));
    }
    const crypto::VerifyKey& signer = previous ? previous->account_key : payload->account_key;
    if (!signer.Verify(crypto::SignaturePurpose::kKeyChain, chain[i].payload, chain[i].signature)) {
      return Fail(ChainFailed(at + " has a bad signature"));
    }
    previous_hash = KeyChainVersionHash(chain[i]);
    if (expected == pin.version) reached = KeyChainPin{expected, previous_hash};
    previous = std::move(*payload);
  }
  if (pin.version > chain.size()) {
    return Fail(ChainFailed("the server rolled the chain back from version " +
                            std::to_string(pin.version) + " to " + std::to_string(chain.size())));
  }
  if (reached && reached->hash != pin.hash) {
    return Fail(ChainFailed("version " + std::to_string(pin.version) +
                            " differs from the one this device verified before"));
  }
  return VerifiedKeyChain{std::move(*previous), KeyChainPin{chain.size(), previous_hash}};
}

KeyChainPayload NextKeyChainPayload(const VerifiedKeyChain& chain, KeyChainDevice device) {
  std::vector<KeyChainDevice> devices;
  for (const KeyChainDevice& d : chain.head.devices) {
    if (d.device_id != device.device_id) devices.push_back(d);
  }
  devices.push_back(std::move(device));
  return KeyChainPayload{chain.head.account_id, chain.head.version + 1, chain.pin.hash,
                         chain.head.account_key, std::move(devices)};
}

}  // namespace vigil::seal
