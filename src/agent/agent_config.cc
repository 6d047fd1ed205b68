// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/agent_config.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <toml.hpp>

namespace vigil::agent {
namespace {

const std::set<std::string> kCameraKeys = {
    "name",         "state",        "source",         "detect_source",      "rtsp_transport",
    "audio",        "sensitivity",  "spool_mb",       "pre_roll_s",         "post_roll_s",
    "min_length_s", "max_length_s", "analysis_width", "analysis_fps",       "realtime",
    "loop",         "zone",         "mask",           "upload_retry_max_s", "objects"};
const std::set<std::string> kObjectKeys = {
    "enabled",   "model",    "rate",       "detect_width", "crop_to_motion",  "alert",
    "min_score", "min_area", "stationary", "zones",        "score_threshold", "preprocess"};
const std::set<std::string> kZoneKeys = {"name", "polygon"};

struct ConfigError {
  std::string message;
};

[[noreturn]] void Bad(const std::string& where, const std::string& what) {
  throw ConfigError{where + ": " + what};
}

void CheckKeys(const toml::value& table, const std::set<std::string>& allowed,
               const std::string& where) {
  if (!table.is_table()) Bad(where, "expected a table");
  for (const auto& [key, value] : table.as_table()) {
    (void)value;
    if (!allowed.contains(key)) Bad(where, "unknown key '" + key + "'");
  }
}

template <class T>
T Get(const toml::value& table, const std::string& key, T fallback, const std::string& where) {
  if (!table.contains(key)) return fallback;
  try {
    return toml::get<T>(table.at(key));
  } catch (const std::exception&) {
    Bad(where, "key '" + key + "' has the wrong type");
  }
}

double Number(const toml::value& table, const std::string& key, double fallback,
              const std::string& where) {
  if (!table.contains(key)) return fallback;
  const toml::value& v = table.at(key);
  if (v.is_integer()) return static_cast<double>(v.as_integer());
  if (v.is_floating()) return v.as_floating();
  Bad(where, "key '" + key + "' must be a number");
}

std::chrono::milliseconds Seconds(const toml::value& table, const std::string& key,
                                  std::chrono::milliseconds fallback, const std::string& where) {
  const double s = Number(table, key, static_cast<double>(fallback.count()) / 1000.0, where);
  if (s < 0 || s > 86400) Bad(where, "key '" + key + "' must be 0..86400 seconds");
  return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000.0));
}

std::vector<detect::Zone> Zones(const toml::value& camera, const std::string& key,
                                const std::string& where) {
  std::vector<detect::Zone> zones;
  if (!camera.contains(key)) return zones;
  const toml::value& list = camera.at(key);
  if (!list.is_array())
    Bad(where, "'" + key + "' must be an array of tables ([[camera." + key + "]])");
  for (std::size_t i = 0; i < list.as_array().size(); ++i) {
    const toml::value& z = list.as_array()[i];
    std::string zwhere = where;
    zwhere.append(" ").append(key).append(" ").append(std::to_string(i + 1));
    CheckKeys(z, kZoneKeys, zwhere);
    detect::Zone zone;
    zone.name = Get<std::string>(z, "name", "", zwhere);
    if (zone.name.empty()) Bad(zwhere, "a name is required");
    if (!z.contains("polygon") || !z.at("polygon").is_array()) {
      Bad(zwhere, "'polygon' is required: [[x, y], ...] in fractions of the frame");
    }
    for (const auto& point : z.at("polygon").as_array()) {
      if (!point.is_array() || point.as_array().size() != 2) {
        Bad(zwhere, "each polygon point is [x, y]");
      }
      auto coordinate = [&](const toml::value& c) {
        if (c.is_integer()) return static_cast<double>(c.as_integer());
        if (c.is_floating()) return c.as_floating();
        Bad(zwhere, "polygon coordinates must be numbers");
      };
      zone.polygon.push_back({coordinate(point.as_array()[0]), coordinate(point.as_array()[1])});
    }
    zones.push_back(std::move(zone));
  }
  return zones;
}

void Objects(const toml::value& camera, CameraOptions& o, const std::string& camera_where);

