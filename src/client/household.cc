// SPDX-License-Identifier: Apache-2.0
// The owner's device keys, account key chain, household and cameras
// (docs/design/002-vigild.md §Devices and key chains, §Households and
// pairing). Everything the server returns is checked here before use: the
// key chain against its signatures and this device's pin, the household key
// against the public key pinned at login, the camera offer against the code.
#include <algorithm>
#include <map>

#include "vigil/client/clip_verify.h"
#include "vigil/client/owner_client.h"
#include "vigil/crypto/hash.h"
#include "vigil/seal/camera_name.h"
#include "vigil/seal/household_envelope.h"
#include "vigil/seal/pairing.h"

namespace vigil::client {
namespace {

using crypto::InsecureSecretAccess;

constexpr std::size_t kIdBytes = 12;
constexpr std::size_t kMaxChainVersions = 100000;

std::string NewId(std::string_view prefix) {
  return std::string(prefix) + Base64UrlEncode(crypto::RandomBytes(kIdBytes));
}

std::string SecretField(const crypto::SecretBytes& secret) {
  return Base64UrlEncode(secret.Reveal(InsecureSecretAccess::Get()));
}

Result<crypto::SecretBytes> SecretFrom(const std::string& field, std::string_view what) {
  auto bytes = Base64UrlDecode(field);
  if (!bytes || bytes->size() != 32) {
    return Fail(ErrorCode::kDataLoss, "the profile's " + std::string(what) + " is corrupt");
  }
  crypto::SecretBytes secret(*bytes, InsecureSecretAccess::Get());
  crypto::Wipe(*bytes);
  return secret;
}

Result<seal::DevicePrivateKey> DeviceBoxKey(const Profile& p) {
  VIGIL_TRY(secret, SecretFrom(p.device_box_key, "device key"));
  return seal::DevicePrivateKey::FromSecret(std::move(secret));
}

Result<crypto::SigningKey> DeviceSignKey(const Profile& p) {
  VIGIL_TRY(secret, SecretFrom(p.device_sign_key, "device signing key"));
  return crypto::SigningKey::FromSeed(std::move(secret));
}

Result<crypto::SigningKey> AccountSigningKey(const Profile& p) {
  if (p.account_signing_key.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "this device holds no account key yet: log in again (vigil login)");
  }
  VIGIL_TRY(secret, SecretFrom(p.account_signing_key, "account signing key"));
  return crypto::SigningKey::FromSeed(std::move(secret));
}

Error Unverifiable(std::string_view what) { return Error{ErrorCode::kDataLoss, std::string(what)}; }

constexpr char kTrustPairingCode[] = "pairing-code";
constexpr char kTrustOwnerClaim[] = "owner-claim";

std::string TrustLine(const std::string& trust) {
  if (trust == kTrustPairingCode) {
    return "pinned at pairing: the owner checked it against the camera's pairing code "
           "(vigil camera add)";
  }
  return "verified from the owner's pairing claim, signed by the account key of the owner's "
         "verified key chain";
}

// The owner's pairing claim as GET /v1/cameras may carry it.
Result<StoredCameraClaim> ParseStoredClaim(const wire::Json& c) {
  VIGIL_TRY(pairing_id, wire::RequireBytes(c, "pairing_id", 32, 32));
  VIGIL_TRY(owner, wire::RequireBytes(c, "owner_key", 32, 32));
  VIGIL_TRY(household, wire::RequireBytes(c, "household_key", 32, 32));
  VIGIL_TRY(epoch, wire::RequireUint(c, "epoch", 1, INT32_MAX));
  VIGIL_TRY(signature, wire::RequireBytes(c, "owner_signature", 64, 64));
  VIGIL_TRY(owner_key, crypto::VerifyKey::FromBytes(owner));
  VIGIL_TRY(household_key, seal::HouseholdPublicKey::FromBytes(household));
  StoredCameraClaim claim{pairing_id, owner_key, household_key, epoch, {}};
  std::copy(signature.begin(), signature.end(), claim.owner_signature.begin());
  return claim;
}

}  // namespace

