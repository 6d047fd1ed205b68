// SPDX-License-Identifier: Apache-2.0
#include "vigil/media/ingest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "internal/av.h"

namespace vigil::media {
namespace {

// Inputs are made at test time with the ffmpeg CLI (-v error: quiet).
struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

void WriteFile(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// In-process check of an MP4 (cheaper than spawning ffprobe for every
// case): its streams as "h264,video", its decoded video frames, and the
// errors FFmpeg logged while demuxing and decoding it all.
struct Inspection {
  std::vector<std::string> streams;
  int video_frames = 0;
  std::vector<std::string> errors;
};

std::vector<std::string>* g_logged = nullptr;

void CollectErrors(void* avcl, int level, const char* fmt, va_list args) {
  if (level > AV_LOG_ERROR || g_logged == nullptr) return;
  char line[1024];
  int prefix = 1;
  av_log_format_line(avcl, level, fmt, args, line, sizeof line, &prefix);
  g_logged->push_back(line);
}

Inspection Inspect(const std::string& path) {
  using internal::AvErrorText;
  using internal::CodecPtr;
  using internal::FramePtr;
  using internal::InputPtr;
  using internal::MakeFrame;
  using internal::MakePacket;
  using internal::PacketPtr;
  Inspection r;
  g_logged = &r.errors;
  av_log_set_callback(&CollectErrors);
  [&] {
    AVFormatContext* raw = nullptr;
    if (int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); err < 0) {
      r.errors.push_back("open: " + AvErrorText(err));
      return;
    }
    InputPtr fmt(raw);
    if (avformat_find_stream_info(raw, nullptr) < 0) r.errors.push_back("no stream info");
    for (unsigned i = 0; i < raw->nb_streams; ++i) {
      const AVCodecParameters* par = raw->streams[i]->codecpar;
      r.streams.push_back(std::string(avcodec_get_name(par->codec_id)) + "," +
                          av_get_media_type_string(par->codec_type));
    }
    const int video = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (video < 0) return;
    const AVCodec* codec = avcodec_find_decoder(raw->streams[video]->codecpar->codec_id);
    CodecPtr dec(avcodec_alloc_context3(codec));
    avcodec_parameters_to_context(dec.get(), raw->streams[video]->codecpar);
    dec->thread_count = 1;
    if (avcodec_open2(dec.get(), codec, nullptr) < 0) {
      r.errors.push_back("cannot open the decoder");
      return;
    }
    PacketPtr pkt = MakePacket();
    FramePtr frame = MakeFrame();
    auto drain = [&] {
      while (avcodec_receive_frame(dec.get(), frame.get()) == 0) {
        if (frame->decode_error_flags != 0) r.errors.push_back("frame with decode errors");
        ++r.video_frames;
      }
    };
    while (true) {
      const int err = av_read_frame(raw, pkt.get());
      if (err == AVERROR_EOF) break;
      if (err < 0) {
        r.errors.push_back("read: " + AvErrorText(err));
        break;
      }
      if (pkt->stream_index == video) {
        if (avcodec_send_packet(dec.get(), pkt.get()) < 0) r.errors.push_back("bad packet");
        drain();
      }
      av_packet_unref(pkt.get());
    }
    avcodec_send_packet(dec.get(), nullptr);
    drain();
  }();
  av_log_set_callback(&av_log_default_callback);
  g_logged = nullptr;
  return r;
}

// A camera that goes quiet: accepts one TCP connection, sends `data`, then
// neither sends nor closes until destroyed.
class StallingServer {
 public:
  explicit StallingServer(Bytes data) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 1), 0);
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, data = std::move(data)] {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      std::size_t sent = 0;
      while (sent < data.size()) {
        const ssize_t n = ::send(client, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ::close(client);
    });
  }
  ~StallingServer() {
    stop_ = true;
    ::shutdown(listener_, SHUT_RDWR);  // wakes a pending accept
    thread_.join();
    ::close(listener_);
  }
  StallingServer(const StallingServer&) = delete;
  StallingServer& operator=(const StallingServer&) = delete;
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Bytes FirstHalf(const Bytes& bytes) {
  return Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2));
}

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class MediaIngestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = ::testing::TempDir() + "vigil-media-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = new std::string(pattern);
    const std::string ff = "ffmpeg -v error -nostdin -y ";
    const std::string x264 =
        " -c:v libx264 -preset ultrafast -g 10 -keyint_min 10 -sc_threshold 0 -pix_fmt yuv420p ";
    // 8 s at 10 fps, a keyframe every 10 frames (8 GOPs), B-frames, AAC.
    MakeInput(ff +
              "-f lavfi -i testsrc=size=320x240:rate=10:duration=8 "
              "-f lavfi -i sine=frequency=440:sample_rate=44100:duration=8" +
              x264 + "-bf 2 -c:a aac -shortest " + Path("h264_aac.mp4"));
    // MS MPEG-4 v3 in AVI, like opencv's vtest.avi (AVI has no pts): 3 s.
    MakeInput(ff + "-f lavfi -i testsrc=size=320x240:rate=10:duration=3 -c:v msmpeg4 -q:v 5 " +
              Path("msmpeg4.avi"));
    // H.264 + G.711 mu-law in Matroska: 3 s.
    MakeInput(ff +
              "-f lavfi -i testsrc=size=320x240:rate=10:duration=3 "
              "-f lavfi -i sine=frequency=440:sample_rate=8000:duration=3" +
              x264 + "-c:a pcm_mulaw -ar 8000 -ac 1 -shortest " + Path("h264_mulaw.mkv"));
    // Black, 1 s, and a short clip for looping / pacing.
    MakeInput(ff + "-f lavfi -i color=c=black:size=320x240:rate=10:duration=0.6" + x264 +
              Path("black.mp4"));
    MakeInput(ff + "-f lavfi -i sine=duration=1 -c:a aac " + Path("audio.m4a"));
    // MPEG-TS (in-band SPS/PPS, ADTS AAC) for the network cases.
    MakeInput(ff + "-i " + Path("h264_aac.mp4") + " -c copy -f mpegts " + Path("h264_aac.ts"));
    MakeInput(ff +
              "-f lavfi -i testsrc=size=320x240:rate=10:duration=2 "
              "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=2" +
              x264 + "-c:a aac -shortest " + Path("short.mp4"));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
    dir_ = nullptr;
  }
  static void MakeInput(const std::string& command) {
    const CommandResult r = RunCommand(command);
    ASSERT_EQ(r.status, 0) << command << "\n" << r.output;
  }
  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }

  struct Drained {
    std::vector<Fragment> fragments;
    std::vector<AnalysisFrame> frames;
    std::vector<std::size_t> order;  // per item: 0 fragment, 1 frame
    Error end{ErrorCode::kInternal, ""};
  };
  // Reads until an error (kOutOfRange at the end) or `max_fragments`.
  static Drained Drain(Ingest& ingest, std::size_t max_fragments = 1000) {
    Drained d;
    while (d.fragments.size() < max_fragments) {
      auto item = ingest.Next();
      if (!item) {
        d.end = item.error();
        break;
      }
      if (auto* f = std::get_if<Fragment>(&*item)) {
        d.fragments.push_back(std::move(*f));
        d.order.push_back(0);
      } else {
        d.frames.push_back(std::get<AnalysisFrame>(std::move(*item)));
        d.order.push_back(1);
      }
    }
    return d;
  }
  static std::unique_ptr<Ingest> OpenOk(const SourceOptions& options) {
    auto opened = Ingest::Open(options);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    return opened ? std::move(*opened) : nullptr;
  }
  static SourceOptions Options(const std::string& name) {
    SourceOptions o;
    o.url = Path(name);
    return o;
  }
  // init + fragments[first, last) as an MP4 file.
  static std::string WriteClip(const Ingest& ingest, const std::vector<Fragment>& fragments,
                               std::size_t first, std::size_t last, const std::string& name) {
    Bytes clip = ingest.init_segment();
    for (std::size_t i = first; i < last; ++i) {
      clip.insert(clip.end(), fragments[i].bytes.begin(), fragments[i].bytes.end());
    }
    std::string path = Path(name);
    WriteFile(path, clip);
    return path;
  }
  // One ffprobe run: "codec_type,codec_name,nb_read_frames" per stream.
  static std::vector<std::string> Probe(const std::string& path) {
    const std::string out = RunCommand(
                                "ffprobe -v error -count_frames -show_entries "
                                "stream=codec_type,codec_name,nb_read_frames -of csv=p=0 " +
                                path)
                                .output;
    std::vector<std::string> lines;
    std::size_t at = 0;
    while (at < out.size()) {
      const std::size_t end = std::min(out.find('\n', at), out.size());
      const std::string line = Trim(out.substr(at, end - at));
      if (!line.empty()) lines.push_back(line);
      at = end + 1;
    }
    return lines;
  }
  // ffmpeg's complaints while decoding `path` (empty: clean).
  static std::string DecodeErrors(const std::string& path) {
    return Trim(RunCommand("ffmpeg -v error -nostdin -i " + path + " -f null -").output);
  }

  static std::string* dir_;
};