CameraConfig Camera(const toml::value& camera, std::size_t index, const std::string& state_root) {
  std::string where = "camera " + std::to_string(index + 1);
  CheckKeys(camera, kCameraKeys, where);
  CameraConfig config;
  config.name = Get<std::string>(camera, "name", "", where);
  if (config.name.empty()) Bad(where, "a name is required");
  where = "camera '" + config.name + "'";
  config.state_dir = Get<std::string>(camera, "state", config.name, where);
  if (!config.state_dir.starts_with("/")) config.state_dir = state_root + "/" + config.state_dir;
  CameraOptions& o = config.options;
  o.source.url = Get<std::string>(camera, "source", "", where);
  if (o.source.url.empty()) Bad(where, "a source is required (rtsp://..., a file or /dev/videoN)");
  o.source.detect_url = Get<std::string>(camera, "detect_source", "", where);
  const std::string transport = Get<std::string>(camera, "rtsp_transport", "tcp", where);
  if (transport == "tcp") {
    o.source.rtsp_transport = media::RtspTransport::kTcp;
  } else if (transport == "udp") {
    o.source.rtsp_transport = media::RtspTransport::kUdp;
  } else {
    Bad(where, "rtsp_transport must be \"tcp\" or \"udp\"");
  }
  const std::string audio = Get<std::string>(camera, "audio", "keep", where);
  if (audio == "keep") {
    o.source.audio = media::AudioPolicy::kKeep;
  } else if (audio == "drop") {
    o.source.audio = media::AudioPolicy::kDrop;
  } else {
    Bad(where, "audio must be \"keep\" or \"drop\"");
  }
  o.source.realtime = Get<bool>(camera, "realtime", false, where);
  o.source.loop = Get<bool>(camera, "loop", false, where);
  const double width = Number(camera, "analysis_width", o.source.analysis_width, where);
  if (width < 64 || width > 1920) Bad(where, "analysis_width must be 64..1920");
  o.source.analysis_width = static_cast<int>(width);
  o.source.analysis_fps = Number(camera, "analysis_fps", o.source.analysis_fps, where);
  if (o.source.analysis_fps < 0 || o.source.analysis_fps > 60)
    Bad(where, "analysis_fps must be 0..60");
  const double sensitivity = Number(camera, "sensitivity", o.motion.sensitivity, where);
  if (sensitivity < 1 || sensitivity > 10 || sensitivity != std::floor(sensitivity)) {
    Bad(where, "sensitivity must be an integer 1..10");
  }
  o.motion.sensitivity = static_cast<int>(sensitivity);
  o.motion.zones = Zones(camera, "zone", where);
  o.motion.masks = Zones(camera, "mask", where);
  Objects(camera, o, where);
  const double spool_mb =
      Number(camera, "spool_mb", static_cast<double>(o.spool_bytes >> 20), where);
  if (spool_mb < 16 || spool_mb > 1048576) Bad(where, "spool_mb must be 16..1048576");
  o.spool_bytes = static_cast<std::uint64_t>(spool_mb) << 20;
  o.events.pre_roll = Seconds(camera, "pre_roll_s", o.events.pre_roll, where);
  o.events.post_roll = Seconds(camera, "post_roll_s", o.events.post_roll, where);
  o.events.min_length = Seconds(camera, "min_length_s", o.events.min_length, where);
  o.events.max_length = Seconds(camera, "max_length_s", o.events.max_length, where);
  if (o.events.max_length < o.events.min_length) Bad(where, "max_length_s is below min_length_s");
  o.upload_retry_max = Seconds(camera, "upload_retry_max_s", o.upload_retry_max, where);
  if (o.upload_retry_max < std::chrono::seconds(1))
    Bad(where, "upload_retry_max_s must be at least 1");
  return config;
}

