// SPDX-License-Identifier: Apache-2.0
// How `vigil events watch` prints what it reports (the live part runs in
// tests/integration/test_alerts.py).
#include "vigil/client/alerts.h"

#include <gtest/gtest.h>

namespace vigil::client {
namespace {

constexpr std::int64_t kT = 1796052001;  // 2026-11-30T15:20:01Z

AlertNotice Verified(seal::AlertKind kind, std::uint64_t sequence) {
  AlertNotice n;
  n.alert_id = "alr_00000001";
  n.camera_id = "cam_porch000";
  n.camera_name = "porch";
  n.received_unix_s = kT + 1;
  n.verified = true;
  n.content = {kind, "evt_0000abcd", static_cast<std::uint64_t>(kT), sequence, {"person"}, 4200};
  return n;
}

TEST(AlertNoticeTest, VerifiedAlertsPrintTheEventTimeCameraKindLabelsAndClip) {
  EXPECT_EQ(FormatAlertNotice(Verified(seal::AlertKind::kEventStarted, 0)),
            "2026-11-30T15:20:01Z porch  event started  person  (clip evt_0000abcd)");
  EXPECT_EQ(FormatAlertNotice(Verified(seal::AlertKind::kClipComplete, 17)),
            "2026-11-30T15:20:01Z porch  clip complete  person  (clip evt_0000abcd, #17)");
  AlertNotice none = Verified(seal::AlertKind::kEventStarted, 0);
  none.content.labels.clear();
  EXPECT_NE(FormatAlertNotice(none).find("  motion  "), std::string::npos);
  const wire::Json j = AlertNoticeJson(Verified(seal::AlertKind::kClipComplete, 17));
  EXPECT_EQ(j["type"], "alert");
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["kind"], "clip_complete");
  EXPECT_EQ(j["time"], "2026-11-30T15:20:01Z");
  EXPECT_EQ(j["received"], "2026-11-30T15:20:02Z");
  EXPECT_EQ(j["clip_id"], "evt_0000abcd");
  EXPECT_EQ(j["sequence"], 17);
  EXPECT_EQ(j["labels"], wire::Json::array({"person"}));
  EXPECT_EQ(j["motion_score"], 4200);
  EXPECT_EQ(j["camera"], "porch");
}

TEST(AlertNoticeTest, UnverifiedAlertsShowTheProblemAndNoContent) {
  AlertNotice n = Verified(seal::AlertKind::kEventStarted, 0);
  n.verified = false;
  n.problem = "verification failed";
  const std::string line = FormatAlertNotice(n);
  EXPECT_NE(line.find("unverified alert alr_00000001"), std::string::npos) << line;
  EXPECT_NE(line.find("verification failed"), std::string::npos);
  EXPECT_EQ(line.find("person"), std::string::npos);
  const wire::Json j = AlertNoticeJson(n);
  EXPECT_EQ(j["verified"], false);
  EXPECT_EQ(j["problem"], "verification failed");
  EXPECT_FALSE(j.contains("labels"));
}

TEST(AlertNoticeTest, SilentCamerasSaySinceWhen) {
  AlertNotice n;
  n.type = AlertNotice::Type::kCameraSilent;
  n.camera_id = "cam_porch000";
  n.camera_name = "porch";
  n.now_unix_s = kT + 600;
  n.last_heartbeat_unix_s = kT;
  EXPECT_EQ(FormatAlertNotice(n),
            "2026-11-30T15:30:01Z porch  camera silent since 2026-11-30T15:20:01Z");
  EXPECT_EQ(AlertNoticeJson(n)["type"], "camera_silent");
  EXPECT_EQ(AlertNoticeJson(n)["since"], "2026-11-30T15:20:01Z");
  n.last_heartbeat_unix_s.reset();
  EXPECT_NE(FormatAlertNotice(n).find("no heartbeat received"), std::string::npos);
  EXPECT_TRUE(AlertNoticeJson(n)["since"].is_null());
}

}  // namespace
}  // namespace vigil::client