std::string* MediaIngestTest::dir_ = nullptr;

// Box walk for tests: the baseMediaDecodeTime of `track` in a moof.
std::int64_t Tfdt(const Bytes& fragment, std::uint32_t track) {
  auto u32 = [&](std::size_t at) {
    return (std::uint32_t{fragment[at]} << 24) | (std::uint32_t{fragment[at + 1]} << 16) |
           (std::uint32_t{fragment[at + 2]} << 8) | fragment[at + 3];
  };
  std::int64_t found = -1;
  // moof > traf > (tfhd, tfdt); walk boxes recursively by name.
  auto walk = [&](auto& self, std::size_t begin, std::size_t end, std::uint32_t current) -> void {
    std::size_t at = begin;
    while (at + 8 <= end) {
      const std::size_t size = u32(at);
      if (size < 8 || at + size > end) return;
      const std::string type(reinterpret_cast<const char*>(&fragment[at + 4]), 4);
      if (type == "moof" || type == "traf") {
        std::uint32_t id = current;
        self(self, at + 8, at + size, id);
      } else if (type == "tfhd") {
        current = u32(at + 12);
      } else if (type == "tfdt" && current == track) {
        const bool v1 = fragment[at + 8] == 1;
        found = v1 ? (static_cast<std::int64_t>(u32(at + 12)) << 32) | u32(at + 16) : u32(at + 12);
      }
      at += size;
    }
  };
  walk(walk, 0, fragment.size(), 0);
  return found;
}

