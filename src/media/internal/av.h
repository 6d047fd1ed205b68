// SPDX-License-Identifier: Apache-2.0
#pragma once

// FFmpeg inside the media module: RAII owners for every FFmpeg object and the
// one mapping from AVERROR codes to Vigil errors. Never included by a public
// header.

#include <memory>
#include <string>
#include <string_view>

#include "vigil/core/bytes.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/dict.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include "vigil/core/result.h"

namespace vigil::media::internal {

struct InputDeleter {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
// An output context whose pb is owned elsewhere (AvioPtr).
struct OutputDeleter {
  void operator()(AVFormatContext* c) const { avformat_free_context(c); }
};
struct AvioDeleter {
  void operator()(AVIOContext* c) const {
    av_freep(&c->buffer);
    avio_context_free(&c);
  }
};
struct CodecDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* c) const { sws_freeContext(c); }
};
struct SwrDeleter {
  void operator()(SwrContext* c) const { swr_free(&c); }
};
struct FifoDeleter {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};

using InputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;
using OutputPtr = std::unique_ptr<AVFormatContext, OutputDeleter>;
using AvioPtr = std::unique_ptr<AVIOContext, AvioDeleter>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using FifoPtr = std::unique_ptr<AVAudioFifo, FifoDeleter>;

// An AVDictionary freed on scope exit (FFmpeg takes AVDictionary**).
class Dict {
 public:
  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  ~Dict() { av_dict_free(&dict_); }
  void Set(const char* key, const std::string& value) {
    av_dict_set(&dict_, key, value.c_str(), 0);
  }
  AVDictionary** get() { return &dict_; }

 private:
  AVDictionary* dict_ = nullptr;
};

// Allocation helpers that abort on OOM like the rest of Vigil's allocations.
FramePtr MakeFrame();
PacketPtr MakePacket();

// FFmpeg's text for `err`.
std::string AvErrorText(int err);

// The one AVERROR -> Vigil mapping: "<what>: <FFmpeg's text>" with
// ENOENT -> kNotFound, EOF -> kOutOfRange, network errors and interrupts
// (our io_timeout) -> kUnavailable, bad data / unknown codec or format ->
// kInvalidArgument, ENOMEM -> kResourceExhausted, the rest kInternal.
Error FromAvError(int err, std::string_view what);

// True when an H.264 (or, with `hevc`, H.265) access unit carries at least
// one coded slice. A camera, or an RTP depacketiser at a drop, can send one
// of only a delimiter or parameter sets; written into an MP4 sample it is a
// frame no decoder can show ("missing picture in access unit"). Reads Annex B
// and 4-byte length-prefixed NAL units.
bool HasCodedPicture(ByteSpan packet, bool hevc);

inline constexpr AVRational kMicros{1, 1000000};

}  // namespace vigil::media::internal
