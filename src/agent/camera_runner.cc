// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/camera_runner.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "vigil/agent/clip_cutter.h"
#include "vigil/agent/event_analyzer.h"
#include "vigil/agent/notifier.h"
#include "vigil/agent/object_detector.h"
#include "vigil/agent/spool.h"
#include "vigil/agent/uploader.h"
#include "vigil/seal/clip_metadata.h"

namespace vigil::agent {
namespace {

bool IsLive(const std::string& url) {
  return url.starts_with("rtsp://") || url.starts_with("rtsps://") || url.starts_with("/dev/") ||
         url.starts_with("http://") || url.starts_with("https://");
}

// Sleeps `duration` unless `stop` is requested first.
void SleepFor(std::chrono::milliseconds duration, const std::stop_token& stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, duration, [] { return false; });
}

// What each ended event alerts with, for the clip-complete alert that
// follows its commit (ClipCutter's callback); shared by the sessions.
struct EventAlerts {
  std::mutex mu;
  std::map<std::uint64_t, AlertDecision> by_event;
};

// One open of the source: reads until it ends or drops.
class Session {
 public:
  Session(const CameraOptions& options, detect::ObjectDetector* detector, ClipCutter& cutter,
          Notifier& notifier, EventAlerts& alerts, CameraRunStats& stats)
      : options_(options),
        detector_(detector),
        cutter_(cutter),
        notifier_(notifier),
        alerts_(alerts),
        stats_(stats) {}

  // Ok at the end of a file; kUnavailable when a live source dropped.
  Status Run(media::Ingest& ingest, const std::stop_token& stop) {
    VIGIL_TRY(analyzer, EventAnalyzer::Create(options_, detector_));
    if (auto set = cutter_.SetInitSegment(ingest.init_segment()); !set) return set;
    Status outcome = OkStatus();
    while (!stop.stop_requested()) {
      auto item = ingest.Next();
      if (!item) {
        if (item.error().code != ErrorCode::kOutOfRange) outcome = Fail(item.error());
        break;
      }
      if (auto* fragment = std::get_if<media::Fragment>(&*item)) {
        ++stats_.fragments;
        last_us_ = std::max(last_us_, fragment->start_us + fragment->duration_us);
        if (auto added = cutter_.AddFragment(std::move(*fragment)); !added) return added;
        continue;
      }
      auto& frame = std::get<media::AnalysisFrame>(*item);
      ++stats_.analysis_frames;
      last_us_ = std::max(last_us_, frame.pts_us);
      VIGIL_TRY(out, analyzer->Process(std::move(frame)));
      if (auto handled = Handle(out); !handled) return handled;
    }
    // The stream is over (or dropped, or we stop): close what is open.
    AnalyzerOutput last = analyzer->Finish(last_us_);
    if (auto handled = Handle(last); !handled) return handled;
    if (auto flushed = cutter_.Flush(); !flushed) return flushed;
    stats_.media_seconds += static_cast<double>(last_us_) / 1e6;
    stats_.detector_runs += analyzer->stats().detector_runs;
    return outcome;
  }

 private:
  static std::string FormatSeconds(std::int64_t us) {
    return std::to_string(us / 1000000) + "." + std::to_string((us / 100000) % 10) + " s";
  }

  static std::string Join(const std::vector<std::string>& labels) {
    std::string text;
    for (const auto& l : labels) text += (text.empty() ? "" : ",") + l;
    return text;
  }

  Status Handle(AnalyzerOutput& out) {
    for (auto& ended : out.ended) {
      if (auto done = End(std::move(ended)); !done) return done;
    }
    if (out.started) {
      ++stats_.events;
      options_.log("event " + std::to_string(out.started->number) + " started at " +
                   FormatSeconds(out.started->start_us));
      VIGIL_TRY(clip_id, cutter_.EventStarted(*out.started));
      clip_ids_[out.started->number] = clip_id;
    }
    if (out.alert) {
      // The owner hears of the event now, not when its clip is done.
      options_.log("event " + std::to_string(out.alert->event_number) + " alerts: " +
                   Join(out.alert->labels) + " at " + FormatSeconds(out.alert->pts_us));
      seal::AlertContent alert;
      alert.kind = seal::AlertKind::kEventStarted;
      alert.clip_id = clip_ids_[out.alert->event_number];
      alert.event_time_unix_s = static_cast<std::uint64_t>(std::time(nullptr));
      alert.labels = out.alert->labels;
      alert.motion_score = seal::ToMetadataUnits(out.alert->score);
      notifier_.Send(alert);
    }
    return OkStatus();
  }