// [camera.objects]: the object detector and the owner's rules.
void Objects(const toml::value& camera, CameraOptions& o, const std::string& camera_where) {
  if (!camera.contains("objects")) return;
  const std::string where = camera_where + " objects";
  const toml::value& t = camera.at("objects");
  CheckKeys(t, kObjectKeys, where);
  ObjectOptions& objects = o.objects;
  objects.enabled = Get<bool>(t, "enabled", true, where);
  objects.model = Get<std::string>(t, "model", objects.model, where);
  objects.rate = Number(t, "rate", objects.rate, where);
  if (!(objects.rate > 0 && objects.rate <= 30))
    Bad(where, "rate must be within (0, 30] per second");
  const double width = Number(t, "detect_width", objects.detect_width, where);
  if (width < 64 || width > 4096) Bad(where, "detect_width must be 64..4096");
  objects.detect_width = static_cast<int>(width);
  objects.crop_to_motion = Get<bool>(t, "crop_to_motion", objects.crop_to_motion, where);
  const double threshold = Number(t, "score_threshold", objects.detector.score_threshold, where);
  if (!(threshold > 0 && threshold <= 1)) Bad(where, "score_threshold must be within (0, 1]");
  objects.detector.score_threshold = static_cast<float>(threshold);
  const std::string preprocess = Get<std::string>(t, "preprocess", "letterbox-bgr", where);
  if (preprocess == "letterbox-bgr") {
    objects.detector.preprocess = detect::Preprocess::kLetterboxBgr;
  } else if (preprocess == "stretch-rgb") {
    objects.detector.preprocess = detect::Preprocess::kStretchRgb;
  } else {
    Bad(where, "preprocess must be \"letterbox-bgr\" or \"stretch-rgb\"");
  }
  detect::ObjectRules& rules = objects.rules;
  if (t.contains("alert")) rules.alert = Get<std::vector<std::string>>(t, "alert", {}, where);
  for (const auto& label : rules.alert) {
    if (label.empty()) Bad(where, "alert has an empty label");
  }
  const double min_score = Number(t, "min_score", rules.min_score, where);
  if (min_score < 0 || min_score > 1) Bad(where, "min_score must be 0..1");
  rules.min_score = static_cast<float>(min_score);
  rules.min_area = Number(t, "min_area", rules.min_area, where);
  if (rules.min_area < 0 || rules.min_area > 1)
    Bad(where, "min_area must be 0..1 (a share of the frame)");
  const std::string stationary = Get<std::string>(t, "stationary", "suppress", where);
  if (stationary == "suppress") {
    rules.stationary_alerts = false;
  } else if (stationary == "alert") {
    rules.stationary_alerts = true;
  } else {
    Bad(where, "stationary must be \"suppress\" or \"alert\"");
  }
  if (t.contains("zones")) {
    const toml::value& zones = t.at("zones");
    if (!zones.is_table()) Bad(where, "zones must be a table: kind = [\"zone\", ...]");
    for (const auto& [kind, names] : zones.as_table()) {
      std::vector<std::string> list;
      try {
        list = toml::get<std::vector<std::string>>(names);
      } catch (const std::exception&) {
        Bad(where, "zones." + kind + " must be a list of zone names");
      }
      for (const auto& name : list) {
        const bool known = std::any_of(o.motion.zones.begin(), o.motion.zones.end(),
                                       [&](const detect::Zone& z) { return z.name == name; });
        if (!known) {
          std::string what = "zones.";
          what += kind;
          what += " names '";
          what += name;
          what += "', which is not a [[camera.zone]]";
          Bad(where, what);
        }
      }
      rules.zones_for[kind] = std::move(list);
    }
  }
}

}  // namespace

Result<std::vector<CameraConfig>> ParseAgentConfig(const std::string& text,
                                                   const std::string& file_name,
                                                   const std::string& state_root) {
  try {
    std::istringstream in(text);
    const toml::value root = toml::parse(in, file_name);
    CheckKeys(root, {"camera"}, file_name);
    if (!root.contains("camera") || !root.at("camera").is_array() ||
        root.at("camera").as_array().empty()) {
      Bad(file_name, "no cameras: add a [[camera]] table per camera");
    }
    std::vector<CameraConfig> cameras;
    std::set<std::string> names, states;
    const auto& list = root.at("camera").as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      CameraConfig camera = Camera(list[i], i, state_root);
      if (!names.insert(camera.name).second)
        Bad(file_name, "two cameras named '" + camera.name + "'");
      if (!states.insert(camera.state_dir).second) {
        Bad(file_name, "cameras share the state directory " + camera.state_dir);
      }
      cameras.push_back(std::move(camera));
    }
    return cameras;
  } catch (const ConfigError& e) {
    return Fail(ErrorCode::kInvalidArgument, file_name + ": " + e.message);
  } catch (const std::exception& e) {
    // toml11's syntax errors are multi-line with a source excerpt: keep it.
    return Fail(ErrorCode::kInvalidArgument, std::string(e.what()));
  }
}

}  // namespace vigil::agent
