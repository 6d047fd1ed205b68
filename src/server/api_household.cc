// SPDX-License-Identifier: Apache-2.0
// Key chains, households, pairing and cameras (docs/design/002-vigild.md
// §Devices and key chains, §Households and pairing). The server is built
// without seal: key-chain versions, household-key envelopes, pairing claims
// and camera names are opaque bytes here, checked for size only. Clients
// verify them (signatures, MACs, AEAD), so a server that alters one is caught.
#include <charconv>
#include <string>

#include "internal/api_impl.h"
#include "vigil/crypto/hash.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using internal::JsonOk;
using internal::NotFoundError;
using internal::RequireId;
using wire::Json;

// docs/formats/key-chain.md: the largest payload (256 devices with 64-byte ids).
constexpr std::size_t kMaxKeyChainPayloadBytes = 33'425;
constexpr std::size_t kSignatureBytes = 64;
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kMaxEnvelopeBytes = 1024;
constexpr std::size_t kMaxEnvelopesPerRequest = 256;
// docs/formats/hpke-envelope.md §Purpose 3: a sealed camera name is 96 bytes,
// 128 characters of base64url (the cameras.name column).
constexpr std::size_t kSealedCameraNameBytes = 96;
// An offer can be claimed for this long; the camera then has as long again to
// collect the claim and its credential.
constexpr std::int64_t kOfferLifetimeSeconds = std::int64_t{15} * 60;
constexpr std::int64_t kClaimPickupSeconds = std::int64_t{15} * 60;
constexpr std::int64_t kMaxRetentionDays = 36500;

// base64url(HMAC-SHA256(server_secret, "vigil camera credential" || 0x00 ||
// camera_id)): derived, so the server stores only its hash and can hand it to
// the camera again while the claim is being collected.
std::string CameraCredential(const crypto::SecretBytes& server_secret, std::string_view camera_id) {
  Bytes input(AsBytes("vigil camera credential").begin(), AsBytes("vigil camera credential").end());
  input.push_back(0);
  Append(input, AsBytes(camera_id));
  return Base64UrlEncode(crypto::HmacSha256(server_secret, input));
}

// The pairing id is base64url of 32 bytes (DeriveKey of the pairing secret).
Result<std::string> RequirePairingId(std::string_view text) {
  auto decoded = Base64UrlDecode(text);
  if (!decoded || decoded->size() != kKeyBytes || Base64UrlEncode(*decoded) != text) {
    return Fail(ErrorCode::kInvalidArgument, "pairing_id: expected 32 bytes in base64url");
  }
  return std::string(text);
}

Json CameraJson(const store::CameraRecord& camera) {
  Json out = {{"id", camera.camera_id},
              {"name", camera.name},
              {"sign_public_key", wire::BytesField(camera.sign_public_key)},
              {"created", wire::FormatTime(camera.created_unix_s)}};
  out["retention_days"] = camera.retention_days ? Json(*camera.retention_days) : Json(nullptr);
  return out;
}

struct EnvelopeInput {
  std::string device_id;
  Bytes envelope;
};

Result<std::vector<EnvelopeInput>> RequireEnvelopes(const Json& body) {
  VIGIL_TRY(list, wire::RequireArray(body, "envelopes", kMaxEnvelopesPerRequest));
  if (list.empty()) return Fail(ErrorCode::kInvalidArgument, "envelopes: at least one is needed");
  std::vector<EnvelopeInput> out;
  for (const Json& item : list) {
    if (!item.is_object()) {
      return Fail(ErrorCode::kInvalidArgument, "envelopes: each item is an object");
    }
    VIGIL_TRY(device_id, RequireId(item, "device_id"));
    VIGIL_TRY(envelope, wire::RequireBytes(item, "envelope", 1, kMaxEnvelopeBytes));
    out.push_back({device_id, envelope});
  }
  return out;
}

}  // namespace

// GET /v1/keychain[?after=N]
Api::Impl::Reply Api::Impl::GetKeyChain(const Call& call) {
  VIGIL_TRY(query, internal::ParseQuery(call.route.query));
  std::int64_t after = 0;
  if (auto it = query.find("after"); it != query.end()) {
    const std::string& text = it->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), after);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || after < 0) {
      return Fail(ErrorCode::kInvalidArgument, "query 'after': expected a version number");
    }
  }
  VIGIL_TRY(versions, services.metadata.ListKeyChain(call.owner->session.account_id, after));
  Json list = Json::array();
  for (const store::KeyChainVersion& v : versions) {
    list.push_back({{"version", v.version},
                    {"payload", wire::BytesField(v.payload)},
                    {"signature", wire::BytesField(v.signature)},
                    {"created", wire::FormatTime(v.created_unix_s)}});
  }
  return JsonOk({{"account_id", call.owner->session.account_id}, {"versions", std::move(list)}});
}

