// SPDX-License-Identifier: Apache-2.0
#include "vigil/client/profile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "vigil/core/files.h"
#include "vigil/core/os_error.h"
#include "vigil/wire/json.h"

namespace vigil::client {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

Status MakeDirs(const std::string& dir) {
  std::string path;
  for (std::size_t pos = 0; pos != std::string::npos;) {
    const std::size_t next = dir.find('/', pos + 1);
    path = dir.substr(0, next);
    if (!path.empty() && ::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return Fail(FromErrno(errno, "mkdir " + path));
    }
    pos = next;
  }
  return OkStatus();
}

std::string ProfilePath(const Profile& p) { return p.dir + "/profile.json"; }

}  // namespace

Result<std::string> ProfileDir(const std::string& name) {
  if (!ValidName(name)) {
    return Fail(ErrorCode::kInvalidArgument, "profile names are 1..64 of [A-Za-z0-9_-]");
  }
  if (const char* home = std::getenv("VIGIL_HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/" + name;
  }
  const char* user_home = std::getenv("HOME");
  if (user_home == nullptr || *user_home == '\0') {
    return Fail(ErrorCode::kFailedPrecondition, "neither VIGIL_HOME nor HOME is set");
  }
  return std::string(user_home) + "/.config/vigil/" + name;
}

Result<Profile> LoadProfile(const std::string& name) {
  VIGIL_TRY(dir, ProfileDir(name));
  Profile profile;
  profile.name = name;
  profile.dir = dir;
  std::ifstream in(ProfilePath(profile));
  if (!in) return profile;
  const std::string text(std::istreambuf_iterator<char>(in), {});
  auto json = wire::ParseObject(text);
  if (!json) return Fail(ErrorCode::kDataLoss, "profile " + ProfilePath(profile) + " is corrupt");
  auto get = [&](const char* field) {
    auto v = wire::OptionalString(*json, field, 0, 4096);
    return v && *v ? **v : std::string();
  };
  profile.server_url = get("server_url");
  profile.ca_path = get("ca_path");
  profile.email = get("email");
  profile.account_id = get("account_id");
  profile.device_id = get("device_id");
  profile.account_secret_key = get("account_secret_key");
  profile.session_token = get("session_token");
  profile.device_box_key = get("device_box_key");
  profile.device_sign_key = get("device_sign_key");
  profile.account_signing_key = get("account_signing_key");
  profile.household_id = get("household_id");
  profile.household_public_key = get("household_public_key");
  profile.key_chain_hash = get("key_chain_hash");
  auto get_int = [&](const char* field) -> std::int64_t {
    auto v = wire::OptionalUint(*json, field, 0, INT64_MAX);
    return v && *v ? static_cast<std::int64_t>(**v) : 0;
  };
  profile.household_epoch = get_int("household_epoch");
  profile.key_chain_version = get_int("key_chain_version");
  // Malformed entries are dropped: a camera then reads as not verified.
  if (auto it = json->find("camera_keys"); it != json->end() && it->is_object()) {
    for (const auto& [id, v] : it->items()) {
      if (!v.is_object()) continue;
      auto key = wire::OptionalString(v, "sign_key", 1, 64);
      auto trust = wire::OptionalString(v, "trust", 1, 64);
      if (key && *key && trust && *trust) profile.camera_keys[id] = {**key, **trust};
    }
  }
  if (auto it = json->find("chain_points"); it != json->end() && it->is_object()) {
    for (const auto& [id, v] : it->items()) {
      if (!v.is_object()) continue;
      auto seq = wire::OptionalUint(v, "sequence", 1, INT64_MAX);
      auto hash = wire::OptionalString(v, "manifest_hash", 1, 64);
      if (seq && *seq && hash && *hash) profile.chain_points[id] = {**seq, **hash};
    }
  }
  return profile;
}

Status SaveProfile(const Profile& profile) {
  auto made = MakeDirs(profile.dir);
  if (!made) return made;
  wire::Json json = {{"format", "vigil-profile/v1"},
                     {"server_url", profile.server_url},
                     {"ca_path", profile.ca_path},
                     {"email", profile.email},
                     {"account_id", profile.account_id},
                     {"device_id", profile.device_id},
                     {"account_secret_key", profile.account_secret_key},
                     {"session_token", profile.session_token},
                     {"device_box_key", profile.device_box_key},
                     {"device_sign_key", profile.device_sign_key},
                     {"account_signing_key", profile.account_signing_key},
                     {"household_id", profile.household_id},
                     {"household_epoch", profile.household_epoch},
                     {"household_public_key", profile.household_public_key},
                     {"key_chain_version", profile.key_chain_version},
                     {"key_chain_hash", profile.key_chain_hash}};
  wire::Json cameras = wire::Json::object();
  for (const auto& [id, c] : profile.camera_keys) {
    cameras[id] = {{"sign_key", c.sign_key}, {"trust", c.trust}};
  }
  json["camera_keys"] = cameras;
  wire::Json chain = wire::Json::object();
  for (const auto& [id, p] : profile.chain_points) {
    chain[id] = {{"sequence", p.sequence}, {"manifest_hash", p.manifest_hash}};
  }
  json["chain_points"] = chain;
  return WriteFileAtomically(ProfilePath(profile), json.dump(1) + "\n", 0600, false);
}

}  // namespace vigil::client