Result<seal::VerifiedKeyChain> OwnerClient::VerifiedKeyChain() {
  VIGIL_TRY(response, Call("GET", "/v1/keychain", nullptr, true));
  VIGIL_TRY(list, wire::RequireArray(response, "versions", kMaxChainVersions));
  std::vector<seal::SignedKeyChainVersion> chain;
  for (const wire::Json& v : list) {
    if (!v.is_object()) return Fail(Unverifiable("the server sent a malformed key chain"));
    VIGIL_TRY(payload, wire::RequireBytes(v, "payload", 1, seal::kMaxKeyChainPayloadBytes));
    VIGIL_TRY(signature, wire::RequireBytes(v, "signature", 64, 64));
    seal::SignedKeyChainVersion version;
    version.payload = std::move(payload);
    std::copy(signature.begin(), signature.end(), version.signature.begin());
    chain.push_back(std::move(version));
  }
  seal::KeyChainPin pin;
  if (profile_.key_chain_version > 0) {
    auto hash = Base64UrlDecode(profile_.key_chain_hash);
    if (!hash || hash->size() != pin.hash.size()) {
      return Fail(ErrorCode::kDataLoss, "the profile's key-chain pin is corrupt");
    }
    pin.version = static_cast<std::uint64_t>(profile_.key_chain_version);
    std::copy(hash->begin(), hash->end(), pin.hash.begin());
  }
  VIGIL_TRY(verified, seal::VerifyKeyChain(profile_.account_id, chain, pin));
  profile_.key_chain_version = static_cast<std::int64_t>(verified.pin.version);
  profile_.key_chain_hash = Base64UrlEncode(verified.pin.hash);
  return verified;
}

void OwnerClient::ForgetAccountPins() {
  profile_.key_chain_version = 0;
  profile_.key_chain_hash.clear();
  profile_.household_id.clear();
  profile_.household_epoch = 0;
  profile_.household_public_key.clear();
  profile_.account_signing_key.clear();
  profile_.camera_keys.clear();
  profile_.chain_points.clear();
}

