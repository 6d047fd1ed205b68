// SPDX-License-Identifier: Apache-2.0
#include "vigil/media/ingest.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern "C" {
#include <libavcodec/bsf.h>
#include <libavdevice/avdevice.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
}

#include "internal/aac_transcoder.h"
#include "internal/analysis.h"
#include "internal/av.h"
#include "internal/fmp4_muxer.h"

namespace vigil::media {
namespace {

using internal::AacTranscoder;
using internal::AnalysisSampler;
using internal::CodecPtr;
using internal::Fmp4Muxer;
using internal::FramePtr;
using internal::FromAvError;
using internal::InputPtr;
using internal::kMicros;
using internal::MakeFrame;
using internal::MakePacket;
using internal::PacketPtr;
using internal::SwsPtr;
using Steady = std::chrono::steady_clock;

bool IsNetwork(const std::string& url) {
  const auto scheme_end = url.find("://");
  return scheme_end != std::string::npos && url.compare(0, scheme_end, "file") != 0;
}

// The URL without user:password@, for messages and logs.
std::string Redacted(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto host_start = scheme_end + 3;
  const auto at = url.find('@', host_start);
  const auto slash = url.find('/', host_start);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  return url.substr(0, host_start) + url.substr(at + 1);
}

// Blocking FFmpeg calls on network sources give up once `deadline` passes:
// a dead camera must surface as kUnavailable, not hang the agent.
struct Interrupt {
  bool armed = false;
  Steady::time_point deadline;
  void Arm(std::chrono::milliseconds timeout) {
    armed = true;
    deadline = Steady::now() + timeout;
  }
  static int Check(void* opaque) {
    const auto* self = static_cast<const Interrupt*>(opaque);
    return self->armed && Steady::now() > self->deadline ? 1 : 0;
  }
};

// One opened source (the main one, or the detect one).
struct Source {
  std::string url;
  bool network = false;
  InputPtr fmt;
  Interrupt interrupt;  // fmt's interrupt callback points here: Source lives on the heap
  int video = -1;
  int audio = -1;
  // The current pass: media time = source time - origin + offset.
  std::int64_t origin_us = AV_NOPTS_VALUE;  // source time of the pass's first keyframe
  std::int64_t offset_us = 0;               // media time where the pass starts
  std::int64_t last_dts_us = AV_NOPTS_VALUE;
  std::int64_t end_us = 0;  // end of the latest video frame read, media time
  bool eof = false;
};

Result<std::unique_ptr<Source>> OpenSource(const std::string& url, const SourceOptions& options,
                                           const char* role) {
  auto src = std::make_unique<Source>();
  src->url = url;
  src->network = IsNetwork(url);
  const std::string shown = Redacted(url);
  // V4L2 devices (a USB camera, a Pi camera) open through libavdevice; the
  // device itself is the camera, so it needs no network timeouts.
  const AVInputFormat* format = nullptr;
  if (url.rfind("/dev/video", 0) == 0) {
    static std::once_flag registered;
    std::call_once(registered, [] { avdevice_register_all(); });
    format = av_find_input_format("v4l2");
    if (format == nullptr) {
      return Fail(ErrorCode::kUnimplemented,
                  std::string(role) + " " + shown + ": this FFmpeg has no v4l2 input");
    }
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) return Fail(ErrorCode::kResourceExhausted, "out of memory");
  internal::Dict dict;
  if (src->network) {
    raw->interrupt_callback.callback = &Interrupt::Check;
    raw->interrupt_callback.opaque = &src->interrupt;
    src->interrupt.Arm(options.io_timeout);
    const std::string timeout_us = std::to_string(options.io_timeout.count() * 1000);
    dict.Set("rtsp_transport", options.rtsp_transport == RtspTransport::kTcp ? "tcp" : "udp");
    dict.Set("timeout", timeout_us);     // RTSP/TCP/HTTP socket I/O timeout
    dict.Set("rw_timeout", timeout_us);  // any other protocol
  }
  int err = avformat_open_input(&raw, url.c_str(), format, dict.get());
  if (err < 0) {  // avformat_open_input freed raw
    if (err == AVERROR(ENOENT)) {
      return Fail(ErrorCode::kNotFound, std::string(role) + ": no such file: " + shown);
    }
    Error e = FromAvError(err, std::string(role) + ": cannot open " + shown);
    // A camera that stalls or talks nonsense mid-handshake is "try again
    // later"; a bad URL scheme or credentials are not.
    if (src->network && err != AVERROR_PROTOCOL_NOT_FOUND && e.code != ErrorCode::kNotFound &&
        e.code != ErrorCode::kPermissionDenied) {
      e.code = ErrorCode::kUnavailable;
    }
    return Fail(std::move(e));
  }
  src->fmt.reset(raw);
  if (src->network) src->interrupt.Arm(options.io_timeout);
  err = avformat_find_stream_info(raw, nullptr);
  if (err < 0) {
    Error e = FromAvError(err, std::string(role) + ": cannot read " + shown);
    if (src->network) e.code = ErrorCode::kUnavailable;
    if (e.code == ErrorCode::kInternal) e.code = ErrorCode::kInvalidArgument;
    return Fail(std::move(e));
  }
  src->video = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (src->video < 0 || raw->streams[src->video]->codecpar->codec_id == AV_CODEC_ID_NONE) {
    return Fail(ErrorCode::kInvalidArgument, std::string(role) + ": no video stream in " + shown);
  }
  src->audio = av_find_best_stream(raw, AVMEDIA_TYPE_AUDIO, -1, src->video, nullptr, 0);
  if (src->audio < 0 || raw->streams[src->audio]->codecpar->codec_id == AV_CODEC_ID_NONE)
    src->audio = -1;
  // Only what we use is demuxed.
  for (unsigned i = 0; i < raw->nb_streams; ++i) {
    if (static_cast<int>(i) != src->video && static_cast<int>(i) != src->audio) {
      raw->streams[i]->discard = AVDISCARD_ALL;
    }
  }
  return src;
}

// Audio of this source is not used: not even demuxed.
void IgnoreAudio(Source& src) {
  if (src.audio >= 0) src.fmt->streams[src.audio]->discard = AVDISCARD_ALL;
  src.audio = -1;
}

Result<CodecPtr> OpenDecoder(const AVCodecParameters& par, const char* what) {
  const AVCodec* codec = avcodec_find_decoder(par.codec_id);
  if (codec == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string("no decoder for ") + what + " codec " + avcodec_get_name(par.codec_id));
  }
  CodecPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return Fail(ErrorCode::kResourceExhausted, "decoder: out of memory");
  int err = avcodec_parameters_to_context(ctx.get(), &par);
  if (err < 0) return Fail(FromAvError(err, std::string(what) + " decoder"));
  ctx->pkt_timebase = kMicros;  // packets are rewritten to media microseconds
  ctx->thread_count = 0;        // as many as the machine has, like ffmpeg
  err = avcodec_open2(ctx.get(), codec, nullptr);
  if (err < 0) {
    Error e = FromAvError(err, std::string("cannot decode ") + what + " codec " + codec->name);
    e.code = ErrorCode::kInvalidArgument;
    return Fail(std::move(e));
  }
  return ctx;
}

// Fills missing H.264/HEVC parameter sets from the first keyframe's in-band
// ones: the init segment is written before any packet, so it needs them now.
Status ExtractExtradata(AVCodecParameters* par, AVRational tb, const AVPacket& key) {
  const AVBitStreamFilter* filter = av_bsf_get_by_name("extract_extradata");
  if (filter == nullptr) return Fail(ErrorCode::kInternal, "FFmpeg lacks extract_extradata");
  AVBSFContext* raw = nullptr;
  int err = av_bsf_alloc(filter, &raw);
  if (err < 0) return Fail(FromAvError(err, "extract_extradata"));
  std::unique_ptr<AVBSFContext, void (*)(AVBSFContext*)> bsf(
      raw, [](AVBSFContext* c) { av_bsf_free(&c); });
  avcodec_parameters_copy(bsf->par_in, par);
  bsf->time_base_in = tb;
  if ((err = av_bsf_init(bsf.get())) < 0) return Fail(FromAvError(err, "extract_extradata"));
  PacketPtr pkt = MakePacket();
  if ((err = av_packet_ref(pkt.get(), &key)) < 0)
    return Fail(FromAvError(err, "extract_extradata"));
  if ((err = av_bsf_send_packet(bsf.get(), pkt.get())) < 0) {
    return Fail(FromAvError(err, "extract_extradata"));
  }
  while (av_bsf_receive_packet(bsf.get(), pkt.get()) == 0) {
    std::size_t size = 0;
    const std::uint8_t* data = av_packet_get_side_data(pkt.get(), AV_PKT_DATA_NEW_EXTRADATA, &size);
    if (data != nullptr && size > 0 && par->extradata_size == 0) {
      par->extradata = static_cast<std::uint8_t*>(av_mallocz(size + AV_INPUT_BUFFER_PADDING_SIZE));
      if (par->extradata == nullptr) return Fail(ErrorCode::kResourceExhausted, "out of memory");
      std::copy(data, data + size, par->extradata);
      par->extradata_size = static_cast<int>(size);
    }
    av_packet_unref(pkt.get());
  }
  if (par->extradata_size == 0) {
    return Fail(ErrorCode::kInvalidArgument, "the first keyframe carries no parameter sets");
  }
  return OkStatus();
}

class IngestImpl final : public Ingest {
 public:
  explicit IngestImpl(SourceOptions options)
      : options_(std::move(options)),
        sampler_(options_.analysis_width, options_.analysis_fps, options_.detect_width) {}

