// SPDX-License-Identifier: Apache-2.0
#pragma once

// The camera's video, read through FFmpeg (libavformat/libavcodec 5.1) and
// turned into two things the agent needs (docs/design/006-agent.md §Media):
//
//  1. The recording: the camera's own H.264/H.265 packets remuxed, without
//     transcoding, into fragmented MP4 — one init segment (ftyp+moov) and one
//     fragment (moof+mdat) per GOP, each fragment starting at a keyframe, so
//     any run of fragments after the init segment is a playable MP4. Video in
//     another codec (MPEG-4 Part 2, MJPEG, ...) is transcoded once to H.264
//     (libx264) with a log line saying so. Audio: AAC is copied; G.711 and
//     other codecs MP4 cannot carry are transcoded to AAC, or dropped when
//     `audio` is kDrop.
//  2. The analysis copy: frames decoded at a low resolution and a low frame
//     rate (from the main stream, or from a separate detect source such as a
//     camera's sub-stream), for motion and object detection and thumbnails.
//
// Times are microseconds on the media timeline: 0 at the first video frame
// of the first open, strictly increasing across `loop` restarts.
//
// FFmpeg stays private to this module. One Ingest is used by one thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil::media {

enum class RtspTransport : std::uint8_t { kTcp, kUdp };
enum class AudioPolicy : std::uint8_t { kKeep, kDrop };  // kKeep: AAC copied, others -> AAC

struct SourceOptions {
  // rtsp://... (or another FFmpeg network URL), a file path, or /dev/videoN
  // (a V4L2 device, through libavdevice; not testable on machines without
  // a camera).
  std::string url;
  // A second source for the analysis copy (a camera's sub-stream); empty:
  // decode the main stream.
  std::string detect_url;
  RtspTransport rtsp_transport = RtspTransport::kTcp;
  // Files only: deliver at the file's own frame rate, as a camera would
  // (`--source-realtime`). Otherwise as fast as the CPU allows (`--fast`).
  bool realtime = false;
  // Files only: start again at the end, with the timeline continuing (the
  // same init segment; fragment times and tfdt keep increasing).
  bool loop = false;
  AudioPolicy audio = AudioPolicy::kKeep;
  // The analysis copy: this width (height keeps the aspect ratio, rounded
  // to even) and at most this many frames per second (0: every frame).
  int analysis_width = 320;
  double analysis_fps = 5.0;
  // The object detector's copy of each analysis frame: packed RGB at this
  // width (height keeps the aspect ratio, even); 0: none.
  int detect_width = 0;
  // When transcoding to H.264: one keyframe (so one fragment) per this long.
  std::chrono::milliseconds transcode_gop{2000};
  // Network sources: a connect or read that stalls this long is a lost
  // connection (kUnavailable).
  std::chrono::milliseconds io_timeout{10000};
};

// What was opened.
struct StreamInfo {
  std::string video_codec;   // as recorded: "h264" or "hevc"
  std::string source_codec;  // as the source sent it, e.g. "msmpeg4v3"
  bool video_transcoded = false;
  int width = 0, height = 0;
  double frame_rate = 0;           // nominal; 0 if unknown
  std::string audio_codec;         // as recorded ("aac"), empty when there is none
  std::string source_audio_codec;  // e.g. "pcm_mulaw"; empty when the source has none
  bool audio_transcoded = false;
  bool audio_dropped = false;
};

// One GOP of the recording: moof+mdat bytes, starting with a keyframe.
struct Fragment {
  Bytes bytes;
  std::int64_t start_us = 0;     // media time of its first video frame
  std::int64_t duration_us = 0;  // until the next fragment's start
  std::uint64_t index = 0;       // 0, 1, 2, ... per Ingest
};

// One analysis frame, YUV 4:2:0 planar, tightly packed (stride = width).
struct AnalysisFrame {
  int width = 0, height = 0;
  Bytes y;     // width * height
  Bytes u, v;  // (width / 2) * (height / 2) each
  std::int64_t pts_us = 0;
  // When SourceOptions::detect_width is set: the same picture as packed RGB
  // (stride 3 * detect_width), for the object detector.
  int detect_width = 0, detect_height = 0;
  Bytes detect_rgb;
};

using IngestItem = std::variant<Fragment, AnalysisFrame>;

class Ingest {
 public:
  // Opens the source(s) and reads until the first keyframe. Errors:
  // kNotFound (no such file), kUnavailable (cannot connect, or the source
  // stalled for io_timeout), kInvalidArgument (no video stream, no keyframe,
  // undecodable or unparsable input), kUnimplemented (an FFmpeg without v4l2).
  static Result<std::unique_ptr<Ingest>> Open(const SourceOptions& options);
  virtual ~Ingest() = default;

  virtual const StreamInfo& info() const = 0;
  // ftyp+moov: prefix of every clip made from this Ingest's fragments.
  virtual const Bytes& init_segment() const = 0;

  // The next fragment or analysis frame, in media-time order (a fragment is
  // delivered once its GOP is complete and the analysis copy has passed its
  // end, so the analysis frames of a GOP come before it). Errors: kOutOfRange
  // at the end of a file that does not loop (after the last fragment was
  // delivered); kUnavailable when a network source drops or stalls for
  // io_timeout (the GOP in progress is delivered first, as a shorter
  // fragment; the caller reopens with backoff). Once an error is returned,
  // every later call returns it again.
  virtual Result<IngestItem> Next() = 0;
};

// A baseline JPEG of `frame` (a thumbnail). kInvalidArgument on a bad frame.
Result<Bytes> EncodeJpeg(const AnalysisFrame& frame, int quality = 80);

}  // namespace vigil::media