  Status End(EndedEvent ended) {
    const detect::Event& event = ended.event;
    ClipExtras extras;
    if (ended.thumbnail) {
      auto jpeg = media::EncodeJpeg(*ended.thumbnail);
      if (jpeg) {
        extras.thumbnail_jpeg = std::move(*jpeg);
      } else {
        options_.log("thumbnail of event " + std::to_string(event.number) +
                     " failed: " + jpeg.error().message);
      }
    }
    VIGIL_TRY(metadata, seal::EncodeClipMetadata(ended.metadata));
    extras.metadata = std::move(metadata);
    extras.priority = ended.priority;
    std::string objects;
    for (const auto& d : ended.metadata.detections) {
      objects += (objects.empty() ? "; objects: " : ", ") + d.label + " " +
                 std::to_string(d.score / 100) + "%";
    }
    options_.log(
        "event " + std::to_string(event.number) + " ended; clip " +
        FormatSeconds(event.clip_start_us) + " .. " + FormatSeconds(event.clip_end_us) +
        (ended.alerted_labels.empty() ? "; no alert" : "; alerted " + Join(ended.alerted_labels)) +
        objects);
    if (!ended.alerted_labels.empty()) {
      double best = event.peak_score;
      if (!ended.metadata.detections.empty())
        best = ended.metadata.detections[0].score / double{seal::kMetadataUnit};
      std::lock_guard lock(alerts_.mu);
      alerts_.by_event[event.number] =
          AlertDecision{event.number, event.clip_end_us, ended.alerted_labels, best};
    }
    clip_ids_.erase(event.number);
    return cutter_.EventEnded(event, std::move(extras));
  }

  const CameraOptions& options_;
  detect::ObjectDetector* detector_;
  ClipCutter& cutter_;
  Notifier& notifier_;
  EventAlerts& alerts_;
  CameraRunStats& stats_;
  std::map<std::uint64_t, std::string> clip_ids_;  // open events' clips
  std::int64_t last_us_ = 0;
};

}  // namespace

