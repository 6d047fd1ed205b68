// SPDX-License-Identifier: Apache-2.0
#pragma once

// Login rate limiting with growing delays, per account and per source address.
// After each failure a key must wait 1 s, 2 s, 4 s … up to 60 s before its next
// attempt is even checked; a success clears the account's record. There is no
// lockout: an attacker hammering an owner's email can slow the owner's login
// to one try a minute at worst, never stop it. Thread-safe; memory is bounded
// (oldest records are dropped past kMaxTrackedKeys).

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "vigil/core/clock.h"
#include "vigil/core/result.h"

namespace vigil::server {

class LoginThrottle {
 public:
  static constexpr std::int64_t kFirstDelayMillis = 1000;
  static constexpr std::int64_t kMaxDelayMillis = 60'000;
  // A key with no failure for this long is forgotten.
  static constexpr std::int64_t kForgetAfterMillis = std::int64_t{15} * 60'000;
  static constexpr std::size_t kMaxTrackedKeys = 100'000;

  explicit LoginThrottle(const Clock& clock) : clock_(clock) {}

  // Fails with kResourceExhausted ("too many attempts; retry in N s") while
  // either the account or the address is inside its delay.
  Status Check(const std::string& account_key, const std::string& address_key);
  void RecordFailure(const std::string& account_key, const std::string& address_key);
  void RecordSuccess(const std::string& account_key);

 private:
  struct Entry {
    int failures = 0;
    std::int64_t next_allowed_ms = 0;
    std::int64_t last_failure_ms = 0;
  };
  void Fail(std::map<std::string, Entry>& table, const std::string& key, std::int64_t now);
  static void Prune(std::map<std::string, Entry>& table, std::int64_t now);

  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Entry> accounts_;
  std::map<std::string, Entry> addresses_;
};

}  // namespace vigil::server