Status OwnerClient::EnrollDevice(const seal::Keyring& keyring) {
  if (profile_.device_box_key.empty() || profile_.device_sign_key.empty()) {
    profile_.device_box_key = SecretField(seal::DevicePrivateKey::Generate().secret());
    profile_.device_sign_key = SecretField(crypto::SigningKey::Generate().seed());
  }
  VIGIL_TRY(box, DeviceBoxKey(profile_));
  VIGIL_TRY(sign, DeviceSignKey(profile_));
  const crypto::SigningKey& account_key = keyring.account_signing_key();
  const seal::KeyChainDevice me{profile_.device_id, box.public_key(), sign.verify_key()};

  // 1. The key chain lists this device under this account's signing key.
  VIGIL_TRY(response, Call("GET", "/v1/keychain", nullptr, true));
  VIGIL_TRY(versions, wire::RequireArray(response, "versions", kMaxChainVersions));
  std::optional<seal::KeyChainPayload> next;
  if (versions.empty()) {
    if (profile_.key_chain_version > 0) {
      return Fail(Unverifiable("key chain verification failed: the server rolled the chain back"));
    }
    next = seal::KeyChainPayload{profile_.account_id, 1, {}, account_key.verify_key(), {me}};
  } else {
    VIGIL_TRY(chain, VerifiedKeyChain());
    if (!(chain.head.account_key == account_key.verify_key())) {
      return Fail(Unverifiable(
          "key chain verification failed: its account key is not the one in your keyring"));
    }
    const bool listed = std::any_of(chain.head.devices.begin(), chain.head.devices.end(),
                                    [&](const seal::KeyChainDevice& d) { return d == me; });
    if (!listed) next = seal::NextKeyChainPayload(chain, me);
  }
  if (next) {
    VIGIL_TRY(signed_version, seal::SignKeyChainVersion(*next, account_key));
    const wire::Json body = {{"version", next->version},
                             {"payload", wire::BytesField(signed_version.payload)},
                             {"signature", wire::BytesField(signed_version.signature)}};
    VIGIL_TRY(appended, Call("POST", "/v1/keychain", &body, true));
    (void)appended;
    profile_.key_chain_version = static_cast<std::int64_t>(next->version);
    profile_.key_chain_hash = Base64UrlEncode(seal::KeyChainVersionHash(signed_version));
  }

  // 2. The household (made with the account; one per account for now) has an
  // envelope for this device.
  if (keyring.household_keys().empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "this account's keyring holds no household key (made by an older vigil)");
  }
  const std::string household_id = keyring.household_keys().front().household_id;
  const seal::HouseholdKeyEntry* entry = keyring.LatestHouseholdKey(household_id);
  const std::uint64_t epoch = entry->epoch;
  VIGIL_TRY(envelope, seal::SealHouseholdKey(entry->key, box.public_key(),
                                             {household_id, epoch, profile_.device_id}));
  wire::Json envelopes = wire::Json::array();
  envelopes.push_back(
      {{"device_id", profile_.device_id}, {"envelope", wire::BytesField(envelope)}});
  auto household = Call("GET", "/v1/household", nullptr, true);
  if (!household && household.error().code == ErrorCode::kNotFound) {
    const wire::Json body = {
        {"household_id", household_id}, {"epoch", epoch}, {"envelopes", envelopes}};
    VIGIL_TRY(created, Call("POST", "/v1/household", &body, true));
    (void)created;
  } else if (!household) {
    return Fail(household.error());
  } else {
    VIGIL_TRY(id, wire::RequireString(*household, "household_id", 1, 64));
    if (id != household_id) {
      return Fail(Unverifiable("the server names another household than your keyring holds"));
    }
    const wire::Json body = {{"epoch", epoch}, {"envelopes", envelopes}};
    VIGIL_TRY(stored, Call("POST", "/v1/household/envelopes", &body, true));
    (void)stored;
  }
  profile_.account_signing_key = SecretField(account_key.seed());
  profile_.household_id = household_id;
  profile_.household_epoch = static_cast<std::int64_t>(epoch);
  profile_.household_public_key = Base64UrlEncode(entry->key.public_key().bytes());
  return SaveProfile(profile_);
}

Result<OwnerClient::HouseholdAccess> OwnerClient::OpenHousehold() {
  if (auto ok = RequireLogin(); !ok) return Fail(ok.error());
  if (profile_.household_id.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "this device has no household yet: log in again (vigil login)");
  }
  // The device must still be listed in the verified chain.
  VIGIL_TRY(chain, VerifiedKeyChain());
  if (auto saved = SaveProfile(profile_); !saved) return Fail(saved.error());
  const bool listed =
      std::any_of(chain.head.devices.begin(), chain.head.devices.end(),
                  [&](const seal::KeyChainDevice& d) { return d.device_id == profile_.device_id; });
  if (!listed) {
    return Fail(ErrorCode::kPermissionDenied,
                "this device is no longer in the account's key chain: log in again");
  }
  VIGIL_TRY(response, Call("GET", "/v1/household", nullptr, true));
  VIGIL_TRY(household_id, wire::RequireString(response, "household_id", 1, 64));
  if (household_id != profile_.household_id) {
    return Fail(Unverifiable("the server names another household than this device joined"));
  }
  VIGIL_TRY(envelopes, wire::RequireArray(response, "envelopes", 4096));
  VIGIL_TRY(box, DeviceBoxKey(profile_));
  for (const wire::Json& e : envelopes) {
    if (!e.is_object()) continue;
    auto epoch = wire::RequireUint(e, "epoch", 1, INT32_MAX);
    auto bytes = wire::RequireBytes(e, "envelope", 1, 1024);
    if (!epoch || !bytes || static_cast<std::int64_t>(*epoch) != profile_.household_epoch) {
      continue;
    }
    auto key = seal::OpenHouseholdKey(*bytes, box, {household_id, *epoch, profile_.device_id});
    if (!key) continue;
    // The envelope is not signed: only a key matching the pin is accepted.
    if (Base64UrlEncode(key->public_key().bytes()) != profile_.household_public_key) {
      return Fail(
          Unverifiable("household key verification failed: the server sent another household key"));
    }
    return HouseholdAccess{household_id, static_cast<std::int64_t>(*epoch), std::move(*key)};
  }
  return Fail(ErrorCode::kFailedPrecondition,
              "no household key for this device on the server: log in again (vigil login)");
}

