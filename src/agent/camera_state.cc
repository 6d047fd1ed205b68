// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/camera_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "vigil/core/files.h"
#include "vigil/core/os_error.h"
#include "vigil/wire/json.h"

namespace vigil::agent {
namespace {

using crypto::InsecureSecretAccess;
constexpr std::string_view kFormat = "vigil-camera/v1";

std::string StatePath(const std::string& dir) { return dir + "/camera.json"; }

Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(FromErrno(errno, "mkdir " + dir));
  }
  ::chmod(dir.c_str(), 0700);
  return OkStatus();
}

// Exclusive for `init` (never replaces an identity), replacing afterwards.
Status WriteStateFile(const std::string& dir, const std::string& text, bool exclusive) {
  const std::string path = StatePath(dir);
  Status written = WriteFileAtomically(path, text, 0600, exclusive);
  if (!written && written.error().code == ErrorCode::kAlreadyExists) {
    return Fail(ErrorCode::kAlreadyExists,
                path + " already holds a camera identity; refusing to overwrite it");
  }
  return written;
}

std::string SecretField(const crypto::SecretBytes& secret) {
  return Base64UrlEncode(secret.Reveal(InsecureSecretAccess::Get()));
}

Result<crypto::SecretBytes> SecretFrom(const wire::Json& json, std::string_view field) {
  VIGIL_TRY(bytes, wire::RequireBytes(json, field, 32, 32));
  crypto::SecretBytes secret(bytes, InsecureSecretAccess::Get());
  crypto::Wipe(bytes);
  return secret;
}

Result<CameraPairing> PairingFrom(const wire::Json& p) {
  VIGIL_TRY(camera_id, wire::RequireString(p, "camera_id", 1, 64));
  VIGIL_TRY(household_id, wire::RequireString(p, "household_id", 1, 64));
  VIGIL_TRY(credential, wire::RequireString(p, "credential", 16, 512));
  VIGIL_TRY(household_bytes, wire::RequireBytes(p, "household_public_key", 32, 32));
  VIGIL_TRY(epoch, wire::RequireUint(p, "household_epoch", 1));
  VIGIL_TRY(owner_bytes, wire::RequireBytes(p, "owner_sign_public_key", 32, 32));
  VIGIL_TRY(name, wire::RequireString(p, "name", 1, 256));
  VIGIL_TRY(household_key, seal::HouseholdPublicKey::FromBytes(household_bytes));
  VIGIL_TRY(owner_key, crypto::VerifyKey::FromBytes(owner_bytes));
  return CameraPairing{camera_id, household_id, credential, household_key, epoch, owner_key, name};
}

}  // namespace

Result<CameraState> CameraState::Create(const std::string& dir, const std::string& server_url,
                                        const std::string& ca_path) {
  if (!server_url.starts_with("https://") && !server_url.starts_with("http://")) {
    return Fail(ErrorCode::kInvalidArgument, "--server must be an https:// (or http://) URL");
  }
  if (::access(StatePath(dir).c_str(), F_OK) == 0) {
    return Fail(ErrorCode::kAlreadyExists,
                StatePath(dir) + " already holds a camera identity; refusing to overwrite it");
  }
  if (auto made = MakeDir(dir); !made) return Fail(made.error());
  CameraState state(dir, server_url, ca_path, crypto::SigningKey::Generate(),
                    seal::DevicePrivateKey::Generate());
  if (auto saved = state.Save(true); !saved) return Fail(saved.error());
  return state;
}

Result<CameraState> CameraState::Load(const std::string& dir) {
  auto text = ReadFile(StatePath(dir));
  if (!text) {
    if (text.error().code != ErrorCode::kNotFound) return Fail(text.error());
    return Fail(ErrorCode::kNotFound,
                "no camera identity in " + dir + ": run vigil-agent init --state " + dir);
  }
  auto json = wire::ParseObject(*text);
  auto corrupt = [&](const Error& e) {
    return Error{ErrorCode::kDataLoss, StatePath(dir) + " is corrupt: " + e.message};
  };
  if (!json) return Fail(corrupt(json.error()));
  auto format = wire::RequireString(*json, "format", 1, 64);
  if (!format || *format != kFormat) {
    return Fail(ErrorCode::kDataLoss, StatePath(dir) + " is not a vigil camera state file");
  }
  auto server_url = wire::RequireString(*json, "server_url", 1, 2048);
  auto ca_path = wire::OptionalString(*json, "ca_path", 0, 4096);
  auto sign_seed = SecretFrom(*json, "sign_key");
  auto box_secret = SecretFrom(*json, "box_key");
  if (!server_url) return Fail(corrupt(server_url.error()));
  if (!ca_path) return Fail(corrupt(ca_path.error()));
  if (!sign_seed) return Fail(corrupt(sign_seed.error()));
  if (!box_secret) return Fail(corrupt(box_secret.error()));
  auto signing_key = crypto::SigningKey::FromSeed(std::move(*sign_seed));
  auto box_key = seal::DevicePrivateKey::FromSecret(std::move(*box_secret));
  if (!signing_key) return Fail(corrupt(signing_key.error()));
  if (!box_key) return Fail(corrupt(box_key.error()));
  CameraState state(dir, *server_url, *ca_path ? **ca_path : std::string(), std::move(*signing_key),
                    std::move(*box_key));
  if (json->contains("pairing") && !(*json)["pairing"].is_null()) {
    auto pairing = PairingFrom((*json)["pairing"]);
    if (!pairing) return Fail(corrupt(pairing.error()));
    state.pairing_ = std::move(*pairing);
  }
  return state;
}

Result<const CameraPairing*> CameraState::RequirePairing() const {
  if (!pairing_) {
    return Fail(ErrorCode::kFailedPrecondition,
                "this camera is not paired yet: run vigil-agent pair --state " + dir_);
  }
  return &*pairing_;
}

Status CameraState::SetPairing(CameraPairing pairing) {
  if (pairing_) return Fail(ErrorCode::kAlreadyExists, "this camera is already paired");
  pairing_ = std::move(pairing);
  auto saved = Save(false);
  if (!saved) pairing_.reset();
  return saved;
}

Status CameraState::Save(bool exclusive) const {
  wire::Json json = {{"format", kFormat},
                     {"server_url", server_url_},
                     {"ca_path", ca_path_},
                     {"sign_key", SecretField(signing_key_.seed())},
                     {"sign_public_key", wire::BytesField(signing_key_.verify_key().bytes())},
                     {"box_key", SecretField(box_key_.secret())},
                     {"box_public_key", wire::BytesField(box_key_.public_key().bytes())}};
  if (pairing_) {
    json["pairing"] = {{"camera_id", pairing_->camera_id},
                       {"household_id", pairing_->household_id},
                       {"credential", pairing_->credential},
                       {"household_public_key", wire::BytesField(pairing_->household_key.bytes())},
                       {"household_epoch", pairing_->household_epoch},
                       {"owner_sign_public_key", wire::BytesField(pairing_->owner_key.bytes())},
                       {"name", pairing_->name}};
  }
  return WriteStateFile(dir_, json.dump(1) + "\n", exclusive);
}

}  // namespace vigil::agent