  Status Init();
  const StreamInfo& info() const override { return info_; }
  const Bytes& init_segment() const override { return muxer_->init_segment(); }
  Result<IngestItem> Next() override;

 private:
  Status Step();
  // Reads the main source until its next video keyframe (the start of a pass).
  Status ReadFirstKeyframe();
  // Rewrites `pkt` (of `src`'s stream) to media microseconds; false: drop it.
  bool ToMediaTime(Source& src, AVPacket* pkt, bool video);
  Status HandleVideo(AVPacket* pkt);
  Status HandleAudio(AVPacket* pkt);
  // Feeds the analysis decoder `dec` (null packet: drain) and collects frames.
  Status Decode(AVCodecContext* dec, const AVPacket* pkt, bool encode);
  Status OnDecodedFrame(AVFrame* frame, bool encode);
  Status Encode(AVFrame* frame);  // null: drain the encoder
  Status MuxVideo(AVPacket* pkt);
  Status WriteAudioBefore(std::int64_t limit_us);
  Status CutFragment(std::int64_t end_us);
  Status PumpDetect(std::int64_t until_us);
  Status Decode2Detect(const AVPacket* pkt);
  Status EndOfPass();
  void ReleaseFragments();
  void Pace(std::int64_t pts_us);
  Status OpenEncoder(const AVCodecParameters& par);