TEST_F(MediaIngestTest, RemuxesH264WithOneFragmentPerGop) {
  auto ingest = OpenOk(Options("h264_aac.mp4"));
  ASSERT_NE(ingest, nullptr);
  const StreamInfo& info = ingest->info();
  EXPECT_EQ(info.video_codec, "h264");
  EXPECT_EQ(info.source_codec, "h264");
  EXPECT_FALSE(info.video_transcoded);
  EXPECT_EQ(info.width, 320);
  EXPECT_EQ(info.height, 240);
  EXPECT_NEAR(info.frame_rate, 10.0, 0.01);
  EXPECT_EQ(info.audio_codec, "aac");
  EXPECT_FALSE(info.audio_transcoded);

  Drained d = Drain(*ingest);
  EXPECT_EQ(d.end.code, ErrorCode::kOutOfRange) << d.end.ToString();
  ASSERT_EQ(d.fragments.size(), 8u);  // 80 frames, a keyframe every 10
  std::int64_t expected_start = 0;
  for (std::size_t i = 0; i < d.fragments.size(); ++i) {
    const Fragment& f = d.fragments[i];
    EXPECT_EQ(f.index, i);
    EXPECT_EQ(f.start_us, expected_start);
    EXPECT_EQ(f.duration_us, 1000000);
    ASSERT_GT(f.bytes.size(), 8u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&f.bytes[4]), 4), "moof");
    expected_start += f.duration_us;
  }
  EXPECT_EQ(expected_start, 8000000);

  const std::string all = WriteClip(*ingest, d.fragments, 0, d.fragments.size(), "all.mp4");
  const auto streams = Probe(all);
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0], "h264,video,80");
  EXPECT_EQ(streams[1].rfind("aac,audio,", 0), 0u) << streams[1];
  EXPECT_EQ(DecodeErrors(all), "");
}

