// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/camera_runner.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "vigil/agent/clip_cutter.h"
#include "vigil/agent/notifier.h"
#include "vigil/agent/spool.h"
#include "vigil/agent/uploader.h"
#include "vigil/seal/clip_metadata.h"

namespace vigil::agent {
namespace {

bool IsLive(const std::string& url) {
  return url.starts_with("rtsp://") || url.starts_with("rtsps://") || url.starts_with("/dev/") ||
         url.starts_with("http://") || url.starts_with("https://");
}

std::uint16_t Fixed(double fraction) {
  return static_cast<std::uint16_t>(
      std::lround(std::clamp(fraction, 0.0, 1.0) * seal::kMetadataUnit));
}

// Sleeps `duration` unless `stop` is requested first.
void SleepFor(std::chrono::milliseconds duration, const std::stop_token& stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, duration, [] { return false; });
}

// What the camera keeps of the event in progress for its thumbnail.
struct Peak {
  double score = -1;
  media::AnalysisFrame frame;
};

// The event's metadata document: motion now; object detections plug in
// here (detection issue).
Result<Bytes> EventMetadata(const detect::Event& event) {
  seal::ClipMetadata metadata;
  metadata.motion_score = Fixed(event.peak_score);
  for (const auto& zone : event.zones) {
    if (metadata.zones.size() == seal::kMaxMetadataZones) break;
    metadata.zones.push_back(zone.substr(0, seal::kMaxMetadataZoneBytes));
  }
  return seal::EncodeClipMetadata(metadata);
}

// One open of the source: reads until it ends or drops.
class Session {
 public:
  Session(const CameraOptions& options, ClipCutter& cutter, Notifier& notifier,
          CameraRunStats& stats)
      : options_(options), cutter_(cutter), notifier_(notifier), stats_(stats) {}

  // Ok at the end of a file; kUnavailable when a live source dropped.
  Status Run(media::Ingest& ingest, const std::stop_token& stop) {
    VIGIL_TRY(detector, detect::MotionDetector::Create(options_.motion));
    VIGIL_TRY(tracker, detect::EventTracker::Create(options_.events));
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
      const detect::LumaView luma{frame.width, frame.height, frame.width, frame.y};
      const detect::MotionResult motion = detector.Process(luma, frame.pts_us);
      const detect::EventUpdate update = tracker.Update(motion, frame.pts_us);
      if (update.ended) {
        if (auto ended = End(*update.ended); !ended) return ended;
      }
      if (update.started) {
        ++stats_.events;
        peak_ = Peak{};
        options_.log("event " + std::to_string(update.started->number) + " started at " +
                     FormatSeconds(update.started->start_us));
        VIGIL_TRY(clip_id, cutter_.EventStarted(*update.started));
        // The owner hears of the event now, not when its clip is done.
        seal::AlertContent alert;
        alert.kind = seal::AlertKind::kEventStarted;
        alert.clip_id = clip_id;
        alert.event_time_unix_s = static_cast<std::uint64_t>(std::time(nullptr));
        alert.labels = {"motion"};
        alert.motion_score = Fixed(update.started->peak_score);
        notifier_.Send(alert);
      }
      if (tracker.active() && motion.motion && motion.score > peak_.score) {
        peak_.score = motion.score;
        peak_.frame = std::move(frame);
      }
    }
    // The stream is over (or dropped, or we stop): close what is open.
    if (auto last = tracker.Finish(last_us_)) {
      if (auto ended = End(*last); !ended) return ended;
    }
    if (auto flushed = cutter_.Flush(); !flushed) return flushed;
    stats_.media_seconds += static_cast<double>(last_us_) / 1e6;
    return outcome;
  }

 private:
  static std::string FormatSeconds(std::int64_t us) {
    return std::to_string(us / 1000000) + "." + std::to_string((us / 100000) % 10) + " s";
  }

  Status End(const detect::Event& event) {
    ClipExtras extras;
    if (peak_.score >= 0) {
      auto jpeg = media::EncodeJpeg(peak_.frame);
      if (jpeg) {
        extras.thumbnail_jpeg = std::move(*jpeg);
      } else {
        options_.log("thumbnail of event " + std::to_string(event.number) +
                     " failed: " + jpeg.error().message);
      }
    }
    VIGIL_TRY(metadata, EventMetadata(event));
    extras.metadata = std::move(metadata);
    options_.log("event " + std::to_string(event.number) + " ended; clip " +
                 FormatSeconds(event.clip_start_us) + " .. " + FormatSeconds(event.clip_end_us));
    peak_ = Peak{};
    return cutter_.EventEnded(event, std::move(extras));
  }

  const CameraOptions& options_;
  ClipCutter& cutter_;
  Notifier& notifier_;
  CameraRunStats& stats_;
  Peak peak_;
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
  cutter_options.on_committed = [&](const SpooledClip& clip, const detect::Event& event) {
    uploader->Notify();
    seal::AlertContent alert;
    alert.kind = seal::AlertKind::kClipComplete;
    alert.clip_id = clip.clip_id;
    alert.event_time_unix_s = static_cast<std::uint64_t>(clip.start_unix_s);
    alert.sequence = clip.sequence;
    alert.labels = {"motion"};
    alert.motion_score = Fixed(event.peak_score);
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
    auto ingest = media::Ingest::Open(options.source);
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
    Session session(opts, **cutter, *notifier, stats);
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