// POST /v1/keychain {version, payload, signature}
Api::Impl::Reply Api::Impl::AppendKeyChain(const Call& call) {
  VIGIL_TRY(version, wire::RequireUint(call.body, "version", 1, INT32_MAX));
  VIGIL_TRY(payload, wire::RequireBytes(call.body, "payload", 1, kMaxKeyChainPayloadBytes));
  VIGIL_TRY(signature,
            wire::RequireBytes(call.body, "signature", kSignatureBytes, kSignatureBytes));
  const std::string& account_id = call.owner->session.account_id;
  const std::int64_t now = services.clock.NowUnixSeconds();
  auto appended = services.metadata.AppendKeyChainVersion(
      {account_id, static_cast<std::int64_t>(version), payload, signature, now},
      AuditBy(account_id, call.owner->session.device_id));
  if (!appended) {
    if (appended.error().code == ErrorCode::kFailedPrecondition) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "key chain version " + std::to_string(version) +
                      " does not follow the newest one: read the chain again");
    }
    return Fail(appended.error());
  }
  return JsonOk({{"version", version}}, 201);
}

// POST /v1/household {household_id, epoch, envelopes:[{device_id, envelope}]}
Api::Impl::Reply Api::Impl::CreateHousehold(const Call& call) {
  VIGIL_TRY(household_id, RequireId(call.body, "household_id"));
  VIGIL_TRY(epoch, wire::RequireUint(call.body, "epoch", 1, 1));
  VIGIL_TRY(envelopes, RequireEnvelopes(call.body));
  const std::string& account_id = call.owner->session.account_id;
  VIGIL_TRY(existing, services.metadata.ListHouseholdsByOwner(account_id));
  if (!existing.empty()) {
    return Fail(ErrorCode::kAlreadyExists, "this account already has a household");
  }
  const std::int64_t now = services.clock.NowUnixSeconds();
  const store::Audit audit = AuditBy(account_id, call.owner->session.device_id);
  auto created = services.metadata.CreateHousehold(
      {household_id, account_id, static_cast<std::int64_t>(epoch), std::nullopt, now}, audit);
  if (!created) {
    if (created.error().code == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAlreadyExists, "household id is taken");
    }
    return Fail(created.error());
  }
  for (const EnvelopeInput& e : envelopes) {
    auto put = services.metadata.PutKeyEnvelope(
        {household_id, e.device_id, static_cast<std::int64_t>(epoch), e.envelope, now}, audit);
    if (!put) return Fail(put.error());
  }
  return JsonOk({{"household_id", household_id}, {"epoch", epoch}}, 201);
}

// POST /v1/household/envelopes {epoch, envelopes:[{device_id, envelope}]}
Api::Impl::Reply Api::Impl::PutHouseholdEnvelopes(const Call& call) {
  VIGIL_TRY(household, OwnerHousehold(*call.owner));
  VIGIL_TRY(epoch, wire::RequireUint(call.body, "epoch", 1, INT32_MAX));
  if (static_cast<std::int64_t>(epoch) > household.epoch) {
    return Fail(ErrorCode::kFailedPrecondition,
                "epoch " + std::to_string(epoch) + " is newer than the household's");
  }
  VIGIL_TRY(envelopes, RequireEnvelopes(call.body));
  const std::int64_t now = services.clock.NowUnixSeconds();
  const store::Audit audit = AuditBy(call.owner->session.account_id, call.owner->session.device_id);
  for (const EnvelopeInput& e : envelopes) {
    auto put = services.metadata.PutKeyEnvelope(
        {household.household_id, e.device_id, static_cast<std::int64_t>(epoch), e.envelope, now},
        audit);
    if (!put) return Fail(put.error());
  }
  return JsonOk({{"stored", envelopes.size()}}, 201);
}