TEST_F(MediaIngestTest, AnyRunOfFragmentsIsAPlayableMp4) {
  auto ingest = OpenOk(Options("h264_aac.mp4"));
  ASSERT_NE(ingest, nullptr);
  Drained d = Drain(*ingest);
  ASSERT_EQ(d.fragments.size(), 8u);
  // Each fragment starts at a keyframe and carries its own offsets.
  const std::string part = WriteClip(*ingest, d.fragments, 3, 6, "part.mp4");
  EXPECT_EQ(DecodeErrors(part), "");
  EXPECT_EQ(Probe(part).at(0), "h264,video,30");
  EXPECT_TRUE(Inspect(part).errors.empty());
  // The in-process checker the other cases use does see broken video.
  std::vector<Fragment> broken(d.fragments.begin() + 3, d.fragments.begin() + 4);
  Bytes& bytes = broken[0].bytes;
  for (std::size_t i = bytes.size() / 4; i < bytes.size() / 4 + 400; ++i) bytes[i] ^= 0x5A;
  EXPECT_FALSE(Inspect(WriteClip(*ingest, broken, 0, 1, "broken.mp4")).errors.empty());
  // tfdt is absolute: the run starts 3 s in (90 kHz video timescale).
  EXPECT_EQ(Tfdt(d.fragments[3].bytes, 1), std::int64_t{3} * 90000 + Tfdt(d.fragments[0].bytes, 1));
}

TEST_F(MediaIngestTest, AnalysisFramesAtTheRequestedRateAndSizeBeforeTheirFragment) {
  SourceOptions o = Options("h264_aac.mp4");
  o.analysis_width = 160;
  o.analysis_fps = 5;
  auto ingest = OpenOk(o);
  ASSERT_NE(ingest, nullptr);
  Drained d = Drain(*ingest);
  EXPECT_NEAR(static_cast<double>(d.frames.size()), 8 * 5, 1);
  std::int64_t last = -1;
  for (const AnalysisFrame& f : d.frames) {
    EXPECT_EQ(f.width, 160);
    EXPECT_EQ(f.height, 120);
    EXPECT_EQ(f.y.size(), 160u * 120u);
    EXPECT_EQ(f.u.size(), 80u * 60u);
    EXPECT_EQ(f.v.size(), 80u * 60u);
    EXPECT_GT(f.pts_us, last);
    last = f.pts_us;
  }
  // No analysis frame of a GOP arrives after that GOP's fragment.
  std::size_t fragment = 0, frame = 0;
  for (std::size_t kind : d.order) {
    if (kind == 0) {
      const Fragment& f = d.fragments[fragment++];
      for (std::size_t later = frame; later < d.frames.size(); ++later) {
        EXPECT_GE(d.frames[later].pts_us, f.start_us + f.duration_us);
      }
    } else {
      ++frame;
    }
  }
  // Every frame when analysis_fps is 0.
  o.analysis_fps = 0;
  auto every = OpenOk(o);
  ASSERT_NE(every, nullptr);
  EXPECT_EQ(Drain(*every).frames.size(), 80u);
}

