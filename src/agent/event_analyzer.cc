// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/event_analyzer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <variant>

#include "vigil/agent/object_detector.h"
#include "vigil/agent/spool.h"

namespace vigil::agent {
namespace {

// The moving region grown by half its size on every side, as a share of the
// frame; the whole frame when that is most of it anyway.
detect::Box DetectRegion(const detect::MotionResult& motion, bool crop) {
  const detect::Box whole{0, 0, 1, 1};
  if (!crop || !motion.motion) return whole;
  const detect::Box& b = motion.box;
  const double w = std::max(b.width * 2, 0.35), h = std::max(b.height * 2, 0.35);
  if (w * h > 0.5) return whole;
  const double x = std::clamp(b.x + b.width / 2 - w / 2, 0.0, 1.0 - std::min(w, 1.0));
  const double y = std::clamp(b.y + b.height / 2 - h / 2, 0.0, 1.0 - std::min(h, 1.0));
  return {x, y, std::min(w, 1.0), std::min(h, 1.0)};
}

}  // namespace

struct EventAnalyzer::Impl {
  CameraOptions options;
  detect::ObjectDetector* detector = nullptr;
  detect::MotionDetector motion;
  detect::EventTracker events;
  std::optional<detect::ObjectTracker> objects;
  AnalyzerStats stats;

  bool alerted = false;  // the current event (and its continuations) alerted
  std::int64_t next_detect_us = INT64_MIN;
  double peak_motion = -1;
  std::optional<media::AnalysisFrame> peak_frame;
  float best_object = -1;
  std::optional<media::AnalysisFrame> best_object_frame;

  Impl(CameraOptions o, detect::ObjectDetector* d, detect::MotionDetector m, detect::EventTracker e)
      : options(std::move(o)), detector(d), motion(std::move(m)), events(std::move(e)) {}

  bool ObjectsOn() const { return objects.has_value(); }

  AlertDecision Alert(std::uint64_t number, std::int64_t pts_us) const {
    AlertDecision a;
    a.event_number = number;
    a.pts_us = pts_us;
    a.labels = objects->AlertedKinds();
    for (const auto& t : objects->tracks()) {
      if (t.alerted) a.score = std::max<double>(a.score, t.best_score);
    }
    return a;
  }

  Status Detect(const media::AnalysisFrame& frame, const detect::MotionResult& moving,
                AnalyzerOutput& out) {
    if (frame.detect_rgb.empty())
      return Fail(ErrorCode::kInternal, "objects: the frame has no detector copy");
    const detect::Box region = DetectRegion(moving, options.objects.crop_to_motion);
    const int fw = frame.detect_width, fh = frame.detect_height;
    const int x0 = static_cast<int>(region.x * fw), y0 = static_cast<int>(region.y * fh);
    const int w = std::max(1, std::min(fw - x0, static_cast<int>(std::lround(region.width * fw))));
    const int h = std::max(1, std::min(fh - y0, static_cast<int>(std::lround(region.height * fh))));
    const std::size_t offset = (static_cast<std::size_t>(y0) * fw + x0) * 3;
    detect::RgbView view{w, h, 3 * fw,
                         std::span<const std::uint8_t>(frame.detect_rgb).subspan(offset)};
    const auto started = std::chrono::steady_clock::now();
    auto found = detector->Detect(view);
    stats.detector_ms +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    ++stats.detector_runs;
    if (!found) return Fail(found.error());
    std::vector<detect::FrameDetection> in_frame;
    for (const auto& d : *found) {
      in_frame.push_back({d.label, d.score,
                          detect::Box{(x0 + d.box.x) / fw, (y0 + d.box.y) / fh, d.box.width / fw,
                                      d.box.height / fh}});
    }
    const detect::ObjectUpdate update = objects->Update(in_frame, frame.pts_us);
    // The thumbnail: the frame where an object of an alerting kind scored best.
    for (int id : update.matched) {
      const detect::TrackedObject* t = objects->Find(id);
      const auto& alert = options.objects.rules.alert;
      if (t == nullptr || std::find(alert.begin(), alert.end(), t->kind) == alert.end()) continue;
      if (t->best_us == frame.pts_us && t->best_score > best_object) {
        best_object = t->best_score;
        best_object_frame = frame;
      }
    }
    if (!update.alerting.empty() && events.active() && !alerted) {
      alerted = true;
      out.alert = Alert(events.active()->number, frame.pts_us);
    }
    return OkStatus();
  }

