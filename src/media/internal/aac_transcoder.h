// SPDX-License-Identifier: Apache-2.0
#pragma once

// Audio that MP4 recordings cannot carry as-is (G.711, MP3, Opus, ADTS AAC
// without a config, ...) decoded and re-encoded to AAC with FFmpeg's native
// encoder. Input and output timestamps are microseconds of media time.

#include <cstdint>
#include <memory>
#include <vector>

#include "internal/av.h"
#include "vigil/core/result.h"

namespace vigil::media::internal {

class AacTranscoder {
 public:
  static Result<std::unique_ptr<AacTranscoder>> Open(const AVCodecParameters& source);
  AacTranscoder(const AacTranscoder&) = delete;
  AacTranscoder& operator=(const AacTranscoder&) = delete;
  ~AacTranscoder() = default;

  // The AAC stream's parameters (with its AudioSpecificConfig), for the muxer.
  const AVCodecParameters& parameters() const { return *params_; }

  // Decodes `packet` and appends the AAC packets that became ready to `out`.
  // A null packet drains everything (the end of the recording).
  Status Send(const AVPacket* packet, std::vector<PacketPtr>& out);
  // A new pass of a looping file: the decoder starts fresh, the output
  // timeline continues.
  void Restart();

 private:
  AacTranscoder() = default;
  Status Encode(std::vector<PacketPtr>& out, bool drain);
  Status Receive(std::vector<PacketPtr>& out);

  CodecPtr decoder_;
  CodecPtr encoder_;
  SwrPtr swr_;
  FifoPtr fifo_;
  FramePtr decoded_ = MakeFrame();
  FramePtr chunk_ = MakeFrame();
  std::unique_ptr<AVCodecParameters, void (*)(AVCodecParameters*)> params_{
      nullptr, [](AVCodecParameters* p) { avcodec_parameters_free(&p); }};
  // Output position, in samples: the pts of the next sample to leave the fifo.
  std::int64_t next_pts_ = AV_NOPTS_VALUE;
};

}  // namespace vigil::media::internal