TEST_F(MediaIngestTest, TranscodesOtherVideoToH264WithFixedGop) {
  SourceOptions o = Options("msmpeg4.avi");
  o.transcode_gop = std::chrono::milliseconds(1000);
  auto ingest = OpenOk(o);
  ASSERT_NE(ingest, nullptr);
  EXPECT_TRUE(ingest->info().video_transcoded);
  EXPECT_EQ(ingest->info().source_codec, "msmpeg4v3");
  EXPECT_EQ(ingest->info().video_codec, "h264");
  EXPECT_TRUE(ingest->info().source_audio_codec.empty());
  Drained d = Drain(*ingest);
  EXPECT_EQ(d.end.code, ErrorCode::kOutOfRange) << d.end.ToString();
  ASSERT_EQ(d.fragments.size(), 3u);  // 30 frames, a keyframe every 10
  for (std::size_t i = 0; i < d.fragments.size(); ++i) {
    EXPECT_EQ(d.fragments[i].start_us, static_cast<std::int64_t>(i) * 1000000);
  }
  EXPECT_NEAR(static_cast<double>(d.frames.size()), 3 * 5, 1);
  const std::string all = WriteClip(*ingest, d.fragments, 0, d.fragments.size(), "mpeg4.mp4");
  const Inspection whole = Inspect(all);
  EXPECT_EQ(whole.streams, std::vector<std::string>{"h264,video"});
  EXPECT_EQ(whole.video_frames, 30);
  EXPECT_TRUE(whole.errors.empty()) << whole.errors.front();
  const Inspection tail = Inspect(WriteClip(*ingest, d.fragments, 1, 3, "mpeg4_tail.mp4"));
  EXPECT_EQ(tail.video_frames, 20);
  EXPECT_TRUE(tail.errors.empty()) << tail.errors.front();
}

TEST_F(MediaIngestTest, G711IsTranscodedToAac) {
  auto ingest = OpenOk(Options("h264_mulaw.mkv"));
  ASSERT_NE(ingest, nullptr);
  EXPECT_EQ(ingest->info().source_audio_codec, "pcm_mulaw");
  EXPECT_EQ(ingest->info().audio_codec, "aac");
  EXPECT_TRUE(ingest->info().audio_transcoded);
  EXPECT_FALSE(ingest->info().video_transcoded);
  Drained d = Drain(*ingest);
  ASSERT_EQ(d.fragments.size(), 3u);
  const std::string all = WriteClip(*ingest, d.fragments, 0, d.fragments.size(), "mulaw.mp4");
  const Inspection r = Inspect(all);
  EXPECT_EQ(r.streams, (std::vector<std::string>{"h264,video", "aac,audio"}));
  EXPECT_EQ(r.video_frames, 30);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
}

TEST_F(MediaIngestTest, DropPolicyRecordsNoAudio) {
  SourceOptions o = Options("h264_mulaw.mkv");
  o.audio = AudioPolicy::kDrop;
  auto ingest = OpenOk(o);
  ASSERT_NE(ingest, nullptr);
  EXPECT_TRUE(ingest->info().audio_dropped);
  EXPECT_TRUE(ingest->info().audio_codec.empty());
  Drained d = Drain(*ingest);
  const std::string all = WriteClip(*ingest, d.fragments, 0, d.fragments.size(), "drop.mp4");
  const Inspection r = Inspect(all);
  EXPECT_EQ(r.streams, std::vector<std::string>{"h264,video"});
  EXPECT_EQ(r.video_frames, 30);
}

