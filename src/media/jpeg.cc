// SPDX-License-Identifier: Apache-2.0
// EncodeJpeg: thumbnails from analysis frames with FFmpeg's mjpeg encoder.

#include <algorithm>
#include <string>

#include "internal/av.h"
#include "vigil/media/ingest.h"

namespace vigil::media {

using internal::CodecPtr;
using internal::FromAvError;
using internal::MakeFrame;
using internal::MakePacket;
using internal::SwsPtr;

Result<Bytes> EncodeJpeg(const AnalysisFrame& frame, int quality) {
  const int w = frame.width, h = frame.height;
  if (w <= 0 || h <= 0 || w % 2 != 0 || h % 2 != 0 || w > 16384 || h > 16384) {
    return Fail(ErrorCode::kInvalidArgument, "jpeg: frame size must be even and positive");
  }
  const std::size_t luma = static_cast<std::size_t>(w) * h;
  if (frame.y.size() != luma || frame.u.size() != luma / 4 || frame.v.size() != luma / 4) {
    return Fail(ErrorCode::kInvalidArgument, "jpeg: plane sizes do not match the frame size");
  }
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr) return Fail(ErrorCode::kInternal, "FFmpeg has no mjpeg encoder");
  CodecPtr enc(avcodec_alloc_context3(codec));
  if (!enc) return Fail(ErrorCode::kResourceExhausted, "jpeg: out of memory");
  enc->width = w;
  enc->height = h;
  // JPEG is full range; analysis frames are limited (video) range.
  enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
  enc->color_range = AVCOL_RANGE_JPEG;
  enc->time_base = AVRational{1, 25};
  // quality 100..1 -> mjpeg qscale 2..31 (lower is better).
  const int q = std::clamp(quality, 1, 100);
  const int qscale = 2 + (100 - q) * 29 / 99;
  enc->flags |= AV_CODEC_FLAG_QSCALE;
  enc->global_quality = qscale * FF_QP2LAMBDA;
  int err = avcodec_open2(enc.get(), codec, nullptr);
  if (err < 0) return Fail(FromAvError(err, "jpeg encoder"));

  internal::FramePtr out = MakeFrame();
  out->format = AV_PIX_FMT_YUVJ420P;
  out->width = w;
  out->height = h;
  out->color_range = AVCOL_RANGE_JPEG;
  if ((err = av_frame_get_buffer(out.get(), 0)) < 0) return Fail(FromAvError(err, "jpeg"));
  SwsPtr sws(sws_getContext(w, h, AV_PIX_FMT_YUV420P, w, h, AV_PIX_FMT_YUVJ420P, SWS_BILINEAR,
                            nullptr, nullptr, nullptr));
  if (!sws) return Fail(ErrorCode::kInternal, "jpeg: no range converter");
  const std::uint8_t* src[4] = {frame.y.data(), frame.u.data(), frame.v.data(), nullptr};
  const int src_stride[4] = {w, w / 2, w / 2, 0};
  sws_scale(sws.get(), src, src_stride, 0, h, out->data, out->linesize);
  out->quality = enc->global_quality;
  out->pts = 0;

  if ((err = avcodec_send_frame(enc.get(), out.get())) < 0)
    return Fail(FromAvError(err, "jpeg encoder"));
  if ((err = avcodec_send_frame(enc.get(), nullptr)) < 0)
    return Fail(FromAvError(err, "jpeg encoder"));
  internal::PacketPtr pkt = MakePacket();
  if ((err = avcodec_receive_packet(enc.get(), pkt.get())) < 0) {
    return Fail(FromAvError(err, "jpeg encoder"));
  }
  return Bytes(pkt->data, pkt->data + pkt->size);
}

}  // namespace vigil::media
