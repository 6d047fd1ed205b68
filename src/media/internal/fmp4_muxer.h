// SPDX-License-Identifier: Apache-2.0
#pragma once

// Fragmented MP4 through libavformat's mp4 muxer into memory: the init
// segment is what avformat_write_header writes, and each Cut() returns the
// moof+mdat of everything written since the previous cut.

#include <cstdint>
#include <memory>

#include "internal/av.h"
#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil::media::internal {

class Fmp4Muxer {
 public:
  static constexpr int kVideo = 0;
  static constexpr int kAudio = 1;

  // `video` is H.264 or HEVC with its parameter sets in extradata; `audio`
  // (AAC with its AudioSpecificConfig) may be null.
  static Result<std::unique_ptr<Fmp4Muxer>> Create(const AVCodecParameters& video,
                                                   const AVCodecParameters* audio);
  Fmp4Muxer(const Fmp4Muxer&) = delete;
  Fmp4Muxer& operator=(const Fmp4Muxer&) = delete;
  ~Fmp4Muxer() = default;

  const Bytes& init_segment() const { return init_; }
  bool has_audio() const { return has_audio_; }

  // Buffers `packet` (timestamps in microseconds on the mux timeline,
  // dts >= 0 and increasing per stream) into the current fragment.
  // `packet` itself is left as it was.
  Status Write(const AVPacket& packet, int stream);
  // Closes the current fragment and returns its bytes (empty if nothing was
  // written since the last cut).
  Result<Bytes> Cut();

 private:
  Fmp4Muxer() = default;
  // FFmpeg 5.1's write_packet callback signature (non-const buffer).
  static int OnWrite(void* opaque, std::uint8_t* data, int size);

  AvioPtr avio_;  // declared first: outlives ctx_, which points at it
  OutputPtr ctx_;
  PacketPtr scratch_ = MakePacket();
  std::int64_t last_dts_[2] = {AV_NOPTS_VALUE, AV_NOPTS_VALUE};  // per stream, in its timescale
  Bytes out_;
  Bytes init_;
  bool has_audio_ = false;
  bool dirty_ = false;
};

}  // namespace vigil::media::internal