TEST_F(MediaIngestTest, RemuxesHevc) {
  const std::string path = Path("hevc.mp4");
  const CommandResult made = RunCommand(
      "ffmpeg -v error -nostdin -y -f lavfi -i testsrc=size=320x240:rate=10:duration=2 -c:v "
      "libx265 "
      "-preset ultrafast -x265-params log-level=error:keyint=10:min-keyint=10:scenecut=0 "
      "-pix_fmt yuv420p " +
      path);
  if (made.status != 0)
    GTEST_SKIP() << "ffmpeg cannot encode HEVC here (no libx265): " << made.output;
  auto ingest = OpenOk(Options("hevc.mp4"));
  ASSERT_NE(ingest, nullptr);
  EXPECT_EQ(ingest->info().video_codec, "hevc");
  EXPECT_FALSE(ingest->info().video_transcoded);
  Drained d = Drain(*ingest);
  ASSERT_EQ(d.fragments.size(), 2u);
  const std::string all = WriteClip(*ingest, d.fragments, 0, 2, "hevc_out.mp4");
  const Inspection whole = Inspect(all);
  EXPECT_EQ(whole.streams, std::vector<std::string>{"hevc,video"});
  EXPECT_EQ(whole.video_frames, 20);
  const Inspection tail = Inspect(WriteClip(*ingest, d.fragments, 1, 2, "hevc_tail.mp4"));
  EXPECT_EQ(tail.video_frames, 10);
  EXPECT_TRUE(tail.errors.empty()) << tail.errors.front();
}

TEST_F(MediaIngestTest, BlackFrameIsDarkAndMakesAJpeg) {
  auto ingest = OpenOk(Options("black.mp4"));
  ASSERT_NE(ingest, nullptr);
  Drained d = Drain(*ingest);
  ASSERT_FALSE(d.frames.empty());
  const AnalysisFrame& f = d.frames.front();
  EXPECT_EQ(f.width, 320);
  EXPECT_EQ(f.height, 240);
  for (std::uint8_t y : f.y) ASSERT_LE(y, 20);  // limited-range black is 16

  auto jpeg = EncodeJpeg(f);
  ASSERT_TRUE(jpeg.has_value()) << jpeg.error().ToString();
  ASSERT_GT(jpeg->size(), 4u);
  EXPECT_EQ((*jpeg)[0], 0xFF);
  EXPECT_EQ((*jpeg)[1], 0xD8);
  const std::string path = Path("thumb.jpg");
  WriteFile(path, *jpeg);
  EXPECT_EQ(Probe(path), std::vector<std::string>{"mjpeg,video,1"});

  AnalysisFrame bad = f;
  bad.y.pop_back();
  EXPECT_EQ(EncodeJpeg(bad).error().code, ErrorCode::kInvalidArgument);
  bad = f;
  bad.width = 0;
  EXPECT_EQ(EncodeJpeg(bad).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(MediaIngestTest, LoopKeepsTheTimelineIncreasing) {
  SourceOptions o = Options("short.mp4");
  o.loop = true;
  auto ingest = OpenOk(o);
  ASSERT_NE(ingest, nullptr);
  Drained d = Drain(*ingest, 6);  // 3 passes of 2 GOPs
  ASSERT_EQ(d.fragments.size(), 6u) << d.end.ToString();
  for (std::size_t i = 1; i < d.fragments.size(); ++i) {
    const Fragment& prev = d.fragments[i - 1];
    EXPECT_EQ(d.fragments[i].start_us, prev.start_us + prev.duration_us) << i;
    EXPECT_GT(Tfdt(d.fragments[i].bytes, 1), Tfdt(prev.bytes, 1)) << i;
    EXPECT_GT(Tfdt(d.fragments[i].bytes, 2), Tfdt(prev.bytes, 2)) << i;
  }
  EXPECT_EQ(d.fragments[5].start_us, 5000000);
  for (std::size_t i = 1; i < d.frames.size(); ++i)
    EXPECT_GT(d.frames[i].pts_us, d.frames[i - 1].pts_us);
  const std::string all = WriteClip(*ingest, d.fragments, 0, 6, "loop.mp4");
  const Inspection r = Inspect(all);
  EXPECT_EQ(r.streams, (std::vector<std::string>{"h264,video", "aac,audio"}));
  EXPECT_EQ(r.video_frames, 60);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
}

TEST_F(MediaIngestTest, DetectSourceFeedsTheAnalysisCopy) {
  SourceOptions o = Options("h264_aac.mp4");
  o.detect_url = Path("black.mp4");  // 0.6 s of black beside 8 s of test pattern
  o.analysis_fps = 5;
  auto ingest = OpenOk(o);
  ASSERT_NE(ingest, nullptr);
  Drained d = Drain(*ingest);
  EXPECT_EQ(d.fragments.size(), 8u);
  EXPECT_EQ(d.frames.size(), 3u);  // 0.6 s at 5 fps: the detect file's length
  for (const AnalysisFrame& f : d.frames) EXPECT_LE(*std::max_element(f.y.begin(), f.y.end()), 20);
}

TEST_F(MediaIngestTest, RealtimePacesAFileAtItsFrameRate) {
  SourceOptions o = Options("black.mp4");  // 6 frames at 10 fps
  o.realtime = true;
  const auto start = std::chrono::steady_clock::now();
  auto ingest = OpenOk(o);
  ASSERT_NE(ingest, nullptr);
  Drained d = Drain(*ingest);
  EXPECT_EQ(d.end.code, ErrorCode::kOutOfRange);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(450));
}

TEST_F(MediaIngestTest, ACameraThatStallsMidStreamIsUnavailable) {
  const Bytes ts = ReadFile(Path("h264_aac.ts"));
  ASSERT_GT(ts.size(), 1000u);
  StallingServer camera(FirstHalf(ts));  // ~4 s, then silence
  SourceOptions o;
  o.url = camera.url();
  o.io_timeout = std::chrono::milliseconds(300);
  auto ingest = OpenOk(o);
  ASSERT_NE(ingest, nullptr);
  EXPECT_EQ(ingest->info().video_codec, "h264");
  const auto start = std::chrono::steady_clock::now();
  Drained d = Drain(*ingest);
  EXPECT_EQ(d.end.code, ErrorCode::kUnavailable) << d.end.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // The complete GOPs and the one cut short are all delivered, and play.
  ASSERT_GE(d.fragments.size(), 3u);
  const Inspection r =
      Inspect(WriteClip(*ingest, d.fragments, 0, d.fragments.size(), "stalled.mp4"));
  EXPECT_EQ(r.streams, (std::vector<std::string>{"h264,video", "aac,audio"}));
  EXPECT_GT(r.video_frames, 30);
}

TEST_F(MediaIngestTest, ADeadCameraIsUnavailableNotAHang) {
  {
    StallingServer silent(Bytes{});  // accepts, says nothing
    SourceOptions o;
    o.url = silent.url();
    o.io_timeout = std::chrono::milliseconds(300);
    const auto start = std::chrono::steady_clock::now();
    auto opened = Ingest::Open(o);
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable) << opened.error().ToString();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  }
  SourceOptions refused;
  refused.url = "rtsp://user:hunter2@127.0.0.1:1/stream";  // nothing listens on port 1
  auto opened = Ingest::Open(refused);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable) << opened.error().ToString();
  EXPECT_EQ(opened.error().message.find("hunter2"), std::string::npos) << opened.error().message;
}