  EndedEvent End(const detect::Event& event, bool continued) {
    EndedEvent ended;
    ended.event = event;
    ended.metadata.motion_score = seal::ToMetadataUnits(event.peak_score);
    for (const auto& zone : event.zones) {
      if (ended.metadata.zones.size() == seal::kMaxMetadataZones) break;
      ended.metadata.zones.push_back(zone.substr(0, seal::kMaxMetadataZoneBytes));
    }
    if (ObjectsOn()) {
      // The objects of this event: those that alerted first, then by score.
      std::vector<const detect::TrackedObject*> seen;
      for (const auto& t : objects->tracks()) {
        if (t.last_us >= event.clip_start_us && t.best_score >= options.objects.rules.min_score)
          seen.push_back(&t);
      }
      std::stable_sort(seen.begin(), seen.end(), [](const auto* a, const auto* b) {
        if (a->alerted != b->alerted) return a->alerted;
        return a->best_score > b->best_score;
      });
      for (const auto* t : seen) {
        if (ended.metadata.detections.size() == seal::kMaxMetadataDetections) break;
        seal::Detection d;
        d.label = t->kind.substr(0, seal::kMaxMetadataLabelBytes);
        d.score = seal::ToMetadataUnits(t->best_score);
        d.x = seal::ToMetadataUnits(t->best_box.x);
        d.y = seal::ToMetadataUnits(t->best_box.y);
        d.width = std::min<std::uint16_t>(seal::ToMetadataUnits(t->best_box.width),
                                          seal::kMetadataUnit - d.x);
        d.height = std::min<std::uint16_t>(seal::ToMetadataUnits(t->best_box.height),
                                           seal::kMetadataUnit - d.y);
        ended.metadata.detections.push_back(std::move(d));
        if (t->kind == "person")
          ended.priority = SpooledClip::kPriorityPerson;
        else
          ended.priority = std::max(ended.priority, SpooledClip::kPriorityObject);
        if (t->alerted && std::find(ended.alerted_labels.begin(), ended.alerted_labels.end(),
                                    t->kind) == ended.alerted_labels.end()) {
          ended.alerted_labels.push_back(t->kind);
        }
      }
      if (!alerted) ended.alerted_labels.clear();
    } else {
      ended.alerted_labels = {"motion"};
    }
    ended.thumbnail = best_object_frame ? std::move(best_object_frame) : std::move(peak_frame);
    best_object = -1;
    best_object_frame.reset();
    peak_motion = -1;
    peak_frame.reset();
    if (!continued) {
      alerted = false;
      if (ObjectsOn()) objects->Reset();
    }
    return ended;
  }
};

EventAnalyzer::EventAnalyzer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventAnalyzer::~EventAnalyzer() = default;

Result<std::unique_ptr<EventAnalyzer>> EventAnalyzer::Create(const CameraOptions& options,
                                                             detect::ObjectDetector* detector) {
  VIGIL_TRY(motion, detect::MotionDetector::Create(options.motion));
  VIGIL_TRY(events, detect::EventTracker::Create(options.events));
  auto impl = std::make_unique<Impl>(options, detector, std::move(motion), std::move(events));
  if (options.objects.enabled) {
    if (detector == nullptr)
      return Fail(ErrorCode::kInvalidArgument, "objects: enabled without a detector");
    if (!(options.objects.rate > 0 && options.objects.rate <= 30)) {
      return Fail(ErrorCode::kInvalidArgument, "objects: rate must be within (0, 30] per second");
    }
    detect::ObjectRules rules = options.objects.rules;
    rules.zones = options.motion.zones;
    VIGIL_TRY(tracker, detect::ObjectTracker::Create(std::move(rules)));
    impl->objects.emplace(std::move(tracker));
  }
  return std::unique_ptr<EventAnalyzer>(new EventAnalyzer(std::move(impl)));
}

Result<AnalyzerOutput> EventAnalyzer::Process(media::AnalysisFrame frame) {
  Impl& s = *impl_;
  AnalyzerOutput out;
  const detect::LumaView luma{frame.width, frame.height, frame.width, frame.y};
  const detect::MotionResult moving = s.motion.Process(luma, frame.pts_us);
  const detect::EventUpdate update = s.events.Update(moving, frame.pts_us);
  if (update.ended)
    out.ended.push_back(s.End(*update.ended, update.started && update.started->continuation));
  if (update.started) {
    out.started = update.started;
    // Objects seen before the clip's pre-roll belong to no event.
    if (s.ObjectsOn() && !update.started->continuation)
      s.objects->ForgetBefore(update.started->clip_start_us);
    if (!s.ObjectsOn()) {
      out.alert = AlertDecision{
          update.started->number, frame.pts_us, {"motion"}, update.started->peak_score};
    } else if (!s.alerted && !s.objects->AlertedKinds().empty()) {
      // An object passed the rules while motion was still building up.
      s.alerted = true;
      out.alert = s.Alert(update.started->number, frame.pts_us);
    }
  }
  if (s.ObjectsOn() && (moving.motion || s.events.active()) && frame.pts_us >= s.next_detect_us) {
    const auto interval = static_cast<std::int64_t>(1e6 / s.options.objects.rate);
    s.next_detect_us = s.next_detect_us == INT64_MIN || frame.pts_us >= s.next_detect_us + interval
                           ? frame.pts_us + interval
                           : s.next_detect_us + interval;
    if (auto detected = s.Detect(frame, moving, out); !detected) return Fail(detected.error());
  }
  if (s.events.active() && moving.motion && moving.score > s.peak_motion) {
    s.peak_motion = moving.score;
    s.peak_frame = std::move(frame);
  }
  return out;
}

AnalyzerOutput EventAnalyzer::Finish(std::int64_t last_us) {
  AnalyzerOutput out;
  if (auto last = impl_->events.Finish(last_us)) out.ended.push_back(impl_->End(*last, false));
  return out;
}

AnalyzerStats EventAnalyzer::stats() const { return impl_->stats; }

std::string AnalysisJson(const AnalysisReport& report, double wall_s) {
  auto fraction = [](std::uint16_t v) { return v / double{seal::kMetadataUnit}; };
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (const auto& e : report.events) {
    nlohmann::ordered_json objects = nlohmann::ordered_json::array();
    for (const auto& d : e.objects) {
      objects.push_back(
          {{"label", d.label},
           {"score", fraction(d.score)},
           {"box", {fraction(d.x), fraction(d.y), fraction(d.width), fraction(d.height)}}});
    }
    events.push_back(
        {{"number", e.number},
         {"start_s", e.start_s},
         {"clip_start_s", e.clip_start_s},
         {"end_s", e.end_s},
         {"alert_s", e.alert_s ? nlohmann::ordered_json(*e.alert_s) : nlohmann::ordered_json()},
         {"alert_labels", e.alert_labels},
         {"objects", std::move(objects)}});
  }
  const nlohmann::ordered_json out = {{"events", std::move(events)},
                                      {"analysis_frames", report.analysis_frames},
                                      {"media_s", report.media_seconds},
                                      {"detector_runs", report.stats.detector_runs},
                                      {"detector_ms", report.stats.detector_ms},
                                      {"wall_s", wall_s}};
  return out.dump();
}

Result<AnalysisReport> AnalyzeSource(const CameraOptions& options) {
  CameraOptions opts = options;
  opts.source.loop = false;
  std::unique_ptr<detect::ObjectDetector> detector;
  if (opts.objects.enabled) {
    VIGIL_TRY(loaded, LoadObjectDetector(opts.objects.model, opts.objects.detector));
    detector = std::move(loaded);
    if (opts.source.detect_width == 0) opts.source.detect_width = opts.objects.detect_width;
  }
  VIGIL_TRY(ingest, media::Ingest::Open(opts.source));
  VIGIL_TRY(analyzer, EventAnalyzer::Create(opts, detector.get()));
  AnalysisReport report;
  std::map<std::uint64_t, AnalyzedEvent> open;
  std::int64_t last_us = 0;
  auto take = [&](AnalyzerOutput& out) {
    if (out.started) {
      AnalyzedEvent& e = open[out.started->number];
      e.number = out.started->number;
      e.start_s = static_cast<double>(out.started->start_us) / 1e6;
    }
    if (out.alert) {
      AnalyzedEvent& e = open[out.alert->event_number];
      if (!e.alert_s) e.alert_s = static_cast<double>(out.alert->pts_us) / 1e6;
    }
    for (auto& ended : out.ended) {
      AnalyzedEvent e = std::move(open[ended.event.number]);
      open.erase(ended.event.number);
      e.number = ended.event.number;
      e.start_s = static_cast<double>(ended.event.start_us) / 1e6;
      e.clip_start_s = static_cast<double>(ended.event.clip_start_us) / 1e6;
      e.end_s = static_cast<double>(ended.event.clip_end_us) / 1e6;
      e.alert_labels = ended.alerted_labels;
      // A motion-only camera alerts at the start of every event.
      if (!e.alert_labels.empty() && !e.alert_s) e.alert_s = e.start_s;
      if (e.alert_labels.empty()) e.alert_s.reset();
      e.objects = ended.metadata.detections;
      report.events.push_back(std::move(e));
    }
  };
  for (;;) {
    auto item = ingest->Next();
    if (!item) {
      if (item.error().code != ErrorCode::kOutOfRange) return Fail(item.error());
      break;
    }
    if (auto* fragment = std::get_if<media::Fragment>(&*item)) {
      last_us = std::max(last_us, fragment->start_us + fragment->duration_us);
      continue;
    }
    auto& frame = std::get<media::AnalysisFrame>(*item);
    ++report.analysis_frames;
    last_us = std::max(last_us, frame.pts_us);
    VIGIL_TRY(out, analyzer->Process(std::move(frame)));
    take(out);
  }
  AnalyzerOutput last = analyzer->Finish(last_us);
  take(last);
  report.media_seconds = static_cast<double>(last_us) / 1e6;
  report.stats = analyzer->stats();
  return report;
}

}  // namespace vigil::agent