  SourceOptions options_;
  StreamInfo info_;
  std::unique_ptr<Source> main_;
  std::unique_ptr<Source> detect_;
  CodecPtr video_decoder_;  // transcoding, or the analysis copy of the main stream
  CodecPtr video_encoder_;  // libx264 when transcoding
  std::int64_t next_keyframe_us_ = AV_NOPTS_VALUE;  // the next forced keyframe
  CodecPtr detect_decoder_;
  SwsPtr encoder_scaler_;  // to yuv420p at the encoder's size, when the decoder differs
  FramePtr encoder_frame_;
  std::unique_ptr<AacTranscoder> aac_;
  std::unique_ptr<Fmp4Muxer> muxer_;
  AnalysisSampler sampler_;
  bool analysis_from_main_ = false;

  PacketPtr packet_ = MakePacket();
  PacketPtr encoded_ = MakePacket();
  PacketPtr detect_packet_ = MakePacket();
  PacketPtr first_key_;  // read by Open, handled by the first Next
  FramePtr frame_ = MakeFrame();
  std::deque<IngestItem> ready_;
  std::deque<Fragment> pending_;       // complete GOPs waiting for their analysis frames
  std::deque<PacketPtr> audio_queue_;  // media time, waiting for their fragment
  std::optional<Error> error_;
  bool finished_ = false;

  std::int64_t frame_duration_us_ = 40000;
  std::int64_t lead_us_ = AV_NOPTS_VALUE;  // mux time = media time + lead (keeps dts >= 0)
  std::int64_t last_mux_video_dts_ = -1;
  std::int64_t last_mux_audio_dts_ = -1;
  std::int64_t last_encoded_pts_ = AV_NOPTS_VALUE;
  std::int64_t video_end_us_ = 0;              // end of the latest video frame, media time
  std::int64_t analysis_done_us_ = INT64_MIN;  // pts of the latest decoded analysis frame
  std::int64_t detect_done_us_ = INT64_MIN;
  bool fragment_open_ = false;
  std::int64_t fragment_start_us_ = 0;
  std::uint64_t fragment_index_ = 0;
  std::optional<Steady::time_point> pace_start_;
  std::int64_t pace_origin_us_ = 0;
};

Status IngestImpl::Init() {
  VIGIL_TRY(main, OpenSource(options_.url, options_, "source"));
  main_ = std::move(main);
  AVStream* vst = main_->fmt->streams[main_->video];
  AVCodecParameters* vpar = vst->codecpar;
  info_.source_codec = avcodec_get_name(vpar->codec_id);
  AVRational rate = vst->avg_frame_rate.num > 0 ? vst->avg_frame_rate : vst->r_frame_rate;
  if (rate.num > 0 && rate.den > 0 && av_q2d(rate) < 1000) {
    info_.frame_rate = av_q2d(rate);
    frame_duration_us_ = av_rescale_q(1, av_inv_q(rate), kMicros);
  }
  const bool copy = vpar->codec_id == AV_CODEC_ID_H264 || vpar->codec_id == AV_CODEC_ID_HEVC;
  info_.video_transcoded = !copy;
  info_.video_codec = copy ? info_.source_codec : "h264";

  if (!options_.detect_url.empty()) {
    VIGIL_TRY(detect, OpenSource(options_.detect_url, options_, "detect source"));
    detect_ = std::move(detect);
    VIGIL_TRY(dec, OpenDecoder(*detect_->fmt->streams[detect_->video]->codecpar, "detect video"));
    detect_decoder_ = std::move(dec);
    IgnoreAudio(*detect_);
  }
  // One decoder for the main stream when transcoding (it also feeds the
  // analysis copy) or when the analysis copy comes from the main stream.
  analysis_from_main_ = !detect_;
  if (!copy || analysis_from_main_) {
    VIGIL_TRY(dec, OpenDecoder(*vpar, "video"));
    video_decoder_ = std::move(dec);
  }

  // Audio.
  const AVCodecParameters* audio_par = nullptr;
  if (main_->audio >= 0) {
    const AVCodecParameters* apar = main_->fmt->streams[main_->audio]->codecpar;
    info_.source_audio_codec = avcodec_get_name(apar->codec_id);
    if (options_.audio == AudioPolicy::kDrop) {
      info_.audio_dropped = true;
    } else if (apar->codec_id == AV_CODEC_ID_AAC && apar->extradata_size > 0) {
      audio_par = apar;
      info_.audio_codec = "aac";
    } else {
      auto aac = AacTranscoder::Open(*apar);
      if (aac) {
        aac_ = std::move(*aac);
        audio_par = &aac_->parameters();
        info_.audio_codec = "aac";
        info_.audio_transcoded = true;
        std::fprintf(stderr, "media: transcoding %s audio to aac (MP4 recordings carry AAC)\n",
                     info_.source_audio_codec.c_str());
      } else {
        std::fprintf(stderr, "media: dropping %s audio: %s\n", info_.source_audio_codec.c_str(),
                     aac.error().message.c_str());
        info_.audio_dropped = true;
      }
    }
    if (audio_par == nullptr) IgnoreAudio(*main_);
  }

  if (Status s = ReadFirstKeyframe(); !s) return s;
  if (main_->eof) {
    return Fail(ErrorCode::kInvalidArgument,
                "source: no video keyframe in " + Redacted(options_.url));
  }
  AVCodecParameters* mux_video = vpar;
  std::unique_ptr<AVCodecParameters, void (*)(AVCodecParameters*)> encoded(
      nullptr, [](AVCodecParameters* p) { avcodec_parameters_free(&p); });
  if (copy) {
    if (vpar->extradata_size == 0) {
      if (Status s = ExtractExtradata(vpar, vst->time_base, *first_key_); !s) {
        return Fail(ErrorCode::kInvalidArgument, "source: " + s.error().message);
      }
    }
  } else {
    if (Status s = OpenEncoder(*vpar); !s) return s;
    encoded.reset(avcodec_parameters_alloc());
    if (!encoded) return Fail(ErrorCode::kResourceExhausted, "out of memory");
    avcodec_parameters_from_context(encoded.get(), video_encoder_.get());
    mux_video = encoded.get();
    std::fprintf(stderr, "media: transcoding %s to h264 with libx264 (source is not H.264/H.265)\n",
                 info_.source_codec.c_str());
  }
  if (mux_video->width <= 0 || mux_video->height <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "source: video without dimensions in " + Redacted(options_.url));
  }
  info_.width = mux_video->width;
  info_.height = mux_video->height;
  VIGIL_TRY(muxer, Fmp4Muxer::Create(*mux_video, audio_par));
  muxer_ = std::move(muxer);
  return OkStatus();
}

