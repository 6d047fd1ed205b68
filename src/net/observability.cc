// SPDX-License-Identifier: Apache-2.0
#include "vigil/net/observability.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <sstream>
#include <variant>

#include "vigil/core/check.h"

namespace vigil::net {
namespace {

bool ValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Label values escape backslash, quote and newline (text format 0.0.4).
std::string LabelText(const MetricsRegistry::Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    VIGIL_CHECK(ValidMetricName(labels[i].first)) << "bad label name " << labels[i].first;
    if (i) out += ',';
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }
  return out + "}";
}

std::string FormatDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Adds `extra` (`le="0.5"`) into a label text.
std::string WithLabel(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return "{" + extra + "}";
  return labels.substr(0, labels.size() - 1) + "," + extra + "}";
}

class StderrLogger final : public Logger {
 public:
  void LogRequest(const RequestLogEntry& entry) override { Write(FormatRequestLogLine(entry)); }
  void LogEvent(std::string_view level, std::string_view message) override {
    Write("{\"time\":\"" + FormatRfc3339Utc(std::chrono::system_clock::now()) + "\",\"level\":\"" +
          JsonEscape(level) + "\",\"message\":\"" + JsonEscape(message) + "\"}");
  }

 private:
  void Write(const std::string& line) {
    std::lock_guard lock(mu_);
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::mutex mu_;
};

class DiscardLogger final : public Logger {
 public:
  void LogRequest(const RequestLogEntry&) override {}
  void LogEvent(std::string_view, std::string_view) override {}
};

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {
  VIGIL_CHECK(std::is_sorted(bounds_.begin(), bounds_.end()) &&
              std::adjacent_find(bounds_.begin(), bounds_.end()) == bounds_.end())
      << "histogram bounds must increase strictly";
}

void Histogram::Observe(double value) {
  auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  std::lock_guard lock(mu_);
  ++counts_[static_cast<std::size_t>(bucket)];
  sum_ += value;
  ++count_;
}

Histogram::Snapshot Histogram::Read() const {
  std::lock_guard lock(mu_);
  Snapshot s{bounds_, {}, sum_, count_};
  std::uint64_t running = 0;
  for (auto c : counts_) {
    running += c;
    s.cumulative_counts.push_back(running);
  }
  return s;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

struct MetricsRegistry::Family {
  std::string help;
  std::string type;
  // label text → metric
  std::map<std::string, std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>,
                                     std::unique_ptr<Histogram>>>
      series;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::FamilyFor(std::string_view name, std::string_view help,
                                                    std::string_view type) {
  VIGIL_CHECK(ValidMetricName(name)) << "bad metric name " << name;
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto family = std::make_unique<Family>();
    family->help = std::string(help);
    family->type = std::string(type);
    it = families_.emplace(std::string(name), std::move(family)).first;
  }
  VIGIL_CHECK(it->second->type == type)
      << "metric " << name << " registered as " << it->second->type;
  return *it->second;
}

Counter& MetricsRegistry::GetCounter(std::string_view name, std::string_view help,
                                     const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, help, "counter").series[LabelText(labels)];
  if (!std::holds_alternative<std::unique_ptr<Counter>>(slot) ||
      !std::get<std::unique_ptr<Counter>>(slot)) {
    slot = std::make_unique<Counter>();
  }
  return *std::get<std::unique_ptr<Counter>>(slot);
}

Gauge& MetricsRegistry::GetGauge(std::string_view name, std::string_view help,
                                 const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, help, "gauge").series[LabelText(labels)];
  if (!std::holds_alternative<std::unique_ptr<Gauge>>(slot) ||
      !std::get<std::unique_ptr<Gauge>>(slot)) {
    slot = std::make_unique<Gauge>();
  }
  return *std::get<std::unique_ptr<Gauge>>(slot);
}

Histogram& MetricsRegistry::GetHistogram(std::string_view name, std::string_view help,
                                         std::vector<double> upper_bounds, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, help, "histogram").series[LabelText(labels)];
  if (!std::holds_alternative<std::unique_ptr<Histogram>>(slot) ||
      !std::get<std::unique_ptr<Histogram>>(slot)) {
    slot = std::make_unique<Histogram>(std::move(upper_bounds));
  }
  return *std::get<std::unique_ptr<Histogram>>(slot);
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + family->help + "\n";
    out += "# TYPE " + name + " " + family->type + "\n";
    for (const auto& [labels, metric] : family->series) {
      if (auto* c = std::get_if<std::unique_ptr<Counter>>(&metric)) {
        out += name + labels + " " + std::to_string((*c)->value()) + "\n";
      } else if (auto* g = std::get_if<std::unique_ptr<Gauge>>(&metric)) {
        out += name + labels + " " + std::to_string((*g)->value()) + "\n";
      } else if (auto* h = std::get_if<std::unique_ptr<Histogram>>(&metric)) {
        auto s = (*h)->Read();
        for (std::size_t i = 0; i < s.upper_bounds.size(); ++i) {
          out += name + "_bucket" +
                 WithLabel(labels, "le=\"" + FormatDouble(s.upper_bounds[i]) + "\"") + " " +
                 std::to_string(s.cumulative_counts[i]) + "\n";
        }
        out += name + "_bucket" + WithLabel(labels, "le=\"+Inf\"") + " " +
               std::to_string(s.cumulative_counts.back()) + "\n";
        out += name;
        out += "_sum" + labels + " " + FormatDouble(s.sum) + "\n";
        out += name;
        out += "_count" + labels + " " + std::to_string(s.count) + "\n";
      }
    }
  }
  return out;
}

HttpResponse MetricsResponse(const MetricsRegistry& registry) {
  HttpResponse r;
  r.status = 200;
  r.headers.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = registry.Render();
  return r;
}

std::string FormatRfc3339Utc(std::chrono::system_clock::time_point time) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string FormatRequestLogLine(const RequestLogEntry& e) {
  std::string path(e.path.substr(0, e.path.find('?')));
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f", e.duration_ms);
  return "{\"time\":\"" + FormatRfc3339Utc(e.time) + "\",\"remote\":\"" + JsonEscape(e.remote) +
         "\",\"method\":\"" + JsonEscape(e.method) + "\",\"path\":\"" + JsonEscape(path) +
         "\",\"status\":" + std::to_string(e.status) +
         ",\"bytes_in\":" + std::to_string(e.bytes_in) +
         ",\"bytes_out\":" + std::to_string(e.bytes_out) + ",\"duration_ms\":" + duration + "}";
}

std::shared_ptr<Logger> StderrJsonLogger() {
  static const auto logger = std::make_shared<StderrLogger>();
  return logger;
}

std::shared_ptr<Logger> NullLogger() { return std::make_shared<DiscardLogger>(); }

}  // namespace vigil::net
