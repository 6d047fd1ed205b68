// SPDX-License-Identifier: Apache-2.0
#include "vigil/server/login_throttle.h"

#include <algorithm>

namespace vigil::server {

Status LoginThrottle::Check(const std::string& account_key, const std::string& address_key) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_.MonotonicMillis();
  std::int64_t wait = 0;
  for (auto* table : {&accounts_, &addresses_}) {
    const std::string& key = table == &accounts_ ? account_key : address_key;
    auto it = table->find(key);
    if (it != table->end()) wait = std::max(wait, it->second.next_allowed_ms - now);
  }
  if (wait > 0) {
    return vigil::Fail(
        ErrorCode::kResourceExhausted,
        "too many login attempts; retry in " + std::to_string((wait + 999) / 1000) + " s");
  }
  return OkStatus();
}

void LoginThrottle::RecordFailure(const std::string& account_key, const std::string& address_key) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_.MonotonicMillis();
  Fail(accounts_, account_key, now);
  Fail(addresses_, address_key, now);
}

void LoginThrottle::RecordSuccess(const std::string& account_key) {
  std::lock_guard lock(mutex_);
  accounts_.erase(account_key);
}

void LoginThrottle::Fail(std::map<std::string, Entry>& table, const std::string& key,
                         std::int64_t now) {
  if (table.size() >= kMaxTrackedKeys) Prune(table, now);
  Entry& e = table[key];
  if (e.failures > 0 && now - e.last_failure_ms > kForgetAfterMillis) e = Entry{};
  e.failures = std::min(e.failures + 1, 30);
  // 1 s, 2 s, 4 s … capped: doubling stops well before overflow.
  const std::int64_t delay =
      std::min(kMaxDelayMillis, kFirstDelayMillis << std::min(e.failures - 1, 16));
  e.next_allowed_ms = now + delay;
  e.last_failure_ms = now;
}

void LoginThrottle::Prune(std::map<std::string, Entry>& table, std::int64_t now) {
  for (auto it = table.begin(); it != table.end();) {
    it = now - it->second.last_failure_ms > kForgetAfterMillis ? table.erase(it) : std::next(it);
  }
  // Still full: drop the oldest half rather than grow without bound.
  while (table.size() >= kMaxTrackedKeys) {
    auto oldest = std::min_element(table.begin(), table.end(), [](const auto& a, const auto& b) {
      return a.second.last_failure_ms < b.second.last_failure_ms;
    });
    table.erase(oldest);
  }
}

}  // namespace vigil::server
