// SPDX-License-Identifier: Apache-2.0
#include "vigil/server/route.h"

#include <initializer_list>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace vigil::server {
namespace {

TEST(RouteTest, DecodesEveryRouteOfTheTable) {
  for (const RouteSpec& spec : RouteTable()) {
    std::string target(spec.pattern);
    const auto brace = target.find("{id}");
    if (brace != std::string::npos) target.replace(brace, 4, "abc_DEF-123");
    const Route route = DecodeRoute(spec.method, target + "?since=1");
    EXPECT_EQ(route.id, spec.id) << spec.method << " " << spec.pattern;
    EXPECT_EQ(route.caller, spec.caller);
    EXPECT_EQ(route.param, brace == std::string::npos ? "" : "abc_DEF-123");
    EXPECT_EQ(route.query, "since=1");
  }
}

TEST(RouteTest, EveryRouteIdAppearsOnceWithAName) {
  std::set<RouteId> ids;
  std::set<std::string_view> names;
  for (const RouteSpec& spec : RouteTable()) {
    EXPECT_TRUE(ids.insert(spec.id).second) << RouteName(spec.id);
    names.insert(RouteName(spec.id));
  }
  EXPECT_EQ(names.size(), ids.size());
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(RouteTest, RoutesThatNameAnObjectDeclareItsOwner) {
  for (const RouteSpec& spec : RouteTable()) {
    const bool has_id = spec.pattern.find("{id}") != std::string_view::npos;
    // The camera polling its claim proves itself by the unguessable id.
    if (spec.id == RouteId::kGetPairingClaim) continue;
    EXPECT_EQ(has_id, spec.owned != Owned::kNothing) << spec.pattern;
  }
}

TEST(RouteTest, UnknownPathsAndBadIdsAreNotFound) {
  for (const std::string& target : std::initializer_list<std::string>{
           "/", "/v1", "/v1/clips/", "/v1/clips/a/b/data", "/v1/clips/../accounts/data",
           "/v1/clips/a%2Fb", "/v1/clips/" + std::string(129, 'a'), "/v1/clipsX", "/V1/clips",
           "//v1/clips", "/v1/clips/a.b"}) {
    EXPECT_EQ(DecodeRoute("GET", target).id, RouteId::kNotFound) << target;
  }
}

TEST(RouteTest, WrongMethodIsReportedAsSuch) {
  const Route route = DecodeRoute("DELETE", "/v1/events");
  EXPECT_EQ(route.id, RouteId::kNotFound);
  EXPECT_TRUE(route.method_not_allowed);
  EXPECT_FALSE(DecodeRoute("GET", "/nope").method_not_allowed);
}

TEST(RouteTest, SameIdRouteWithDifferentMethodsDecodesSeparately) {
  EXPECT_EQ(DecodeRoute("GET", "/v1/clips/x1").id, RouteId::kGetClip);
  EXPECT_EQ(DecodeRoute("DELETE", "/v1/clips/x1").id, RouteId::kDeleteClip);
  EXPECT_EQ(DecodeRoute("GET", "/v1/clips/x1/data").id, RouteId::kDownloadClip);
  EXPECT_EQ(DecodeRoute("PUT", "/v1/clips/x1/data").id, RouteId::kUploadClipData);
  EXPECT_EQ(DecodeRoute("POST", "/v1/clips").id, RouteId::kDeclareClip);
}

}  // namespace
}  // namespace vigil::server
