// SPDX-License-Identifier: Apache-2.0
#pragma once

// Metrics (a small Prometheus text-format registry) and request logs (one JSON
// line per request) of the net module. See docs/design/005-net.md §Observability.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/net/http_message.h"

namespace vigil::net {

// A monotonically increasing count. Thread-safe.
class Counter {
 public:
  void Increment(std::uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Add(std::int64_t by) { value_.fetch_add(by, std::memory_order_relaxed); }
  void Set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Observations counted into fixed upper bounds (plus +Inf). Thread-safe.
class Histogram {
 public:
  // `upper_bounds` must be strictly increasing.
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative_counts;  // one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  mutable std::mutex mu_;
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; last is +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Latency buckets in seconds used by the net layer (5 ms … 10 s).
std::vector<double> DefaultLatencyBuckets();

// Owns named metrics and renders them in the Prometheus text format 0.0.4.
// A metric is identified by name plus labels (`{key="value",...}` text built
// by the registry from `labels`). Get* returns the existing metric when called
// again with the same name and labels; references stay valid for the
// registry's lifetime. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*. Thread-safe.
class MetricsRegistry {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help,
                          std::vector<double> upper_bounds, const Labels& labels = {});

  // The whole registry, families sorted by name.
  std::string Render() const;

 private:
  struct Family;
  Family& FamilyFor(std::string_view name, std::string_view help, std::string_view type);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

// 200 with `registry.Render()` and the Prometheus content type; the server
// module mounts it on GET /metrics.
HttpResponse MetricsResponse(const MetricsRegistry& registry);

// One served request, as logged. Never holds headers or bodies.
struct RequestLogEntry {
  std::chrono::system_clock::time_point time;  // when the request started
  std::string remote;                          // peer address
  std::string method;
  std::string path;  // request target without the query string
  unsigned status = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  double duration_ms = 0;
};

// Where the net layer writes its logs. Implementations must be thread-safe.
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void LogRequest(const RequestLogEntry& entry) = 0;
  // Operational events ("listening", "handler threw", ...): one line, no secrets.
  virtual void LogEvent(std::string_view level, std::string_view message) = 0;
};

// {"time":"2024-05-01T12:00:00.123Z","remote":"127.0.0.1","method":"GET",
//  "path":"/v1/x","status":200,"bytes_in":0,"bytes_out":12,"duration_ms":0.4}
std::string FormatRequestLogLine(const RequestLogEntry& entry);

// RFC 3339 UTC with milliseconds: "2024-05-01T12:00:00.123Z".
std::string FormatRfc3339Utc(std::chrono::system_clock::time_point time);

// Writes each entry and event as one JSON line to stderr (whole lines, under a mutex).
std::shared_ptr<Logger> StderrJsonLogger();
// Drops everything (tests, benchmarks).
std::shared_ptr<Logger> NullLogger();

}  // namespace vigil::net