TEST_F(MediaIngestTest, MissingFileIsNotFound) {
  auto opened = Ingest::Open(Options("no-such-file.mp4"));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kNotFound);
  EXPECT_NE(opened.error().message.find(Path("no-such-file.mp4")), std::string::npos)
      << opened.error().message;
}

// Access units without a coded slice never reach the recording: an MP4 sample
// of only a delimiter is a frame no decoder can show.
TEST(HasCodedPictureTest, FindsSlicesInAnnexBAndLengthPrefixedUnits) {
  using internal::HasCodedPicture;
  // Annex B: delimiter (9), SPS (7), PPS (8), then an IDR slice (5).
  const Bytes idr = {0, 0, 0, 1,    0x09, 0xf0, 0, 0, 0,    1,    0x67, 0x42,
                     0, 0, 1, 0x68, 0xce, 0,    0, 1, 0x65, 0x88, 0x84};
  EXPECT_TRUE(HasCodedPicture(idr, false));
  const Bytes delimiter_only = {0, 0, 0, 1, 0x09, 0xf0};
  EXPECT_FALSE(HasCodedPicture(delimiter_only, false));
  // Length-prefixed, where the first length (0x1fa) also reads as a start
  // code followed by 0xfa: the lengths tile the packet, so it is a P slice (1).
  Bytes prefixed = {0, 0, 1, 0xfa, 0x41};
  prefixed.resize(4 + 0x1fa, 0x9a);
  EXPECT_TRUE(HasCodedPicture(prefixed, false));
  const Bytes sei_only = {0, 0, 0, 3, 0x06, 0x05, 0x80};
  EXPECT_FALSE(HasCodedPicture(sei_only, false));
  // HEVC: an access unit delimiter (35) alone, then a TRAIL_R slice (1).
  EXPECT_FALSE(HasCodedPicture(Bytes{0, 0, 1, 0x46, 0x01, 0x50}, true));
  EXPECT_TRUE(HasCodedPicture(Bytes{0, 0, 1, 0x02, 0x01, 0xd0}, true));
  EXPECT_FALSE(HasCodedPicture(Bytes{}, false));
}