// GET /v1/household: id, epoch and the envelopes sealed to the caller's device.
Api::Impl::Reply Api::Impl::GetHousehold(const Call& call) {
  VIGIL_TRY(household, OwnerHousehold(*call.owner));
  VIGIL_TRY(envelopes, services.metadata.ListKeyEnvelopes(household.household_id, std::nullopt));
  Json mine = Json::array();
  for (const store::KeyEnvelopeRecord& e : envelopes) {
    if (e.device_id != call.owner->session.device_id) continue;
    mine.push_back({{"device_id", e.device_id},
                    {"epoch", e.epoch},
                    {"envelope", wire::BytesField(e.envelope)}});
  }
  return JsonOk({{"household_id", household.household_id},
                 {"epoch", household.epoch},
                 {"envelopes", std::move(mine)}});
}

// POST /v1/pairing (anonymous: the camera has no credential yet)
// {pairing_id, camera_sign_public_key, camera_box_public_key, mac, name}
Api::Impl::Reply Api::Impl::CreatePairingOffer(const Call& call) {
  VIGIL_TRY(id_text, wire::RequireString(call.body, "pairing_id", 43, 43));
  VIGIL_TRY(pairing_id, RequirePairingId(id_text));
  VIGIL_TRY(sign_key,
            wire::RequireBytes(call.body, "camera_sign_public_key", kKeyBytes, kKeyBytes));
  VIGIL_TRY(box_key, wire::RequireBytes(call.body, "camera_box_public_key", kKeyBytes, kKeyBytes));
  VIGIL_TRY(mac, wire::RequireBytes(call.body, "mac", kKeyBytes, kKeyBytes));
  VIGIL_TRY(name, wire::RequireString(call.body, "name", 1, 128));
  const std::int64_t now = services.clock.NowUnixSeconds();
  (void)services.metadata.DeleteExpiredPairingOffers(now);
  const std::int64_t expires = now + kOfferLifetimeSeconds;
  auto created = services.metadata.CreatePairingOffer(
      {pairing_id, sign_key, box_key, mac, name, now, expires});
  if (!created) {
    if (created.error().code == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAlreadyExists, "this pairing id is taken: make a new code");
    }
    return Fail(created.error());
  }
  return JsonOk({{"pairing_id", pairing_id}, {"expires", wire::FormatTime(expires)}}, 201);
}

// GET /v1/pairing/{id}/claim (anonymous: the pairing id, derived from the
// secret only the camera and the owner hold, is the capability).
Api::Impl::Reply Api::Impl::GetPairingClaim(const Call& call) {
  VIGIL_TRY(offer, services.metadata.GetPairingOffer(call.route.param));
  const std::int64_t now = services.clock.NowUnixSeconds();
  auto claim = services.metadata.GetPairingClaim(call.route.param);
  if (!claim) {
    if (claim.error().code != ErrorCode::kNotFound) return Fail(claim.error());
    if (now >= offer.expires_unix_s) {
      return Fail(ErrorCode::kFailedPrecondition, "the pairing offer expired: pair again");
    }
    return JsonOk({{"claimed", false}, {"expires", wire::FormatTime(offer.expires_unix_s)}});
  }
  if (now >= offer.expires_unix_s + kClaimPickupSeconds) {
    return Fail(NotFoundError("pairing offer"));
  }
  auto payload = wire::ParseObject(std::string_view(
      reinterpret_cast<const char*>(claim->claim_payload.data()), claim->claim_payload.size()));
  if (!payload) return Fail(ErrorCode::kInternal, "stored pairing claim is not JSON");
  return JsonOk({{"claimed", true},
                 {"camera_id", claim->camera_id},
                 {"household_id", claim->household_id},
                 {"credential", CameraCredential(services.server_secret, claim->camera_id)},
                 {"claim", std::move(*payload)}});
}

// GET /v1/pairing/{id} (owner): the camera's offer, for the owner to check
// against the code. A claimed offer is visible only to the claiming household.
Api::Impl::Reply Api::Impl::GetPairingOffer(const Call& call) {
  auto offer = services.metadata.GetPairingOffer(call.route.param);
  if (!offer) {
    if (offer.error().code == ErrorCode::kNotFound) {
      return Fail(NotFoundError("pairing offer (check the code; it may have expired)"));
    }
    return Fail(offer.error());
  }
  auto claim = services.metadata.GetPairingClaim(call.route.param);
  if (claim) {
    auto household = OwnerHousehold(*call.owner);
    if (!household || household->household_id != claim->household_id) {
      return Fail(NotFoundError("pairing offer (check the code; it may have expired)"));
    }
  } else if (services.clock.NowUnixSeconds() >= offer->expires_unix_s) {
    return Fail(NotFoundError("pairing offer (check the code; it may have expired)"));
  }
  return JsonOk({{"pairing_id", offer->pairing_id},
                 {"camera_sign_public_key", wire::BytesField(offer->camera_sign_public_key)},
                 {"camera_box_public_key", wire::BytesField(offer->camera_box_public_key)},
                 {"mac", wire::BytesField(offer->mac)},
                 {"claimed", claim.has_value()},
                 {"expires", wire::FormatTime(offer->expires_unix_s)}});
}

