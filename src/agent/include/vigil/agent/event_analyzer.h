// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the camera decides from its analysis frames, without recording or
// sending anything (docs/design/007-detection.md §Pipeline): motion makes
// events; while something moves, the object detector runs at a set rate and
// its detections are tracked; the owner's rules decide whether and when an
// event alerts and with which labels; each event ends with its metadata
// (objects with best scores and boxes), its thumbnail frame and its spool
// priority. The camera runner records and sends what this decides;
// `vigil-agent analyze` prints it.
//
// Thread-compatible; one per camera.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/agent/camera_runner.h"
#include "vigil/core/result.h"
#include "vigil/detect/event_tracker.h"
#include "vigil/detect/object_tracker.h"
#include "vigil/detect/objects.h"
#include "vigil/media/ingest.h"
#include "vigil/seal/clip_metadata.h"

namespace vigil::agent {

// An event that alerts: at its start when objects are off (labels
// {"motion"}), else when its first object passes the rules.
struct AlertDecision {
  std::uint64_t event_number = 0;
  std::int64_t pts_us = 0;
  std::vector<std::string> labels;  // kinds, e.g. {"person"}
  double score = 0;                 // the best alerting object's score (or motion score)
};

struct EndedEvent {
  detect::Event event;
  seal::ClipMetadata metadata;
  std::optional<media::AnalysisFrame>
      thumbnail;                            // the best object's frame, else the peak of motion
  std::vector<std::string> alerted_labels;  // empty: the event did not alert
  std::uint8_t priority = 0;                // SpooledClip::kPriority*
};

struct AnalyzerOutput {
  std::optional<detect::Event> started;
  std::optional<AlertDecision> alert;
  std::vector<EndedEvent> ended;  // at most one per frame, but Finish may add one
};

struct AnalyzerStats {
  std::uint64_t detector_runs = 0;
  double detector_ms = 0;  // wall time spent in the detector
};

class EventAnalyzer {
 public:
  // `detector` is required when options.objects.enabled, and must outlive
  // the analyzer. kInvalidArgument on bad zones or rules.
  static Result<std::unique_ptr<EventAnalyzer>> Create(const CameraOptions& options,
                                                       detect::ObjectDetector* detector);
  ~EventAnalyzer();

  Result<AnalyzerOutput> Process(media::AnalysisFrame frame);
  // The stream ended at `last_us`: closes the event in progress.
  AnalyzerOutput Finish(std::int64_t last_us);

  AnalyzerStats stats() const;

 private:
  struct Impl;
  explicit EventAnalyzer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `vigil-agent analyze`: the decisions for a whole file, for tuning and for
// measuring alerts (bench/detect). Nothing is recorded, sealed or sent.
struct AnalyzedEvent {
  std::uint64_t number = 0;
  double start_s = 0;             // first moving frame
  double clip_start_s = 0;        // with the pre-roll
  double end_s = 0;               // clip end
  std::optional<double> alert_s;  // when it alerted (media time)
  std::vector<std::string> alert_labels;
  std::vector<seal::Detection> objects;  // as in the clip's metadata
};

struct AnalysisReport {
  std::vector<AnalyzedEvent> events;
  std::uint64_t analysis_frames = 0;
  double media_seconds = 0;
  AnalyzerStats stats;
};

// Reads options.source to its end (a file; not looped) through the analyzer.
Result<AnalysisReport> AnalyzeSource(const CameraOptions& options);

// `analyze --json`: {"events":[{"number","start_s","clip_start_s","end_s",
// "alert_s" (null when it did not alert),"alert_labels":[...],"objects":[{"label",
// "score","box":[x,y,w,h] in frame fractions}]}],"analysis_frames","media_s",
// "detector_runs","detector_ms","wall_s"}.
std::string AnalysisJson(const AnalysisReport& report, double wall_s);

}  // namespace vigil::agent
