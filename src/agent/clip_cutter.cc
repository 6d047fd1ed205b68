// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/clip_cutter.h"

#include <algorithm>
#include <limits>

#include "vigil/crypto/secret.h"
#include "vigil/seal/clip_container.h"
#include "vigil/seal/key_envelope.h"

namespace vigil::agent {
namespace {

constexpr std::int64_t kOpenEnd = std::numeric_limits<std::int64_t>::max();

std::string NewClipId() { return "evt_" + Base64UrlEncode(crypto::RandomBytes(12)); }

std::int64_t FragmentEnd(const media::Fragment& f) { return f.start_us + f.duration_us; }

std::size_t PaddedClipSizeDelta(std::uint64_t container_size) {
  return static_cast<std::size_t>(seal::PaddedClipSize(container_size) - container_size);
}

}  // namespace

struct ClipCutter::Impl {
  struct Clip {
    detect::Event event;
    bool ended = false;
    ClipExtras extras;
    // Set once writing starts (when the clip reaches the front of the line).
    std::string clip_id;
    std::unique_ptr<seal::ClipKey> key;
    Bytes envelope;
    std::uint64_t sequence = 0;
    std::int64_t start_unix_s = 0;
    std::unique_ptr<SpoolWriter> file;
    std::unique_ptr<seal::ClipWriter> writer;
    std::uint64_t next_index = 0;   // the next fragment index to append
    std::int64_t first_us = -1;     // start of the first appended fragment
    std::int64_t last_end_us = -1;  // end of the last appended fragment
    std::int64_t clip_end_us() const { return ended ? event.clip_end_us : kOpenEnd; }
  };

  const CameraState& state;
  const CameraPairing& pairing;
  Spool& spool;
  ClipCutterOptions options;
  Bytes init_segment;
  std::deque<media::Fragment> ring;
  std::deque<Clip> line;  // front is being written
  std::uint64_t committed = 0;

  void Log(const std::string& line_text) const {
    if (options.log) options.log(line_text);
  }

  Status Begin(Clip& c) {
    c.key = std::make_unique<seal::ClipKey>(seal::ClipKey::Generate());
    const seal::ClipBinding binding{c.clip_id, pairing.camera_id, pairing.household_epoch};
    VIGIL_TRY(envelope, seal::SealClipKey(*c.key, pairing.household_key, binding));
    c.envelope = std::move(envelope);
    const seal::ChainPoint head = spool.chain_head();
    c.sequence = head.sequence + 1;
    // Start time on the wall clock: now, less how far the clip's start lies
    // behind the newest media (so a file read faster than real time still
    // gets past times).
    const std::int64_t newest_us = ring.empty() ? c.event.clip_start_us : FragmentEnd(ring.back());
    const std::int64_t behind_s =
        std::max<std::int64_t>(0, newest_us - c.event.clip_start_us) / 1000000;
    c.start_unix_s = options.now_unix_s() - behind_s;
    VIGIL_TRY(file, spool.Begin(c.clip_id));
    c.file = std::move(file);
    SpoolWriter* sink_file = c.file.get();
    const seal::ClipStart start{binding, c.sequence, head.manifest_hash,
                                static_cast<std::uint64_t>(c.start_unix_s)};
    VIGIL_TRY(writer, seal::ClipWriter::Create(
                          *c.key, state.signing_key(), start,
                          [sink_file](ByteSpan bytes) { return sink_file->Write(bytes); }));
    c.writer = std::move(writer);
    if (auto appended = c.writer->AppendVideo(init_segment); !appended) return appended;
    // Pre-roll: the first ring fragment that reaches into the clip.
    c.next_index = ring.empty() ? 0 : ring.back().index + 1;
    for (const auto& f : ring) {
      if (FragmentEnd(f) > c.event.clip_start_us) {
        c.next_index = f.index;
        break;
      }
    }
    return OkStatus();
  }

  Status Finish(Clip& c) {
    if (c.first_us < 0) {
      Log("event " + std::to_string(c.event.number) + " has no video (the stream ended); no clip");
      c.writer.reset();
      c.file.reset();  // discards the blob; the chain head did not move
      return OkStatus();
    }
    seal::ClipEnd end;
    end.duration_ms = static_cast<std::uint32_t>((c.last_end_us - c.first_us) / 1000);
    end.thumbnail = std::move(c.extras.thumbnail_jpeg);
    end.metadata = std::move(c.extras.metadata);
    end.envelopes = {c.envelope};
    VIGIL_TRY(info, c.writer->Finish(end));
    // Zero padding to the next 64 KiB (clip.md §Padding): vigild learns the
    // size to 64 KiB, not the thumbnail's and metadata's sizes.
    const Bytes padding(PaddedClipSizeDelta(info.size_bytes), 0);
    if (auto padded = c.file->Write(padding); !padded) return padded;
    SpooledClip record;
    record.sequence = info.sequence;
    record.manifest_hash = info.manifest_hash;
    record.start_unix_s = c.start_unix_s;
    record.duration_s = (end.duration_ms + 999) / 1000;
    record.envelope = c.envelope;
    record.priority = c.extras.priority;
    VIGIL_TRY(spooled, c.file->Commit(std::move(record)));
    ++committed;
    Log("clip " + spooled.clip_id + " sealed: sequence " + std::to_string(spooled.sequence) + ", " +
        std::to_string(end.duration_ms) + " ms, " + std::to_string(spooled.size_bytes) + " bytes");
    if (options.on_committed) options.on_committed(spooled, c.event);
    return OkStatus();
  }