// POST /v1/pairing/{id}/claim (owner)
// {household_id, camera_id, name (sealed), claim:{owner_key, household_key,
//  epoch, owner_signature, mac}}
Api::Impl::Reply Api::Impl::ClaimPairingOffer(const Call& call) {
  // An unknown offer, or one another household claimed, reads as missing
  // before anything else is said about the request.
  auto offer = services.metadata.GetPairingOffer(call.route.param);
  if (!offer) {
    if (offer.error().code == ErrorCode::kNotFound) {
      return Fail(NotFoundError("pairing offer (check the code; it may have expired)"));
    }
    return Fail(offer.error());
  }
  if (auto earlier = services.metadata.GetPairingClaim(call.route.param)) {
    auto mine = OwnerHousehold(*call.owner);
    if (!mine || mine->household_id != earlier->household_id) {
      return Fail(NotFoundError("pairing offer (check the code; it may have expired)"));
    }
    return Fail(ErrorCode::kAlreadyExists,
                "this pairing code was already used: run vigil-agent pair again");
  }
  VIGIL_TRY(household_id, RequireId(call.body, "household_id"));
  VIGIL_TRY(camera_id, RequireId(call.body, "camera_id"));
  VIGIL_TRY(name, wire::RequireString(call.body, "name", 1, 128));
  auto sealed_name = Base64UrlDecode(name);
  if (!sealed_name || sealed_name->size() != kSealedCameraNameBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                "name: expected the sealed camera name (96 bytes in base64url)");
  }
  VIGIL_TRY(claim, wire::RequireObject(call.body, "claim"));
  VIGIL_TRY(owner_key, wire::RequireBytes(claim, "owner_key", kKeyBytes, kKeyBytes));
  VIGIL_TRY(household_key, wire::RequireBytes(claim, "household_key", kKeyBytes, kKeyBytes));
  VIGIL_TRY(epoch, wire::RequireUint(claim, "epoch", 1, INT32_MAX));
  VIGIL_TRY(signature,
            wire::RequireBytes(claim, "owner_signature", kSignatureBytes, kSignatureBytes));
  VIGIL_TRY(mac, wire::RequireBytes(claim, "mac", kKeyBytes, kKeyBytes));
  // The household must be the caller's: another household's id reads as missing.
  auto household = OwnerHousehold(*call.owner);
  if (!household || household->household_id != household_id) {
    return Fail(NotFoundError("household"));
  }
  if (static_cast<std::int64_t>(epoch) != household->epoch) {
    return Fail(ErrorCode::kFailedPrecondition, "the claim names another household key epoch");
  }
  // Only the fields the camera needs are kept, re-encoded canonically.
  const Json payload = {{"owner_key", wire::BytesField(owner_key)},
                        {"household_key", wire::BytesField(household_key)},
                        {"epoch", epoch},
                        {"owner_signature", wire::BytesField(signature)},
                        {"mac", wire::BytesField(mac)}};
  const std::string payload_text = wire::Dump(payload);
  const std::string credential = CameraCredential(services.server_secret, camera_id);
  const std::int64_t now = services.clock.NowUnixSeconds();
  const store::PairingClaim record{
      call.route.param,
      household_id,
      camera_id,
      internal::TokenHash(credential),
      Bytes(AsBytes(payload_text).begin(), AsBytes(payload_text).end()),
      call.owner->session.account_id,
      now};
  auto claimed = services.metadata.ClaimPairing(
      record, name, AuditBy(call.owner->session.account_id, call.owner->session.device_id));
  if (!claimed) {
    switch (claimed.error().code) {
      case ErrorCode::kNotFound:
        return Fail(NotFoundError("pairing offer (check the code; it may have expired)"));
      case ErrorCode::kAlreadyExists:
        return Fail(ErrorCode::kAlreadyExists,
                    "this pairing code was already used: run vigil-agent pair again");
      case ErrorCode::kFailedPrecondition:
        return Fail(ErrorCode::kFailedPrecondition,
                    "the pairing offer expired: run vigil-agent pair again");
      default: return Fail(claimed.error());
    }
  }
  return JsonOk({{"camera_id", camera_id}, {"household_id", household_id}}, 201);
}

