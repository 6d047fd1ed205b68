// SPDX-License-Identifier: Apache-2.0
// DecodeImage and ToRgb: packed RGB for the object detector, through
// libavformat's image demuxers, libavcodec and libswscale.

#include "vigil/media/image.h"

#include <string>

#include "internal/av.h"

namespace vigil::media {

using internal::CodecPtr;
using internal::FromAvError;
using internal::InputPtr;
using internal::MakeFrame;
using internal::MakePacket;
using internal::SwsPtr;

namespace {

constexpr int kMaxSide = 16384;

// Converts `frame` (any pixel format FFmpeg knows) to packed RGB at w x h.
Result<RgbImage> Convert(const std::uint8_t* const planes[4], const int strides[4],
                         AVPixelFormat format, int src_w, int src_h, int w, int h) {
  // JPEG decoders deliver the "J" (full-range) formats, which swscale wants
  // as the plain format plus a full-range flag.
  bool full_range = false;
  switch (format) {
    case AV_PIX_FMT_YUVJ420P: format = AV_PIX_FMT_YUV420P, full_range = true; break;
    case AV_PIX_FMT_YUVJ422P: format = AV_PIX_FMT_YUV422P, full_range = true; break;
    case AV_PIX_FMT_YUVJ444P: format = AV_PIX_FMT_YUV444P, full_range = true; break;
    case AV_PIX_FMT_YUVJ440P: format = AV_PIX_FMT_YUV440P, full_range = true; break;
    case AV_PIX_FMT_YUVJ411P: format = AV_PIX_FMT_YUV411P, full_range = true; break;
    default: break;
  }
  SwsPtr sws(sws_getContext(src_w, src_h, format, w, h, AV_PIX_FMT_RGB24,
                            SWS_BILINEAR | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
  if (!sws)
    return Fail(ErrorCode::kInvalidArgument, "image: no conversion to RGB for this pixel format");
  if (full_range) {
    const int* coefficients = sws_getCoefficients(SWS_CS_ITU601);
    sws_setColorspaceDetails(sws.get(), coefficients, 1, coefficients, 1, 0, 1 << 16, 1 << 16);
  }
  RgbImage out{w, h, Bytes(static_cast<std::size_t>(w) * h * 3)};
  std::uint8_t* dst[4] = {out.rgb.data(), nullptr, nullptr, nullptr};
  const int dst_stride[4] = {3 * w, 0, 0, 0};
  sws_scale(sws.get(), planes, strides, 0, src_h, dst, dst_stride);
  return out;
}

}  // namespace

Result<RgbImage> DecodeImage(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Fail(ErrorCode::kNotFound, "no such image file: " + path.string());
  }
  AVFormatContext* raw = nullptr;
  int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (err < 0)
    return Fail(ErrorCode::kInvalidArgument, path.string() + " is not an image FFmpeg can read");
  InputPtr input(raw);
  if ((err = avformat_find_stream_info(input.get(), nullptr)) < 0) {
    return Fail(ErrorCode::kInvalidArgument, path.string() + " is not an image FFmpeg can read");
  }
  const int index = av_find_best_stream(input.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) return Fail(ErrorCode::kInvalidArgument, path.string() + " has no picture");
  const AVCodecParameters* par = input->streams[index]->codecpar;
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (codec == nullptr)
    return Fail(ErrorCode::kInvalidArgument, path.string() + ": no decoder for its format");
  CodecPtr dec(avcodec_alloc_context3(codec));
  if (!dec) return Fail(ErrorCode::kResourceExhausted, "image: out of memory");
  if ((err = avcodec_parameters_to_context(dec.get(), par)) < 0 ||
      (err = avcodec_open2(dec.get(), codec, nullptr)) < 0) {
    return Fail(FromAvError(err, "image decoder"));
  }
  internal::PacketPtr packet = MakePacket();
  internal::FramePtr frame = MakeFrame();
  bool flushed = false;
  for (;;) {
    err = avcodec_receive_frame(dec.get(), frame.get());
    if (err == 0) break;
    if (err != AVERROR(EAGAIN) || flushed) {
      return Fail(ErrorCode::kInvalidArgument, path.string() + ": the picture does not decode");
    }
    err = av_read_frame(input.get(), packet.get());
    if (err == AVERROR_EOF) {
      flushed = true;
      avcodec_send_packet(dec.get(), nullptr);
      continue;
    }
    if (err < 0)
      return Fail(ErrorCode::kInvalidArgument,
                  path.string() + ": the file is truncated or damaged");
    if (packet->stream_index == index && avcodec_send_packet(dec.get(), packet.get()) < 0) {
      av_packet_unref(packet.get());
      return Fail(ErrorCode::kInvalidArgument, path.string() + ": the picture does not decode");
    }
    av_packet_unref(packet.get());
  }
  if (frame->width <= 0 || frame->height <= 0 || frame->width > kMaxSide ||
      frame->height > kMaxSide) {
    return Fail(ErrorCode::kInvalidArgument,
                path.string() + ": the picture is " + std::to_string(frame->width) + "x" +
                    std::to_string(frame->height) + ", outside 1..16384 a side");
  }
  return Convert(frame->data, frame->linesize, static_cast<AVPixelFormat>(frame->format),
                 frame->width, frame->height, frame->width, frame->height);
}

Result<RgbImage> ToRgb(const AnalysisFrame& frame, int width, int height) {
  const int w = frame.width, h = frame.height;
  const std::size_t luma = static_cast<std::size_t>(w) * h;
  if (w <= 0 || h <= 0 || w % 2 != 0 || h % 2 != 0 || frame.y.size() != luma ||
      frame.u.size() != luma / 4 || frame.v.size() != luma / 4) {
    return Fail(ErrorCode::kInvalidArgument, "rgb: plane sizes do not match the frame size");
  }
  if (width <= 0 || height <= 0) {
    width = w;
    height = h;
  }
  if (width > kMaxSide || height > kMaxSide)
    return Fail(ErrorCode::kInvalidArgument, "rgb: target size too large");
  const std::uint8_t* planes[4] = {frame.y.data(), frame.u.data(), frame.v.data(), nullptr};
  const int strides[4] = {w, w / 2, w / 2, 0};
  return Convert(planes, strides, AV_PIX_FMT_YUV420P, w, h, width, height);
}

}  // namespace vigil::media
