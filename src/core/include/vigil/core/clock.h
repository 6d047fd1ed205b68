// SPDX-License-Identifier: Apache-2.0
#pragma once

// Time as a dependency: code that waits, expires or rate-limits takes a Clock&
// so tests drive it with FakeClock instead of sleeping (moonfire's Clocks).

#include <atomic>
#include <cstdint>

namespace vigil {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, unix seconds UTC (for records and the wire).
  virtual std::int64_t NowUnixSeconds() const = 0;
  // Monotonic milliseconds since an arbitrary origin (for delays and timeouts).
  virtual std::int64_t MonotonicMillis() const = 0;
};

class RealClock final : public Clock {
 public:
  std::int64_t NowUnixSeconds() const override;
  std::int64_t MonotonicMillis() const override;
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t unix_seconds = 1796031660) : millis_(unix_seconds * 1000) {}
  std::int64_t NowUnixSeconds() const override { return millis_.load() / 1000; }
  std::int64_t MonotonicMillis() const override { return millis_.load(); }
  void AdvanceMillis(std::int64_t millis) { millis_ += millis; }

 private:
  std::atomic<std::int64_t> millis_;
};

}  // namespace vigil
