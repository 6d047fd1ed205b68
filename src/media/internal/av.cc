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

}  // namespace vigil::media::internal