Status IngestImpl::OpenEncoder(const AVCodecParameters& par) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) return Fail(ErrorCode::kUnimplemented, "FFmpeg has no libx264 encoder");
  video_encoder_.reset(avcodec_alloc_context3(codec));
  if (!video_encoder_) return Fail(ErrorCode::kResourceExhausted, "out of memory");
  AVCodecContext* e = video_encoder_.get();
  e->width = par.width & ~1;
  e->height = par.height & ~1;
  e->pix_fmt = AV_PIX_FMT_YUV420P;
  e->sample_aspect_ratio = par.sample_aspect_ratio;
  e->time_base = kMicros;
  const double fps = info_.frame_rate > 0 ? info_.frame_rate : 25.0;
  e->framerate = av_d2q(fps, 100000);
  const int gop = std::max(
      1, static_cast<int>(
             std::lround(fps * static_cast<double>(options_.transcode_gop.count()) / 1000.0)));
  e->gop_size = gop;
  e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // avcC in the init segment
  av_opt_set(e->priv_data, "preset", "veryfast", 0);
  // Keyframes are forced by time (OnDecodedFrame); x264 adds none of its own
  // in between (keyint is only a backstop at twice the GOP).
  const std::string params = "keyint=" + std::to_string(2 * gop) + ":min-keyint=1:scenecut=0";
  av_opt_set(e->priv_data, "forced-idr", "1", 0);
  av_opt_set(e->priv_data, "x264-params", params.c_str(), 0);
  const int err = avcodec_open2(e, codec, nullptr);
  if (err < 0) return Fail(FromAvError(err, "libx264"));
  return OkStatus();
}