Result<CameraRunStats> RunCamera(const CameraState& state, const CameraOptions& options,
                                 const std::stop_token& stop) {
  auto log = options.log ? options.log : [](const std::string&) {};
  CameraOptions opts = options;
  opts.log = log;
  VIGIL_TRY(pairing, state.RequirePairing());
  (void)pairing;
  std::unique_ptr<detect::ObjectDetector> detector;
  if (opts.objects.enabled) {
    VIGIL_TRY(loaded, LoadObjectDetector(opts.objects.model, opts.objects.detector));
    detector = std::move(loaded);
    if (opts.source.detect_width == 0) opts.source.detect_width = opts.objects.detect_width;
    log("objects: " + opts.objects.model + ", " + std::to_string(opts.objects.rate) +
        " runs per second during motion");
  }
  VIGIL_TRY(spool, Spool::Open(state.dir() + "/spool",
                               SpoolOptions{options.spool_bytes, [&](const std::string& line) {
                                              log("warning: " + line);
                                            }}));
  VIGIL_TRY(uploader,
            Uploader::Create(state, *spool,
                             UploaderOptions{.max_backoff = options.upload_retry_max, .log = log}));
  CameraRunStats stats;
  const auto initial = spool->List();
  if (!initial.empty()) {
    log(std::to_string(initial.size()) + " clips from an earlier run wait in the spool");
  }

  NotifierOptions notifier_options;
  notifier_options.heartbeat_interval = options.heartbeat_interval;
  notifier_options.now_unix_s = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  notifier_options.log = log;
  notifier_options.chain_head = [&spool] { return spool->chain_head(); };
  VIGIL_TRY(notifier, Notifier::Create(state, notifier_options));

  std::stop_source upload_stop;
  std::jthread upload_thread(
      [&](const std::stop_token&) { uploader->Run(upload_stop.get_token()); });
  std::jthread notify_thread(
      [&](const std::stop_token&) { notifier->Run(upload_stop.get_token()); });

  ClipCutterOptions cutter_options;
  cutter_options.pre_roll = options.events.pre_roll;
  cutter_options.now_unix_s = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  cutter_options.log = log;
  EventAlerts event_alerts;
  cutter_options.on_committed = [&](const SpooledClip& clip, const detect::Event& event) {
    uploader->Notify();
    std::optional<AlertDecision> decision;
    {
      std::lock_guard lock(event_alerts.mu);
      if (auto it = event_alerts.by_event.find(event.number); it != event_alerts.by_event.end()) {
        decision = std::move(it->second);
        event_alerts.by_event.erase(it);
      }
    }
    if (!decision) return;  // the event did not alert (objects that break no rule)
    seal::AlertContent alert;
    alert.kind = seal::AlertKind::kClipComplete;
    alert.clip_id = clip.clip_id;
    alert.event_time_unix_s = static_cast<std::uint64_t>(clip.start_unix_s);
    alert.sequence = clip.sequence;
    alert.labels = decision->labels;
    alert.motion_score = seal::ToMetadataUnits(decision->score);
    notifier->Send(alert);
  };
  auto cutter = ClipCutter::Create(state, *spool, cutter_options);
  if (!cutter) {
    upload_stop.request_stop();
    return Fail(cutter.error());
  }
  const auto stop_threads = [&] {
    upload_stop.request_stop();
    upload_thread.join();
    notify_thread.join();
  };

  const bool live = IsLive(options.source.url);
  auto backoff = options.min_reconnect;
  Status outcome = OkStatus();
  while (!stop.stop_requested()) {
    auto ingest = media::Ingest::Open(opts.source);
    if (!ingest) {
      // A file that is missing or unreadable will not get better; a camera
      // that is down may come back.
      if (!live || ingest.error().code == ErrorCode::kInvalidArgument) {
        outcome = Fail(ingest.error());
        break;
      }
      log("source unavailable (" + ingest.error().message + "); retrying in " +
          std::to_string(backoff.count()) + " ms");
      SleepFor(backoff, stop);
      backoff = std::min(backoff * 2, options.max_reconnect);
      continue;
    }
    const media::StreamInfo& info = (*ingest)->info();
    log("source open: " + info.video_codec + " " + std::to_string(info.width) + "x" +
        std::to_string(info.height) +
        (info.video_transcoded ? " (transcoded from " + info.source_codec + ")" : "") +
        (info.audio_codec.empty() ? ", no audio" : ", audio " + info.audio_codec));
    Session session(opts, detector.get(), **cutter, *notifier, event_alerts, stats);
    auto ran = session.Run(**ingest, stop);
    if (ran) break;  // the file ended
    if (!live || ran.error().code != ErrorCode::kUnavailable) {
      outcome = Fail(ran.error());
      break;
    }
    ++stats.reconnects;
    backoff = options.min_reconnect;
    log("source dropped (" + ran.error().message + "); reconnecting");
  }

  stats.clips_sealed = (*cutter)->clips_committed();
  // Let the uploader empty the spool, for as long as the drain allows.
  uploader->Finish();
  const auto deadline = std::chrono::steady_clock::now() + options.drain_timeout;
  while (!spool->List().empty() && std::chrono::steady_clock::now() < deadline &&
         !stop.stop_requested()) {
    SleepFor(std::chrono::milliseconds(50), stop);
  }
  stop_threads();
  stats.clips_uploaded = uploader->uploaded_clips();
  stats.clips_left_in_spool = spool->List().size();
  stats.alerts_sent = notifier->alerts_sent();
  if (!outcome) return Fail(outcome.error());
  return stats;
}

}  // namespace vigil::agent
