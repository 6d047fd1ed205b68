// SPDX-License-Identifier: Apache-2.0
#include "internal/aac_transcoder.h"

#include <array>
#include <cstdlib>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
}

namespace vigil::media::internal {

namespace {

// The sample rates AAC (and FFmpeg's encoder) supports; others are resampled.
bool AacRate(int rate) {
  static constexpr std::array<int, 13> kRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                                 22050, 16000, 12000, 11025, 8000,  7350};
  for (int r : kRates) {
    if (r == rate) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<AacTranscoder>> AacTranscoder::Open(const AVCodecParameters& source) {
  std::unique_ptr<AacTranscoder> self(new AacTranscoder());
  const AVCodec* dec = avcodec_find_decoder(source.codec_id);
  if (dec == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string("no decoder for audio codec ") + avcodec_get_name(source.codec_id));
  }
  self->decoder_.reset(avcodec_alloc_context3(dec));
  if (!self->decoder_) return Fail(ErrorCode::kResourceExhausted, "audio decoder: out of memory");
  int err = avcodec_parameters_to_context(self->decoder_.get(), &source);
  if (err < 0) return Fail(FromAvError(err, "audio decoder"));
  self->decoder_->pkt_timebase = kMicros;
  err = avcodec_open2(self->decoder_.get(), dec, nullptr);
  if (err < 0) return Fail(FromAvError(err, "audio decoder"));

  const AVCodec* enc = avcodec_find_encoder_by_name("aac");
  if (enc == nullptr) return Fail(ErrorCode::kInternal, "FFmpeg has no aac encoder");
  self->encoder_.reset(avcodec_alloc_context3(enc));
  if (!self->encoder_) return Fail(ErrorCode::kResourceExhausted, "aac encoder: out of memory");
  AVCodecContext* e = self->encoder_.get();
  const int in_rate = source.sample_rate > 0 ? source.sample_rate : 8000;
  const int channels = source.ch_layout.nb_channels >= 2 ? 2 : 1;
  av_channel_layout_default(&e->ch_layout, channels);
  e->sample_rate = AacRate(in_rate) ? in_rate : 48000;
  e->sample_fmt = AV_SAMPLE_FMT_FLTP;
  e->bit_rate = channels == 1 ? 64000 : 128000;
  e->time_base = AVRational{1, e->sample_rate};
  e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // MP4 wants the config in esds
  err = avcodec_open2(e, enc, nullptr);
  if (err < 0) return Fail(FromAvError(err, "aac encoder"));

  self->params_.reset(avcodec_parameters_alloc());
  if (!self->params_) return Fail(ErrorCode::kResourceExhausted, "aac encoder: out of memory");
  err = avcodec_parameters_from_context(self->params_.get(), e);
  if (err < 0) return Fail(FromAvError(err, "aac encoder"));

  self->fifo_.reset(av_audio_fifo_alloc(e->sample_fmt, channels, e->frame_size * 4));
  if (!self->fifo_) return Fail(ErrorCode::kResourceExhausted, "audio fifo: out of memory");
  return self;
}

void AacTranscoder::Restart() { avcodec_flush_buffers(decoder_.get()); }

Status AacTranscoder::Send(const AVPacket* packet, std::vector<PacketPtr>& out) {
  int err = avcodec_send_packet(decoder_.get(), packet);
  // A bad audio packet costs that packet, not the recording.
  if (err < 0 && err != AVERROR(EAGAIN) && err != AVERROR_EOF && packet != nullptr)
    return OkStatus();
  AVCodecContext* e = encoder_.get();
  while (true) {
    err = avcodec_receive_frame(decoder_.get(), decoded_.get());
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) break;
    if (err < 0) break;  // same: skip what does not decode
    AVFrame* f = decoded_.get();
    if (!swr_) {
      AVChannelLayout in_layout;
      if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || f->ch_layout.nb_channels == 0) {
        av_channel_layout_default(&in_layout, std::max(1, f->ch_layout.nb_channels));
      } else {
        av_channel_layout_copy(&in_layout, &f->ch_layout);
      }
      SwrContext* swr = nullptr;
      err = swr_alloc_set_opts2(&swr, &e->ch_layout, e->sample_fmt, e->sample_rate, &in_layout,
                                static_cast<AVSampleFormat>(f->format), f->sample_rate, 0, nullptr);
      av_channel_layout_uninit(&in_layout);
      swr_.reset(swr);
      if (err < 0 || (err = swr_init(swr)) < 0) return Fail(FromAvError(err, "audio resampler"));
    }
    // Place the output on the media timeline: follow the input's clock, but
    // only jump when it is off by more than 200 ms (a gap, a loop restart).
    const std::int64_t frame_pts =
        f->best_effort_timestamp != AV_NOPTS_VALUE
            ? av_rescale_q(f->best_effort_timestamp, kMicros, e->time_base)
            : AV_NOPTS_VALUE;
    const std::int64_t queued = av_audio_fifo_size(fifo_.get());
    if (next_pts_ == AV_NOPTS_VALUE) {
      next_pts_ = frame_pts != AV_NOPTS_VALUE ? frame_pts : 0;
    } else if (frame_pts != AV_NOPTS_VALUE) {
      const std::int64_t drift = frame_pts - (next_pts_ + queued);
      if (drift > e->sample_rate / 5) {
        av_audio_fifo_reset(fifo_.get());  // a gap: restart the output there
        next_pts_ = frame_pts;
      } else if (drift < -e->sample_rate / 5) {
        continue;  // overlaps what was already sent
      }
    }
    const int max_out = swr_get_out_samples(swr_.get(), f->nb_samples);
    if (max_out < 0) return Fail(FromAvError(max_out, "audio resampler"));
    err = av_audio_fifo_realloc(fifo_.get(), av_audio_fifo_size(fifo_.get()) + max_out);
    if (err < 0) return Fail(FromAvError(err, "audio fifo"));
    // Convert straight into a scratch frame, then into the fifo.
    av_frame_unref(chunk_.get());
    chunk_->format = e->sample_fmt;
    chunk_->nb_samples = max_out;
    av_channel_layout_copy(&chunk_->ch_layout, &e->ch_layout);
    chunk_->sample_rate = e->sample_rate;
    if (max_out > 0) {
      err = av_frame_get_buffer(chunk_.get(), 0);
      if (err < 0) return Fail(FromAvError(err, "audio buffer"));
    }
    const int converted =
        swr_convert(swr_.get(), chunk_->extended_data, max_out,
                    const_cast<const std::uint8_t**>(f->extended_data), f->nb_samples);
    if (converted < 0) return Fail(FromAvError(converted, "audio resampler"));
    if (converted > 0) {
      err = av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(chunk_->extended_data),
                                converted);
      if (err < 0) return Fail(FromAvError(err, "audio fifo"));
    }
    if (Status s = Encode(out, false); !s) return s;
  }
  if (packet == nullptr) return Encode(out, true);
  return OkStatus();
}