bool IngestImpl::ToMediaTime(Source& src, AVPacket* pkt, bool video) {
  const AVRational tb = src.fmt->streams[pkt->stream_index]->time_base;
  std::int64_t pts = pkt->pts, dts = pkt->dts;
  // AVI and some RTP streams leave one of the two unset.
  if (pts == AV_NOPTS_VALUE) pts = dts;
  if (dts == AV_NOPTS_VALUE) dts = pts;
  std::int64_t pts_us, dts_us;
  if (pts == AV_NOPTS_VALUE) {
    if (!video || src.last_dts_us == AV_NOPTS_VALUE) return false;  // nothing to place it with
    dts_us = pts_us = src.last_dts_us + frame_duration_us_;
  } else {
    const std::int64_t pts_src = av_rescale_q(pts, tb, kMicros);
    if (video && src.origin_us == AV_NOPTS_VALUE) src.origin_us = pts_src;
    if (src.origin_us == AV_NOPTS_VALUE) return false;  // audio before the first keyframe
    pts_us = pts_src - src.origin_us + src.offset_us;
    dts_us = av_rescale_q(dts, tb, kMicros) - src.origin_us + src.offset_us;
    // A camera whose clock jumps (reboot, wrap): re-anchor so the timeline
    // continues one frame after the last packet instead of going backwards.
    if (video && src.last_dts_us != AV_NOPTS_VALUE &&
        (dts_us < src.last_dts_us - 1000000 || dts_us > src.last_dts_us + 10000000)) {
      const std::int64_t shift = dts_us - (src.last_dts_us + frame_duration_us_);
      src.origin_us += shift;
      pts_us -= shift;
      dts_us -= shift;
    }
  }
  if (video) {
    if (src.last_dts_us != AV_NOPTS_VALUE && dts_us <= src.last_dts_us)
      dts_us = src.last_dts_us + 1;
    src.last_dts_us = dts_us;
  }
  pkt->pts = std::max(pts_us, dts_us);
  pkt->dts = dts_us;
  pkt->duration = pkt->duration > 0 ? av_rescale_q(pkt->duration, tb, kMicros)
                                    : (video ? frame_duration_us_ : 0);
  if (video) src.end_us = std::max(src.end_us, pkt->pts + pkt->duration);
  pkt->time_base = kMicros;
  return true;
}

Status IngestImpl::ReadFirstKeyframe() {
  Source& src = *main_;
  src.origin_us = AV_NOPTS_VALUE;
  src.last_dts_us = AV_NOPTS_VALUE;
  // Bounded: a stream without keyframes is not something we can record.
  for (int i = 0; i < 10000; ++i) {
    if (src.network) src.interrupt.Arm(options_.io_timeout);
    const int err = av_read_frame(src.fmt.get(), packet_.get());
    if (err < 0 && src.network) {
      Error e = FromAvError(err, "source " + Redacted(src.url) + " stopped");
      e.code = ErrorCode::kUnavailable;
      return Fail(std::move(e));
    }
    if (err < 0) {  // a file's end, or nothing readable after this point
      src.eof = true;
      return OkStatus();
    }
    if (packet_->stream_index == src.video && (packet_->flags & AV_PKT_FLAG_KEY) != 0 &&
        (packet_->pts != AV_NOPTS_VALUE || packet_->dts != AV_NOPTS_VALUE)) {
      first_key_ = MakePacket();
      av_packet_move_ref(first_key_.get(), packet_.get());
      return OkStatus();
    }
    av_packet_unref(packet_.get());
  }
  return Fail(ErrorCode::kInvalidArgument, "source: no video keyframe in " + Redacted(src.url));
}

Result<IngestItem> IngestImpl::Next() {
  while (ready_.empty()) {
    if (error_) return Fail(*error_);
    if (finished_) return Fail(ErrorCode::kOutOfRange, "end of " + Redacted(options_.url));
    if (Status s = Step(); !s) {
      error_ = s.error();
      // The GOP in progress is still footage (a camera cut mid-GOP is the
      // case that matters): close it as a shorter fragment, then deliver
      // everything before the error. If the muxer itself failed, this fails too.
      if (fragment_open_ && WriteAudioBefore(video_end_us_)) {
        static_cast<void>(CutFragment(video_end_us_));
      }
      ReleaseFragments();
    }
  }
  // Built in place: GCC 12 flags a moved-from local variant as maybe-uninitialized.
  Result<IngestItem> item(tl::in_place, std::move(ready_.front()));
  ready_.pop_front();
  return item;
}

Status IngestImpl::Step() {
  Source& src = *main_;
  AVPacket* pkt = packet_.get();
  if (first_key_) {
    av_packet_move_ref(pkt, first_key_.get());
    first_key_.reset();
  } else {
    if (src.network) src.interrupt.Arm(options_.io_timeout);
    const int err = av_read_frame(src.fmt.get(), pkt);
    if (err < 0) {
      if (src.network) {
        Error e = FromAvError(err, "source " + Redacted(src.url) + " stopped");
        e.code = ErrorCode::kUnavailable;  // the caller reconnects
        return Fail(std::move(e));
      }
      // A file's end, or an unreadable rest of it: what was read is kept.
      return EndOfPass();
    }
  }
  Status result = OkStatus();
  if (pkt->stream_index == src.video) {
    if (ToMediaTime(src, pkt, true)) result = HandleVideo(pkt);
  } else if (pkt->stream_index == src.audio) {
    if (ToMediaTime(src, pkt, false)) result = HandleAudio(pkt);
  }
  av_packet_unref(pkt);
  ReleaseFragments();
  return result;
}

void IngestImpl::Pace(std::int64_t pts_us) {
  if (!options_.realtime || main_->network) return;
  const auto now = Steady::now();
  if (!pace_start_) {
    pace_start_ = now;
    pace_origin_us_ = pts_us;
    return;
  }
  const auto target = *pace_start_ + std::chrono::microseconds(pts_us - pace_origin_us_);
  if (target > now) std::this_thread::sleep_until(target);
}