Result<std::vector<CameraInfo>> OwnerClient::ListCameras() {
  VIGIL_TRY(household, OpenHousehold());
  VIGIL_TRY(response, Call("GET", "/v1/cameras", nullptr, true));
  VIGIL_TRY(list, wire::RequireArray(response, "cameras", 100000));
  std::vector<CameraInfo> out;
  for (const wire::Json& c : list) {
    if (!c.is_object()) return Fail(ErrorCode::kDataLoss, "malformed camera list");
    CameraInfo info;
    VIGIL_TRY(id, wire::RequireString(c, "id", 1, 64));
    VIGIL_TRY(sealed, wire::RequireBytes(c, "name", 1, 1024));
    VIGIL_TRY(created, wire::RequireString(c, "created", 1, 64));
    info.id = id;
    info.created = created;
    if (c.contains("retention_days") && !c["retention_days"].is_null()) {
      VIGIL_TRY(days, wire::RequireUint(c, "retention_days", 1, 36500));
      info.retention_days = static_cast<std::int64_t>(days);
    }
    auto name = seal::OpenCameraName(sealed, household.key, {household.household_id, id});
    info.name_ok = name.has_value();
    info.name = name ? *name : "(unreadable name)";
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::vector<TrustedCamera>> OwnerClient::TrustedCameras() {
  VIGIL_TRY(household, OpenHousehold());
  VIGIL_TRY(chain, VerifiedKeyChain());
  return TrustedCameras(household, chain);
}

Result<std::vector<TrustedCamera>> OwnerClient::TrustedCameras(
    const HouseholdAccess& household, const seal::VerifiedKeyChain& chain) {
  VIGIL_TRY(response, Call("GET", "/v1/cameras", nullptr, true));
  VIGIL_TRY(list, wire::RequireArray(response, "cameras", 100000));
  VIGIL_TRY(household_public,
            seal::HouseholdPublicKey::FromBytes(household.key.public_key().bytes()));
  std::vector<TrustedCamera> out;
  bool pinned_new = false;
  // The claim does not sign the camera id: one key (or one pairing) offered
  // for two cameras means the server moved a claim, and neither is trusted.
  std::map<std::string, int> key_uses;
  for (const wire::Json& c : list) {
    if (!c.is_object()) continue;
    key_uses[c.value("sign_public_key", std::string())]++;
    if (c.contains("claim") && c["claim"].is_object()) {
      key_uses["pairing:" + c["claim"].value("pairing_id", std::string())]++;
    }
  }
  for (const wire::Json& c : list) {
    if (!c.is_object()) return Fail(ErrorCode::kDataLoss, "malformed camera list");
    TrustedCamera cam;
    VIGIL_TRY(id, wire::RequireString(c, "id", 1, 64));
    VIGIL_TRY(sealed, wire::RequireBytes(c, "name", 1, 1024));
    cam.info.id = id;
    cam.info.created = c.value("created", std::string());
    auto name = seal::OpenCameraName(sealed, household.key, {household.household_id, id});
    cam.info.name_ok = name.has_value();
    cam.info.name = name ? *name : "(unreadable name)";
    auto listed_bytes = wire::RequireBytes(c, "sign_public_key", 32, 32);
    if (auto pinned = profile_.camera_keys.find(id); pinned != profile_.camera_keys.end()) {
      auto bytes = Base64UrlDecode(pinned->second.sign_key);
      auto key = bytes ? crypto::VerifyKey::FromBytes(*bytes)
                       : Result<crypto::VerifyKey>(Fail(ErrorCode::kDataLoss, "corrupt"));
      if (key) {
        cam.key = *key;
        cam.trust = TrustLine(pinned->second.trust);
      } else {
        cam.problem = "camera key not verified: the profile's pinned key is corrupt";
      }
      // The pin wins; a server listing another key is only worth a note.
      if (key && listed_bytes && Base64UrlEncode(*listed_bytes) != pinned->second.sign_key) {
        cam.trust += " (the server lists another key for it, ignored)";
      }
    } else if (!listed_bytes) {
      cam.problem = "camera key not verified: the server lists no key for it";
    } else if (!c.contains("claim") || !c["claim"].is_object()) {
      cam.problem =
          "camera key not verified: it was paired from another device and the server sent no "
          "owner claim for it";
    } else if (key_uses[Base64UrlEncode(*listed_bytes)] > 1 ||
               key_uses["pairing:" + c["claim"].value("pairing_id", std::string())] > 1) {
      cam.problem = "camera key not verified: the server lists its key or pairing for two cameras";
    } else {
      auto claim = ParseStoredClaim(c["claim"]);
      auto key = crypto::VerifyKey::FromBytes(*listed_bytes);
      Status checked =
          !claim ? Status(Fail(ErrorCode::kDataLoss, "camera key not verified: malformed claim"))
                 : VerifyCameraClaim(*claim, *key, chain.head.account_key, household_public,
                                     static_cast<std::uint64_t>(household.epoch));
      if (checked) {
        cam.key = *key;
        cam.trust = TrustLine(kTrustOwnerClaim);
        profile_.camera_keys[id] = {Base64UrlEncode(key->bytes()), kTrustOwnerClaim};
        pinned_new = true;
      } else {
        cam.problem = checked.error().message;
      }
    }
    // Heartbeats count only when signed by the trusted key.
    if (c.contains("heartbeat") && c["heartbeat"].is_string() && cam.key) {
      auto bytes = wire::RequireBytes(c, "heartbeat", 1, 1024);
      auto beat = bytes ? seal::VerifyHeartbeat(*bytes, *cam.key, id)
                        : Result<seal::Heartbeat>(Fail(ErrorCode::kDataLoss, "malformed"));
      if (beat) {
        cam.heartbeat = std::move(*beat);
      } else {
        cam.heartbeat_problem = "camera \"" + cam.info.name +
                                "\": its heartbeat does not verify with the camera key (ignored)";
      }
    }
    out.push_back(std::move(cam));
  }
  if (pinned_new) {
    if (auto saved = SaveProfile(profile_); !saved) return Fail(saved.error());
  }
  return out;
}

Result<CameraInfo> OwnerClient::FindCamera(const std::string& name) {
  VIGIL_TRY(cameras, ListCameras());
  for (CameraInfo& c : cameras) {
    if (c.name_ok && c.name == name) return std::move(c);
  }
  return Fail(ErrorCode::kNotFound, "no camera named '" + name + "' (see vigil camera list)");
}

Result<CameraInfo> OwnerClient::AddCamera(const std::string& code_text, const std::string& name) {
  if (auto ok = RequireLogin(); !ok) return Fail(ok.error());
  if (auto ok = seal::CheckCameraName(name); !ok) return Fail(ok.error());
  VIGIL_TRY(code, seal::DecodePairingCode(code_text));
  const std::string pairing_id = Base64UrlEncode(seal::PairingId(code.secret));

  // Names identify cameras in every later command: they must be unique.
  VIGIL_TRY(existing, ListCameras());
  for (const CameraInfo& c : existing) {
    if (c.name_ok && c.name == name) {
      return Fail(ErrorCode::kAlreadyExists, "a camera named '" + name + "' already exists");
    }
  }
  VIGIL_TRY(household, OpenHousehold());

  // The offer the server hands over must match the code (fingerprint, mac_c).
  auto offer_json = Call("GET", "/v1/pairing/" + pairing_id, nullptr, true);
  if (!offer_json) {
    if (offer_json.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kNotFound,
                  "no camera is waiting with this pairing code (mistyped, expired or used)");
    }
    return Fail(offer_json.error());
  }
  auto camera_key_bytes = wire::RequireBytes(*offer_json, "camera_sign_public_key", 32, 32);
  auto mac_bytes = wire::RequireBytes(*offer_json, "mac", 32, 32);
  auto id_bytes = Base64UrlDecode(offer_json->value("pairing_id", std::string()));
  if (!camera_key_bytes || !mac_bytes || !id_bytes) {
    return Fail(ErrorCode::kDataLoss,
                "camera verification failed: the server sent a malformed offer; nothing was "
                "claimed");
  }
  if (offer_json->value("claimed", false)) {
    return Fail(ErrorCode::kAlreadyExists, "this pairing code was already used");
  }
  VIGIL_TRY(camera_key, crypto::VerifyKey::FromBytes(*camera_key_bytes));
  seal::CameraOffer offer{*id_bytes, camera_key, {}};
  std::copy(mac_bytes->begin(), mac_bytes->end(), offer.mac.begin());
  if (!seal::VerifyCameraOffer(code, offer)) {
    return Fail(ErrorCode::kDataLoss,
                "camera verification failed: the camera key the server sent does not match the "
                "pairing code; nothing was claimed");
  }

  // The claim: signed by the account key, MACed with the pairing secret.
  VIGIL_TRY(owner, AccountSigningKey(profile_));
  const seal::PairingClaim claim =
      seal::MakePairingClaim(code.secret, owner, household.key.public_key(),
                             static_cast<std::uint64_t>(household.epoch), camera_key);
  const std::string camera_id = NewId("cam_");
  VIGIL_TRY(sealed_name, seal::SealCameraName(name, household.key.public_key(),
                                              {household.household_id, camera_id}));
  const wire::Json body = {{"household_id", household.household_id},
                           {"camera_id", camera_id},
                           {"name", wire::BytesField(sealed_name)},
                           {"claim",
                            {{"owner_key", wire::BytesField(claim.owner_key.bytes())},
                             {"household_key", wire::BytesField(claim.household_key.bytes())},
                             {"epoch", claim.household_epoch},
                             {"owner_signature", wire::BytesField(claim.owner_signature)},
                             {"mac", wire::BytesField(claim.mac)}}}};
  VIGIL_TRY(claimed, Call("POST", "/v1/pairing/" + pairing_id + "/claim", &body, true));
  (void)claimed;
  // The key just checked against the code is the one this device trusts for
  // this camera's manifests, whatever the server lists later.
  profile_.camera_keys[camera_id] = {Base64UrlEncode(camera_key.bytes()), kTrustPairingCode};
  if (auto saved = SaveProfile(profile_); !saved) return Fail(saved.error());
  CameraInfo info;
  info.id = camera_id;
  info.name = name;
  info.name_ok = true;
  return info;
}

Status OwnerClient::RemoveCamera(const std::string& name) {
  VIGIL_TRY(camera, FindCamera(name));
  auto deleted = Call("DELETE", "/v1/cameras/" + camera.id, nullptr, true);
  if (!deleted) return Fail(deleted.error());
  return OkStatus();
}

Result<CameraInfo> OwnerClient::SetCameraRetention(const std::string& name,
                                                   std::optional<std::int64_t> days) {
  VIGIL_TRY(camera, FindCamera(name));
  const wire::Json body = {{"retention_days", days ? wire::Json(*days) : wire::Json(nullptr)}};
  VIGIL_TRY(updated, Call("PATCH", "/v1/cameras/" + camera.id, &body, true));
  (void)updated;
  camera.retention_days = days;
  return camera;
}

}  // namespace vigil::client
