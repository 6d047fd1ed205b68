// SPDX-License-Identifier: Apache-2.0
#include "internal/av.h"

#include <cerrno>

#include "vigil/core/check.h"

namespace vigil::media::internal {

FramePtr MakeFrame() {
  FramePtr frame(av_frame_alloc());
  VIGIL_CHECK(frame != nullptr) << "av_frame_alloc: out of memory";
  return frame;
}

PacketPtr MakePacket() {
  PacketPtr packet(av_packet_alloc());
  VIGIL_CHECK(packet != nullptr) << "av_packet_alloc: out of memory";
  return packet;
}

std::string AvErrorText(int err) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, text, sizeof text);
  return text;
}

namespace {

ErrorCode CodeFor(int err) {
  switch (err) {
    case AVERROR(ENOENT):
    case AVERROR(ENODEV): return ErrorCode::kNotFound;
    case AVERROR_EOF: return ErrorCode::kOutOfRange;
    case AVERROR_EXIT:  // our interrupt callback: io_timeout passed
    case AVERROR(ETIMEDOUT):
    case AVERROR(ECONNREFUSED):
    case AVERROR(ECONNRESET):
    case AVERROR(ECONNABORTED):
    case AVERROR(EHOSTUNREACH):
    case AVERROR(ENETUNREACH):
    case AVERROR(ENETDOWN):
    case AVERROR(EPIPE):
    case AVERROR(EIO):
    case AVERROR(EAGAIN):
    case AVERROR_HTTP_SERVER_ERROR: return ErrorCode::kUnavailable;
    case AVERROR(EACCES):
    case AVERROR(EPERM):
    case AVERROR_HTTP_UNAUTHORIZED:
    case AVERROR_HTTP_FORBIDDEN: return ErrorCode::kPermissionDenied;
    case AVERROR_HTTP_NOT_FOUND: return ErrorCode::kNotFound;
    case AVERROR_INVALIDDATA:
    case AVERROR(EINVAL):
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR_STREAM_NOT_FOUND:
    case AVERROR_PROTOCOL_NOT_FOUND:
    case AVERROR_OPTION_NOT_FOUND:
    case AVERROR_PATCHWELCOME:
    case AVERROR(ENOSYS): return ErrorCode::kInvalidArgument;
    case AVERROR(ENOMEM): return ErrorCode::kResourceExhausted;
    default: return ErrorCode::kInternal;
  }
}

}  // namespace

Error FromAvError(int err, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += AvErrorText(err);
  return Error{CodeFor(err), std::move(message)};
}

bool HasCodedPicture(ByteSpan packet, bool hevc) {
  const std::uint8_t* p = packet.data();
  const std::size_t n = packet.size();
  auto is_slice = [hevc](std::uint8_t header) {
    return hevc ? ((header >> 1) & 0x3f) < 32 : ((header & 0x1f) >= 1 && (header & 0x1f) <= 5);
  };
  // Length-prefixed (MP4/MKV style) when the lengths tile the packet
  // exactly; Annex B start codes otherwise. "00 00 01 fa" is both a start
  // code and a length of 506, so the tiling decides.
  bool tiles = n > 4;
  bool slice = false;
  for (std::size_t i = 0; tiles && i < n;) {
    if (n - i < 5) {
      tiles = false;
      break;
    }
    const std::size_t len = (std::size_t{p[i]} << 24) | (std::size_t{p[i + 1]} << 16) |
                            (std::size_t{p[i + 2]} << 8) | p[i + 3];
    if (len == 0 || len > n - i - 4) {
      tiles = false;
      break;
    }
    slice = slice || is_slice(p[i + 4]);
    i += 4 + len;
  }
  if (tiles) return slice;
  for (std::size_t i = 0; i + 3 < n; ++i) {
    if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1 && is_slice(p[i + 3])) return true;
  }
  return false;
}

}  // namespace vigil::media::internal