Status IngestImpl::HandleVideo(AVPacket* pkt) {
  Pace(pkt->dts);  // dts: increasing even with B-frames
  if (detect_) {
    if (Status s = PumpDetect(pkt->pts); !s) return s;
  }
  if (video_encoder_) return Decode(video_decoder_.get(), pkt, true);
  if (video_decoder_) {
    // Frames nothing refers to need no decoding unless the analysis copy
    // keeps them (B-frames mostly): this is the decoder's work we can skip
    // without changing any other frame.
    video_decoder_->skip_frame = sampler_.Due(pkt->pts) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
    if (Status s = Decode(video_decoder_.get(), pkt, false); !s) return s;
  }
  const ByteSpan unit(pkt->data, static_cast<std::size_t>(std::max(pkt->size, 0)));
  if (!internal::HasCodedPicture(unit, info_.video_codec == "hevc")) return OkStatus();
  return MuxVideo(pkt);
}

Status IngestImpl::HandleAudio(AVPacket* pkt) {
  if (aac_) {
    std::vector<PacketPtr> out;
    if (Status s = aac_->Send(pkt, out); !s) return s;
    for (auto& p : out) audio_queue_.push_back(std::move(p));
    return OkStatus();
  }
  PacketPtr copy = MakePacket();
  const int err = av_packet_ref(copy.get(), pkt);
  if (err < 0) return Fail(FromAvError(err, "audio"));
  audio_queue_.push_back(std::move(copy));
  return OkStatus();
}

Status IngestImpl::Decode(AVCodecContext* dec, const AVPacket* pkt, bool encode) {
  int err = avcodec_send_packet(dec, pkt);
  // A corrupt packet costs its frames, not the stream: keep going.
  if (err < 0 && err != AVERROR(EAGAIN) && err != AVERROR_EOF && pkt != nullptr) return OkStatus();
  while (true) {
    err = avcodec_receive_frame(dec, frame_.get());
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) break;
    if (err < 0) break;
    Status s = OnDecodedFrame(frame_.get(), encode);
    av_frame_unref(frame_.get());
    if (!s) return s;
  }
  if (pkt == nullptr) avcodec_flush_buffers(dec);  // ready for another pass
  return OkStatus();
}