// GET /v1/cameras: the caller's household's cameras (names stay sealed).
Api::Impl::Reply Api::Impl::ListCameras(const Call& call) {
  Json list = Json::array();
  auto household = OwnerHousehold(*call.owner);
  if (!household && household.error().code != ErrorCode::kNotFound) {
    return Fail(household.error());
  }
  if (household) {
    VIGIL_TRY(cameras, services.metadata.ListCameras(household->household_id));
    for (const store::CameraRecord& camera : cameras) {
      Json item = CameraJson(camera);
      // The owner's signed claim of this camera's key, as the owner's client
      // sent it: another device of the owner verifies the key with it. The
      // server only relays it (it cannot forge the owner's signature).
      item["claim"] = nullptr;
      auto claim = services.metadata.GetPairingClaimForCamera(camera.camera_id);
      if (claim) {
        auto payload = wire::ParseObject(
            std::string_view(reinterpret_cast<const char*>(claim->claim_payload.data()),
                             claim->claim_payload.size()));
        if (payload) {
          (*payload)["pairing_id"] = claim->pairing_id;
          item["claim"] = std::move(*payload);
        }
      } else if (claim.error().code != ErrorCode::kNotFound) {
        return Fail(claim.error());
      }
      list.push_back(std::move(item));
    }
    // The latest camera-signed heartbeat (the client verifies it) or nulls.
    VIGIL_TRY(heartbeats, Heartbeats(household->household_id));
    for (Json& item : list) {
      const auto beat = heartbeats.find(item["id"].get<std::string>());
      const bool has = beat != heartbeats.end();
      item["heartbeat"] = has ? Json(wire::BytesField(beat->second.heartbeat)) : Json(nullptr);
      item["heartbeat_received"] =
          has ? Json(wire::FormatTime(beat->second.received_unix_s)) : Json(nullptr);
    }
  }
  return JsonOk({{"cameras", std::move(list)}});
}

Result<store::CameraRecord> Api::Impl::OwnedCamera(const Call& call) {
  auto household = OwnerHousehold(*call.owner);
  auto camera = services.metadata.GetCamera(call.route.param);
  if (!household || !camera || camera->household_id != household->household_id) {
    if (camera || camera.error().code == ErrorCode::kNotFound) {
      return Fail(NotFoundError("camera"));
    }
    return Fail(camera.error());
  }
  return camera;
}

// PATCH /v1/cameras/{id} {retention_days: N | 0 | null}
Api::Impl::Reply Api::Impl::UpdateCamera(const Call& call) {
  VIGIL_TRY(camera, OwnedCamera(call));
  if (!call.body.contains("retention_days")) {
    return Fail(ErrorCode::kInvalidArgument, "field 'retention_days' is missing");
  }
  std::optional<std::int64_t> days;
  if (!call.body["retention_days"].is_null()) {
    VIGIL_TRY(n, wire::RequireUint(call.body, "retention_days", 0, kMaxRetentionDays));
    if (n > 0) days = static_cast<std::int64_t>(n);
  }
  auto set = services.metadata.SetCameraRetention(
      camera.camera_id, days,
      AuditBy(call.owner->session.account_id, call.owner->session.device_id));
  if (!set) return Fail(set.error());
  camera.retention_days = days;
  return JsonOk(CameraJson(camera));
}

// DELETE /v1/cameras/{id}: the camera, its clip rows, then their blobs.
Api::Impl::Reply Api::Impl::DeleteCamera(const Call& call) {
  VIGIL_TRY(camera, OwnedCamera(call));
  VIGIL_TRY(clips, services.metadata.DeleteCamera(
                       camera.camera_id,
                       AuditBy(call.owner->session.account_id, call.owner->session.device_id)));
  std::size_t blobs_deleted = 0;
  for (const std::string& clip_id : clips) {
    if (services.blobs.Delete(clip_id)) ++blobs_deleted;
  }
  return JsonOk(
      {{"deleted", true}, {"clips_deleted", clips.size()}, {"blobs_deleted", blobs_deleted}});
}

}  // namespace vigil::server
