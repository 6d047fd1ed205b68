// SPDX-License-Identifier: Apache-2.0
#include "internal/fmp4_muxer.h"

#include <utility>

namespace vigil::media::internal {

namespace {
constexpr int kAvioBufferSize = 64 * 1024;
}  // namespace

int Fmp4Muxer::OnWrite(void* opaque, std::uint8_t* data, int size) {
  auto* self = static_cast<Fmp4Muxer*>(opaque);
  self->out_.insert(self->out_.end(), data, data + size);
  return size;
}

Result<std::unique_ptr<Fmp4Muxer>> Fmp4Muxer::Create(const AVCodecParameters& video,
                                                     const AVCodecParameters* audio) {
  std::unique_ptr<Fmp4Muxer> self(new Fmp4Muxer());
  AVFormatContext* raw = nullptr;
  int err = avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr);
  if (err < 0) return Fail(FromAvError(err, "mp4 muxer"));
  self->ctx_.reset(raw);

  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kAvioBufferSize));
  if (buffer == nullptr) return Fail(ErrorCode::kResourceExhausted, "mp4 muxer: out of memory");
  self->avio_.reset(avio_alloc_context(buffer, kAvioBufferSize, 1, self.get(), nullptr,
                                       &Fmp4Muxer::OnWrite, nullptr));
  if (!self->avio_) {
    av_free(buffer);
    return Fail(ErrorCode::kResourceExhausted, "mp4 muxer: out of memory");
  }
  self->ctx_->pb = self->avio_.get();
  self->ctx_->flags |= AVFMT_FLAG_CUSTOM_IO;

  auto add_stream = [&](const AVCodecParameters& par, AVRational time_base) -> Status {
    AVStream* st = avformat_new_stream(self->ctx_.get(), nullptr);
    if (st == nullptr) return Fail(ErrorCode::kResourceExhausted, "mp4 muxer: out of memory");
    const int copied = avcodec_parameters_copy(st->codecpar, &par);
    if (copied < 0) return Fail(FromAvError(copied, "mp4 muxer"));
    st->codecpar->codec_tag = 0;  // the source container's tag means nothing in MP4
    st->time_base = time_base;
    return OkStatus();
  };
  // 90 kHz: the usual video timescale, exact for every common frame rate.
  if (Status s = add_stream(video, AVRational{1, 90000}); !s) return Fail(s.error());
  if (audio != nullptr) {
    if (Status s = add_stream(*audio, AVRational{1, audio->sample_rate}); !s)
      return Fail(s.error());
    self->has_audio_ = true;
  }

  Dict options;
  // frag_custom: we decide where fragments end (before each keyframe).
  // empty_moov: the init segment is complete at write_header.
  // default_base_moof: every fragment's offsets are relative to its own moof,
  //   so a fragment is self-contained.
  // frag_discont: each track's first tfdt is its first dts instead of 0, so
  //   audio that starts after video keeps its place and tfdt is absolute.
  options.Set("movflags", "frag_custom+empty_moov+default_base_moof+frag_discont");
  err = avformat_write_header(self->ctx_.get(), options.get());
  if (err < 0) return Fail(FromAvError(err, "mp4 muxer: cannot write the init segment"));
  avio_flush(self->ctx_->pb);
  self->init_ = std::exchange(self->out_, {});
  return self;
}

Status Fmp4Muxer::Write(const AVPacket& packet, int stream) {
  AVPacket* pkt = scratch_.get();
  int err = av_packet_ref(pkt, &packet);
  if (err < 0) return Fail(FromAvError(err, "mp4 muxer"));
  pkt->stream_index = stream;
  pkt->pos = -1;
  av_packet_rescale_ts(pkt, kMicros, ctx_->streams[stream]->time_base);
  // Distinct microseconds can round to one tick of the track's timescale;
  // the muxer needs strictly increasing dts.
  std::int64_t& last = last_dts_[stream];
  if (last != AV_NOPTS_VALUE && pkt->dts <= last) pkt->dts = last + 1;
  if (pkt->pts < pkt->dts) pkt->pts = pkt->dts;
  last = pkt->dts;
  err = av_write_frame(ctx_.get(), pkt);
  av_packet_unref(pkt);
  if (err < 0) return Fail(FromAvError(err, "mp4 muxer: cannot write a packet"));
  dirty_ = true;
  return OkStatus();
}

Result<Bytes> Fmp4Muxer::Cut() {
  if (!dirty_) return Bytes{};
  const int err = av_write_frame(ctx_.get(), nullptr);  // flush: moof+mdat
  if (err < 0) return Fail(FromAvError(err, "mp4 muxer: cannot write a fragment"));
  avio_flush(ctx_->pb);
  dirty_ = false;
  return std::exchange(out_, {});
}

}  // namespace vigil::media::internal