Status IngestImpl::OnDecodedFrame(AVFrame* frame, bool encode) {
  std::int64_t pts = frame->best_effort_timestamp;
  if (pts == AV_NOPTS_VALUE) pts = frame->pts;
  if (pts == AV_NOPTS_VALUE) return OkStatus();
  if (analysis_from_main_) {
    analysis_done_us_ = std::max(analysis_done_us_, pts);
    VIGIL_TRY(analysis, sampler_.Offer(*frame, pts));
    if (analysis) ready_.emplace_back(std::move(*analysis));
  }
  if (!encode) return OkStatus();
  // The encoder wants strictly increasing pts.
  if (last_encoded_pts_ != AV_NOPTS_VALUE && pts <= last_encoded_pts_) pts = last_encoded_pts_ + 1;
  last_encoded_pts_ = pts;
  AVCodecContext* e = video_encoder_.get();
  AVFrame* input = frame;
  if (frame->format != AV_PIX_FMT_YUV420P || frame->width != e->width ||
      frame->height != e->height) {
    encoder_scaler_.reset(
        sws_getCachedContext(encoder_scaler_.release(), frame->width, frame->height,
                             static_cast<AVPixelFormat>(frame->format), e->width, e->height,
                             AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!encoder_scaler_)
      return Fail(ErrorCode::kInvalidArgument, "cannot convert video for libx264");
    encoder_frame_ = MakeFrame();
    encoder_frame_->format = AV_PIX_FMT_YUV420P;
    encoder_frame_->width = e->width;
    encoder_frame_->height = e->height;
    int err = av_frame_get_buffer(encoder_frame_.get(), 0);
    if (err < 0) return Fail(FromAvError(err, "video buffer"));
    sws_scale(encoder_scaler_.get(), frame->data, frame->linesize, 0, frame->height,
              encoder_frame_->data, encoder_frame_->linesize);
    input = encoder_frame_.get();
  }
  input->pts = pts;
  // Keyframes by time, not frame count: a camera (or tree.avi) that sends a
  // variable frame rate still gets one fragment per `transcode_gop`.
  if (next_keyframe_us_ == AV_NOPTS_VALUE || pts >= next_keyframe_us_) {
    input->pict_type = AV_PICTURE_TYPE_I;
    const std::int64_t gop_us =
        std::chrono::duration_cast<std::chrono::microseconds>(options_.transcode_gop).count();
    next_keyframe_us_ =
        next_keyframe_us_ == AV_NOPTS_VALUE ? pts + gop_us : next_keyframe_us_ + gop_us;
    if (next_keyframe_us_ <= pts) next_keyframe_us_ = pts + gop_us;
  } else {
    input->pict_type = AV_PICTURE_TYPE_NONE;
  }
  return Encode(input);
}

Status IngestImpl::Encode(AVFrame* frame) {
  int err = avcodec_send_frame(video_encoder_.get(), frame);
  if (err < 0 && err != AVERROR_EOF) return Fail(FromAvError(err, "libx264"));
  AVPacket* out = encoded_.get();
  while (true) {
    err = avcodec_receive_packet(video_encoder_.get(), out);
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return OkStatus();
    if (err < 0) return Fail(FromAvError(err, "libx264"));
    if (out->duration <= 0) out->duration = frame_duration_us_;
    Status s = MuxVideo(out);
    av_packet_unref(out);
    if (!s) return s;
  }
}

Status IngestImpl::MuxVideo(AVPacket* pkt) {
  const bool key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
  if (!fragment_open_) {
    if (!key) return OkStatus();  // only after a pass's first keyframe
    fragment_open_ = true;
    fragment_start_us_ = pkt->pts;
  } else if (key) {
    if (Status s = CutFragment(pkt->pts); !s) return s;
    fragment_open_ = true;
    fragment_start_us_ = pkt->pts;
  }
  // Mux time = media time + lead, where lead is the first keyframe's
  // pts - dts (B-frame reorder delay): every dts is then >= 0, which empty_moov
  // needs, and the first sample starts at 0.
  if (lead_us_ == AV_NOPTS_VALUE) lead_us_ = std::max<std::int64_t>(0, pkt->pts - pkt->dts);
  const std::int64_t media_pts = pkt->pts, media_dts = pkt->dts;
  std::int64_t dts = media_dts + lead_us_;
  if (dts <= last_mux_video_dts_) dts = last_mux_video_dts_ + 1;
  if (dts < 0) return OkStatus();
  pkt->dts = dts;
  pkt->pts = std::max(media_pts + lead_us_, dts);
  last_mux_video_dts_ = dts;
  video_end_us_ = std::max(video_end_us_, media_pts + pkt->duration);
  Status s = muxer_->Write(*pkt, Fmp4Muxer::kVideo);
  pkt->pts = media_pts;
  pkt->dts = media_dts;
  return s;
}

Status IngestImpl::WriteAudioBefore(std::int64_t limit_us) {
  while (!audio_queue_.empty() && audio_queue_.front()->pts < limit_us) {
    AVPacket* a = audio_queue_.front().get();
    if (lead_us_ != AV_NOPTS_VALUE) {
      const std::int64_t dts = (a->dts != AV_NOPTS_VALUE ? a->dts : a->pts) + lead_us_;
      // Audio from before the first video frame, or overlapping what was
      // written (a loop restart), is dropped: MP4 needs increasing dts >= 0.
      if (dts >= 0 && dts > last_mux_audio_dts_) {
        a->dts = dts;
        a->pts = std::max(a->pts + lead_us_, dts);
        last_mux_audio_dts_ = dts;
        if (Status s = muxer_->Write(*a, Fmp4Muxer::kAudio); !s) return s;
      }
    }
    audio_queue_.pop_front();
  }
  return OkStatus();
}

Status IngestImpl::CutFragment(std::int64_t end_us) {
  if (!fragment_open_) return OkStatus();
  if (Status s = WriteAudioBefore(end_us); !s) return s;
  VIGIL_TRY(bytes, muxer_->Cut());
  fragment_open_ = false;
  if (bytes.empty()) return OkStatus();
  Fragment fragment;
  fragment.bytes = std::move(bytes);
  fragment.start_us = fragment_start_us_;
  fragment.duration_us = std::max<std::int64_t>(0, end_us - fragment_start_us_);
  fragment.index = fragment_index_++;
  pending_.push_back(std::move(fragment));
  return OkStatus();
}

void IngestImpl::ReleaseFragments() {
  // A fragment goes out once the analysis copy has passed its end (or there
  // is nothing more to wait for), so its analysis frames come first.
  const std::int64_t done = detect_ ? (detect_->eof ? INT64_MAX : detect_done_us_)
                                    : (analysis_from_main_ ? analysis_done_us_ : INT64_MAX);
  while (!pending_.empty()) {
    const Fragment& f = pending_.front();
    const bool complete = done >= f.start_us + f.duration_us || finished_ || error_.has_value() ||
                          pending_.size() > 2;  // a decoder that stopped must not hold GOPs back
    if (!complete) break;
    ready_.emplace_back(std::move(pending_.front()));
    pending_.pop_front();
  }
}

Status IngestImpl::PumpDetect(std::int64_t until_us) {
  Source& src = *detect_;
  AVPacket* pkt = detect_packet_.get();
  while (!src.eof && detect_done_us_ < until_us) {
    if (src.network) src.interrupt.Arm(options_.io_timeout);
    const int err = av_read_frame(src.fmt.get(), pkt);
    if (err < 0) {
      if (src.network) {
        Error e = FromAvError(err, "detect source " + Redacted(src.url) + " stopped");
        e.code = ErrorCode::kUnavailable;
        return Fail(std::move(e));
      }
      src.eof = true;
      return Decode2Detect(nullptr);
    }
    Status s = OkStatus();
    if (pkt->stream_index == src.video) {
      // Decoding starts at the detect stream's first keyframe.
      const bool started = src.origin_us != AV_NOPTS_VALUE;
      if ((started || (pkt->flags & AV_PKT_FLAG_KEY) != 0) && ToMediaTime(src, pkt, true)) {
        s = Decode2Detect(pkt);
      }
    }
    av_packet_unref(pkt);
    if (!s) return s;
  }
  return OkStatus();
}

Status IngestImpl::Decode2Detect(const AVPacket* pkt) {
  AVCodecContext* dec = detect_decoder_.get();
  int err = avcodec_send_packet(dec, pkt);
  if (err < 0 && err != AVERROR(EAGAIN) && err != AVERROR_EOF && pkt != nullptr) return OkStatus();
  while (true) {
    err = avcodec_receive_frame(dec, frame_.get());
    if (err < 0) break;
    std::int64_t pts = frame_->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) pts = frame_->pts;
    Status s = OkStatus();
    if (pts != AV_NOPTS_VALUE) {
      detect_done_us_ = std::max(detect_done_us_, pts);
      auto analysis = sampler_.Offer(*frame_, pts);
      if (!analysis) {
        s = Fail(analysis.error());
      } else if (*analysis) {
        ready_.emplace_back(std::move(**analysis));
      }
    }
    av_frame_unref(frame_.get());
    if (!s) return s;
  }
  if (pkt == nullptr) avcodec_flush_buffers(dec);
  return OkStatus();
}

