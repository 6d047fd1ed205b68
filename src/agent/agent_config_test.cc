// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/agent_config.h"

#include <gtest/gtest.h>

namespace vigil::agent {
namespace {

TEST(AgentConfigTest, ParsesSeveralCamerasWithZonesAndMasks) {
  const std::string text = R"(
[[camera]]
name = "porch"
source = "rtsp://10.0.0.5/main"
detect_source = "rtsp://10.0.0.5/sub"
rtsp_transport = "udp"
audio = "drop"
sensitivity = 7
spool_mb = 2048
pre_roll_s = 3
post_roll_s = 8.5
[[camera.zone]]
name = "steps"
polygon = [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]
[[camera.mask]]
name = "street"
polygon = [[0, 0], [1, 0], [1, 0.2]]

[[camera]]
name = "garden"
state = "/var/lib/vigil/garden"
source = "/dev/video0"
)";
  auto cameras = ParseAgentConfig(text, "cameras.toml", "/srv/agent");
  ASSERT_TRUE(cameras.has_value()) << cameras.error().ToString();
  ASSERT_EQ(cameras->size(), 2u);
  const CameraConfig& porch = (*cameras)[0];
  EXPECT_EQ(porch.state_dir, "/srv/agent/porch");
  EXPECT_EQ(porch.options.source.detect_url, "rtsp://10.0.0.5/sub");
  EXPECT_EQ(porch.options.source.rtsp_transport, media::RtspTransport::kUdp);
  EXPECT_EQ(porch.options.source.audio, media::AudioPolicy::kDrop);
  EXPECT_EQ(porch.options.motion.sensitivity, 7);
  EXPECT_EQ(porch.options.spool_bytes, std::uint64_t{2048} << 20);
  EXPECT_EQ(porch.options.events.pre_roll, std::chrono::milliseconds(3000));
  EXPECT_EQ(porch.options.events.post_roll, std::chrono::milliseconds(8500));
  ASSERT_EQ(porch.options.motion.zones.size(), 1u);
  EXPECT_EQ(porch.options.motion.zones[0].name, "steps");
  EXPECT_DOUBLE_EQ(porch.options.motion.zones[0].polygon[1].x, 1.0);
  ASSERT_EQ(porch.options.motion.masks.size(), 1u);
  EXPECT_EQ((*cameras)[1].state_dir, "/var/lib/vigil/garden");
  EXPECT_EQ((*cameras)[1].options.motion.sensitivity, 5);
}

TEST(AgentConfigTest, MistakesAreErrorsNamingTheCameraAndKey) {
  struct Case {
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"[[camera]]\nname = \"a\"\nsource = \"x\"\nsensitivty = 3\n", "unknown key 'sensitivty'"},
      {"[[camera]]\nname = \"a\"\n", "camera 'a': a source is required"},
      {"[[camera]]\nname = \"a\"\nsource = \"x\"\nsensitivity = 11\n", "sensitivity must be"},
      {"[[camera]]\nname = \"a\"\nsource = \"x\"\nrtsp_transport = \"sctp\"\n", "rtsp_transport"},
      {"[[camera]]\nname = \"a\"\nsource = \"x\"\n[[camera]]\nname = \"a\"\nsource = \"y\"\n",
       "two cameras named 'a'"},
      {"[[camera]]\nname = \"a\"\nsource = \"x\"\n[[camera.zone]]\nname = \"z\"\npolygon = [1, "
       "2]\n",
       "each polygon point is [x, y]"},
      {"title = \"x\"\n", "unknown key 'title'"},
      {"", "no cameras"},
      {"[[camera]\n", "cameras.toml"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseAgentConfig(c.text, "cameras.toml", "/srv");
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find(c.expect), std::string::npos)
        << c.text << " -> " << parsed.error().message;
  }
}

TEST(AgentConfigTest, ObjectRulesAreReadAndCheckedAgainstTheZones) {
  const std::string base = R"(
[[camera]]
name = "street"
source = "rtsp://cam/main"
[[camera.zone]]
name = "driveway"
polygon = [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]
)";
  auto cameras = ParseAgentConfig(base + R"(
[camera.objects]
model = "/models/yolov5s.onnx"
rate = 3
detect_width = 800
crop_to_motion = false
score_threshold = 0.3
preprocess = "stretch-rgb"
alert = ["person", "vehicle"]
min_score = 0.6
min_area = 0.01
stationary = "alert"
[camera.objects.zones]
vehicle = ["driveway"]
)",
                                  "cameras.toml", "/srv");
  ASSERT_TRUE(cameras.has_value()) << cameras.error().ToString();
  const ObjectOptions& o = (*cameras)[0].options.objects;
  EXPECT_TRUE(o.enabled);
  EXPECT_EQ(o.model, "/models/yolov5s.onnx");
  EXPECT_DOUBLE_EQ(o.rate, 3);
  EXPECT_EQ(o.detect_width, 800);
  EXPECT_FALSE(o.crop_to_motion);
  EXPECT_FLOAT_EQ(o.detector.score_threshold, 0.3F);
  EXPECT_EQ(o.detector.preprocess, detect::Preprocess::kStretchRgb);
  EXPECT_EQ(o.rules.alert, (std::vector<std::string>{"person", "vehicle"}));
  EXPECT_FLOAT_EQ(o.rules.min_score, 0.6F);
  EXPECT_DOUBLE_EQ(o.rules.min_area, 0.01);
  EXPECT_TRUE(o.rules.stationary_alerts);
  EXPECT_EQ(o.rules.zones_for.at("vehicle"), std::vector<std::string>{"driveway"});

  // Without the table, detection is off; with an empty one, on with defaults.
  auto off = ParseAgentConfig(base, "cameras.toml", "/srv");
  ASSERT_TRUE(off.has_value());
  EXPECT_FALSE((*off)[0].options.objects.enabled);
  auto on = ParseAgentConfig(base + "[camera.objects]\n", "cameras.toml", "/srv");
  ASSERT_TRUE(on.has_value());
  EXPECT_TRUE((*on)[0].options.objects.enabled);
  EXPECT_EQ((*on)[0].options.objects.model, "nanodet");

  for (const auto& [bad, says] : std::vector<std::pair<std::string, std::string>>{
           {"[camera.objects]\nzones = { vehicle = [\"garage\"] }\n", "'garage'"},
           {"[camera.objects]\nrate = 0\n", "rate"},
           {"[camera.objects]\nmin_score = 1.5\n", "min_score"},
           {"[camera.objects]\nstationary = \"maybe\"\n", "stationary"},
           {"[camera.objects]\npreprocess = \"crop\"\n", "preprocess"},
           {"[camera.objects]\nalert = [\"\"]\n", "empty label"},
           {"[camera.objects]\nlabels = [\"person\"]\n", "unknown key 'labels'"},
       }) {
    auto parsed = ParseAgentConfig(base + bad, "cameras.toml", "/srv");
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_NE(parsed.error().message.find(says), std::string::npos) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("street"), std::string::npos) << parsed.error().message;
  }
}

}  // namespace
}  // namespace vigil::agent
