// SPDX-License-Identifier: Apache-2.0
#include "vigil/server/login_throttle.h"

#include <gtest/gtest.h>

namespace vigil::server {
namespace {

TEST(LoginThrottleTest, DelaysGrowAfterEachFailureAndCap) {
  FakeClock clock;
  LoginThrottle throttle(clock);
  EXPECT_TRUE(throttle.Check("alice", "10.0.0.1"));
  std::int64_t expected = 1000;
  for (int i = 0; i < 10; ++i) {
    throttle.RecordFailure("alice", "10.0.0.1");
    auto refused = throttle.Check("alice", "10.0.0.1");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
    clock.AdvanceMillis(expected - 1);
    EXPECT_FALSE(throttle.Check("alice", "10.0.0.1")) << i;
    clock.AdvanceMillis(1);
    EXPECT_TRUE(throttle.Check("alice", "10.0.0.1")) << i;
    expected = std::min<std::int64_t>(expected * 2, 60'000);
  }
}

TEST(LoginThrottleTest, ThrottlesPerAccountAndPerAddress) {
  FakeClock clock;
  LoginThrottle throttle(clock);
  throttle.RecordFailure("alice", "10.0.0.1");
  // Same address, other account: the address is throttled.
  EXPECT_FALSE(throttle.Check("bob", "10.0.0.1"));
  // Same account, other address: the account is throttled.
  EXPECT_FALSE(throttle.Check("alice", "10.0.0.2"));
  EXPECT_TRUE(throttle.Check("bob", "10.0.0.2"));
}

TEST(LoginThrottleTest, NeverLocksOutForGood) {
  FakeClock clock;
  LoginThrottle throttle(clock);
  for (int i = 0; i < 1000; ++i) throttle.RecordFailure("alice", "attacker");
  clock.AdvanceMillis(60'000);
  EXPECT_TRUE(throttle.Check("alice", "owner-address"));
}

TEST(LoginThrottleTest, SuccessClearsTheAccountAndOldFailuresAreForgotten) {
  FakeClock clock;
  LoginThrottle throttle(clock);
  for (int i = 0; i < 5; ++i) throttle.RecordFailure("alice", "a");
  throttle.RecordSuccess("alice");
  EXPECT_TRUE(throttle.Check("alice", "b"));
  throttle.RecordFailure("carol", "c");
  clock.AdvanceMillis(LoginThrottle::kForgetAfterMillis + 1);
  throttle.RecordFailure("carol", "c");
  // Forgotten history restarts at the first delay.
  clock.AdvanceMillis(1000);
  EXPECT_TRUE(throttle.Check("carol", "d"));
}

}  // namespace
}  // namespace vigil::server