// No machine here has a camera: a V4L2 device that is not there must be a
// clear "not found", through the v4l2 input (not the file reader).
TEST_F(MediaIngestTest, AMissingV4l2DeviceIsNotFound) {
  SourceOptions options;
  options.url = "/dev/video97";
  auto opened = Ingest::Open(options);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kNotFound) << opened.error().ToString();
  EXPECT_NE(opened.error().message.find("/dev/video97"), std::string::npos);
}

TEST_F(MediaIngestTest, RandomBytesAreInvalidArgument) {
  std::mt19937 rng(42);
  Bytes junk(std::size_t{256} * 1024);
  for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
  WriteFile(Path("junk.mp4"), junk);
  auto opened = Ingest::Open(Options("junk.mp4"));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument) << opened.error().ToString();
}

TEST_F(MediaIngestTest, AudioOnlyIsInvalidArgument) {
  auto opened = Ingest::Open(Options("audio.m4a"));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(opened.error().message.find("no video stream"), std::string::npos);
}

TEST_F(MediaIngestTest, TruncatedOrCorruptFilesEndWithoutCrashing) {
  const Bytes whole = ReadFile(Path("h264_mulaw.mkv"));
  ASSERT_GT(whole.size(), 1000u);
  // Cut in half.
  WriteFile(Path("truncated.mkv"), FirstHalf(whole));
  // Garbage over the middle third.
  Bytes corrupt = whole;
  std::mt19937 rng(7);
  for (std::size_t i = corrupt.size() / 3; i < 2 * corrupt.size() / 3; ++i) {
    corrupt[i] = static_cast<std::uint8_t>(rng());
  }
  WriteFile(Path("corrupt.mkv"), corrupt);
  // An MP4 cut before its moov.
  const Bytes mp4_bytes = ReadFile(Path("h264_aac.mp4"));
  WriteFile(Path("truncated.mp4"), FirstHalf(mp4_bytes));

  for (const char* name : {"truncated.mkv", "corrupt.mkv", "truncated.mp4"}) {
    auto opened = Ingest::Open(Options(name));
    if (!opened) {
      EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument)
          << name << opened.error().ToString();
      continue;
    }
    Drained d = Drain(**opened);
    EXPECT_EQ(d.end.code, ErrorCode::kOutOfRange) << name << ": " << d.end.ToString();
    if (!d.fragments.empty()) {
      const std::string out =
          WriteClip(**opened, d.fragments, 0, d.fragments.size(), std::string(name) + ".out.mp4");
      const Inspection r = Inspect(out);
      ASSERT_FALSE(r.streams.empty()) << name;
      EXPECT_EQ(r.streams[0], "h264,video") << name;
      EXPECT_GT(r.video_frames, 0) << name;
    }
  }
}

}  // namespace
}  // namespace vigil::media