  // Writes what can be written; finishes clips whose end is covered. With
  // `flush`, finishes every clip with what the ring has.
  Status Pump(bool flush) {
    while (!line.empty()) {
      Clip& c = line.front();
      if (!c.writer) {
        if (auto begun = Begin(c); !begun) return begun;
      }
      bool covered = false;
      for (const auto& f : ring) {
        if (f.index < c.next_index) continue;
        if (c.first_us < 0 && FragmentEnd(f) <= c.event.clip_start_us) {
          c.next_index = f.index + 1;  // before the pre-roll (the ring lagged the event)
          continue;
        }
        if (f.start_us >= c.clip_end_us()) {
          covered = true;  // a fragment past the end: nothing more belongs in
          break;
        }
        if (auto appended = c.writer->AppendVideo(f.bytes); !appended) return appended;
        if (c.first_us < 0) c.first_us = f.start_us;
        c.last_end_us = FragmentEnd(f);
        c.next_index = f.index + 1;
        if (c.ended && c.last_end_us >= c.clip_end_us()) {
          covered = true;
          break;
        }
      }
      if (c.ended && c.last_end_us >= c.clip_end_us()) covered = true;
      if (!(covered && c.ended) && !flush) break;
      if (auto finished = Finish(c); !finished) return finished;
      line.pop_front();
    }
    return OkStatus();
  }

  // Keeps the pre-roll, and everything a clip in line still needs.
  void Trim() {
    if (ring.empty()) return;
    // An event starts at an analysis frame, which may lie up to a GOP
    // before the end of the newest fragment: keep one more GOP than the
    // pre-roll.
    std::int64_t longest = 0;
    for (const auto& f : ring) longest = std::max(longest, f.duration_us);
    std::int64_t keep_from = FragmentEnd(ring.back()) - options.pre_roll.count() * 1000 - longest;
    std::uint64_t keep_index = std::numeric_limits<std::uint64_t>::max();
    for (const auto& c : line) {
      if (c.writer) {
        keep_index = std::min(keep_index, c.next_index);
      } else {
        keep_from = std::min(keep_from, c.event.clip_start_us);
      }
    }
    while (ring.size() > 1 && FragmentEnd(ring.front()) <= keep_from &&
           ring.front().index < keep_index) {
      ring.pop_front();
    }
  }
};

ClipCutter::ClipCutter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipCutter::~ClipCutter() = default;

Result<std::unique_ptr<ClipCutter>> ClipCutter::Create(const CameraState& state, Spool& spool,
                                                       ClipCutterOptions options) {
  VIGIL_TRY(pairing, state.RequirePairing());
  if (!options.now_unix_s) {
    return Fail(ErrorCode::kInvalidArgument, "clip cutter: a wall clock is required");
  }
  auto impl =
      std::unique_ptr<Impl>(new Impl{state, *pairing, spool, std::move(options), {}, {}, {}, 0});
  return std::unique_ptr<ClipCutter>(new ClipCutter(std::move(impl)));
}

Status ClipCutter::SetInitSegment(Bytes init_segment) {
  if (!impl_->line.empty() || !impl_->ring.empty()) {
    // Fragments of the old init segment cannot follow the new one.
    if (auto flushed = impl_->Pump(true); !flushed) return flushed;
    impl_->ring.clear();
  }
  impl_->init_segment = std::move(init_segment);
  return OkStatus();
}

Status ClipCutter::AddFragment(media::Fragment fragment) {
  if (impl_->init_segment.empty()) {
    return Fail(ErrorCode::kFailedPrecondition, "clip cutter: a fragment before the init segment");
  }
  impl_->ring.push_back(std::move(fragment));
  if (auto pumped = impl_->Pump(false); !pumped) return pumped;
  impl_->Trim();
  return OkStatus();
}

Result<std::string> ClipCutter::EventStarted(const detect::Event& event) {
  Impl::Clip clip;
  clip.event = event;
  clip.clip_id = NewClipId();
  const std::string clip_id = clip.clip_id;
  impl_->line.push_back(std::move(clip));
  if (auto pumped = impl_->Pump(false); !pumped) return Fail(pumped.error());
  return clip_id;
}

Status ClipCutter::EventEnded(const detect::Event& event, ClipExtras extras) {
  for (auto& c : impl_->line) {
    if (c.event.number == event.number && !c.ended) {
      c.event = event;
      c.ended = true;
      c.extras = std::move(extras);
      return impl_->Pump(false);
    }
  }
  return Fail(ErrorCode::kFailedPrecondition,
              "clip cutter: event " + std::to_string(event.number) + " was never started");
}

Status ClipCutter::Flush() {
  for (auto& c : impl_->line) {
    if (!c.ended) {
      c.ended = true;
      c.event.clip_end_us = kOpenEnd;
    }
  }
  return impl_->Pump(true);
}

std::uint64_t ClipCutter::clips_committed() const { return impl_->committed; }

}  // namespace vigil::agent