Status AacTranscoder::Encode(std::vector<PacketPtr>& out, bool drain) {
  AVCodecContext* e = encoder_.get();
  while (av_audio_fifo_size(fifo_.get()) >= e->frame_size ||
         (drain && av_audio_fifo_size(fifo_.get()) > 0)) {
    const int n = std::min(av_audio_fifo_size(fifo_.get()), e->frame_size);
    av_frame_unref(chunk_.get());
    chunk_->format = e->sample_fmt;
    chunk_->nb_samples = n;
    av_channel_layout_copy(&chunk_->ch_layout, &e->ch_layout);
    chunk_->sample_rate = e->sample_rate;
    int err = av_frame_get_buffer(chunk_.get(), 0);
    if (err < 0) return Fail(FromAvError(err, "audio buffer"));
    err = av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(chunk_->extended_data), n);
    if (err < 0) return Fail(FromAvError(err, "audio fifo"));
    chunk_->pts = next_pts_;
    next_pts_ += n;
    err = avcodec_send_frame(e, chunk_.get());
    if (err < 0) return Fail(FromAvError(err, "aac encoder"));
    if (Status s = Receive(out); !s) return s;
  }
  if (drain) {
    const int err = avcodec_send_frame(e, nullptr);
    if (err < 0 && err != AVERROR_EOF) return Fail(FromAvError(err, "aac encoder"));
    return Receive(out);
  }
  return OkStatus();
}

Status AacTranscoder::Receive(std::vector<PacketPtr>& out) {
  while (true) {
    PacketPtr pkt = MakePacket();
    const int err = avcodec_receive_packet(encoder_.get(), pkt.get());
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return OkStatus();
    if (err < 0) return Fail(FromAvError(err, "aac encoder"));
    av_packet_rescale_ts(pkt.get(), encoder_->time_base, kMicros);
    out.push_back(std::move(pkt));
  }
}

}  // namespace vigil::media::internal