Status IngestImpl::EndOfPass() {
  const bool loop = options_.loop && !main_->network;
  // Drain the decoder: the last frames of the GOP (analysis, and the
  // encoder's input when transcoding).
  if (video_decoder_) {
    if (Status s = Decode(video_decoder_.get(), nullptr, video_encoder_ != nullptr); !s) return s;
  }
  if (!loop) {
    if (video_encoder_) {
      if (Status s = Encode(nullptr); !s) return s;
    }
    if (aac_) {
      std::vector<PacketPtr> out;
      if (Status s = aac_->Send(nullptr, out); !s) return s;
      for (auto& p : out) audio_queue_.push_back(std::move(p));
    }
    if (detect_ && !detect_->eof) {
      if (Status s = PumpDetect(INT64_MAX); !s) return s;
    }
    if (Status s = WriteAudioBefore(video_end_us_); !s) return s;
    if (Status s = CutFragment(video_end_us_); !s) return s;
    audio_queue_.clear();
    finished_ = true;
    ReleaseFragments();
    return OkStatus();
  }
  // Loop: a fresh open of the file, its timeline placed right after the end
  // of the last frame. The muxer, the encoder and the init segment stay, so
  // fragments (and their tfdt) keep increasing.
  // The end of what was read, not of what was muxed: when transcoding, the
  // encoder still holds the last frames of this pass.
  const std::int64_t offset = std::max(video_end_us_, main_->end_us);
  if (offset <= main_->offset_us) {
    return Fail(ErrorCode::kInvalidArgument,
                "source: nothing playable in " + Redacted(options_.url));
  }
  VIGIL_TRY(reopened, OpenSource(options_.url, options_, "source"));
  if (reopened->fmt->streams[reopened->video]->codecpar->codec_id !=
      main_->fmt->streams[main_->video]->codecpar->codec_id) {
    return Fail(ErrorCode::kInvalidArgument, "source: the file changed while looping");
  }
  const int audio = main_->audio;
  main_ = std::move(reopened);
  if (audio < 0) IgnoreAudio(*main_);
  main_->offset_us = offset;
  if (aac_) aac_->Restart();
  if (detect_ && !detect_->network) {
    VIGIL_TRY(detect, OpenSource(options_.detect_url, options_, "detect source"));
    IgnoreAudio(*detect);
    detect->offset_us = offset;
    detect_ = std::move(detect);
  }
  if (Status s = ReadFirstKeyframe(); !s) return s;
  if (main_->eof)
    return Fail(ErrorCode::kInvalidArgument, "source: no video keyframe after looping");
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<Ingest>> Ingest::Open(const SourceOptions& options) {
  if (options.url.empty()) return Fail(ErrorCode::kInvalidArgument, "source: no URL");
  if (options.analysis_width < 2) {
    return Fail(ErrorCode::kInvalidArgument, "analysis_width must be at least 2");
  }
  if (options.detect_width < 0 || options.detect_width > 4096) {
    return Fail(ErrorCode::kInvalidArgument, "detect_width must be 0..4096");
  }
  if (options.analysis_fps < 0)
    return Fail(ErrorCode::kInvalidArgument, "analysis_fps must be >= 0");
  // FFmpeg's per-packet warnings are noise in the agent's log; keep errors.
  if (av_log_get_level() == AV_LOG_INFO) av_log_set_level(AV_LOG_ERROR);
  auto ingest = std::make_unique<IngestImpl>(options);
  if (Status s = ingest->Init(); !s) return Fail(s.error());
  return std::unique_ptr<Ingest>(std::move(ingest));
}

}  // namespace vigil::media
