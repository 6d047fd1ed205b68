// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/clip_metadata.h"

#include <algorithm>
#include <array>
#include <utility>

namespace vigil::seal {
namespace {

// "VGMD": Vigil metadata document.
constexpr std::array<std::uint8_t, 4> kMagic = {0x56, 0x47, 0x4d, 0x44};
constexpr std::uint8_t kVersion = 0x01;

Error VerificationFailed() { return Error{ErrorCode::kDataLoss, "verification failed"}; }

bool ValidText(const std::string& s, std::size_t max) { return !s.empty() && s.size() <= max; }

bool ValidDetection(const Detection& d) {
  return ValidText(d.label, kMaxMetadataLabelBytes) && d.score <= kMetadataUnit &&
         d.x <= kMetadataUnit && d.y <= kMetadataUnit && d.width <= kMetadataUnit - d.x &&
         d.height <= kMetadataUnit - d.y;
}

bool Valid(const ClipMetadata& m) {
  return m.motion_score <= kMetadataUnit && m.detections.size() <= kMaxMetadataDetections &&
         m.zones.size() <= kMaxMetadataZones &&
         std::all_of(m.detections.begin(), m.detections.end(), ValidDetection) &&
         std::all_of(m.zones.begin(), m.zones.end(),
                     [](const std::string& z) { return ValidText(z, kMaxMetadataZoneBytes); });
}

void AppendText(Bytes& out, const std::string& s) {
  out.push_back(static_cast<std::uint8_t>(s.size()));
  Append(out, AsBytes(s));
}

}  // namespace

Result<Bytes> EncodeClipMetadata(const ClipMetadata& m) {
  if (!Valid(m)) return Fail(ErrorCode::kInvalidArgument, "metadata field out of range");
  Bytes out(kMagic.begin(), kMagic.end());
  out.push_back(kVersion);
  AppendU16(out, m.motion_score);
  out.push_back(static_cast<std::uint8_t>(m.detections.size()));
  for (const auto& d : m.detections) {
    AppendText(out, d.label);
    for (std::uint16_t v : {d.score, d.x, d.y, d.width, d.height}) AppendU16(out, v);
  }
  out.push_back(static_cast<std::uint8_t>(m.zones.size()));
  for (const auto& z : m.zones) AppendText(out, z);
  return out;
}

Result<ClipMetadata> DecodeClipMetadata(ByteSpan in) {
  std::size_t pos = 0;
  bool ok = true;
  auto take = [&](std::size_t n) -> ByteSpan {
    if (!ok || in.size() - pos < n) {
      ok = false;
      return {};
    }
    auto out = in.subspan(pos, n);
    pos += n;
    return out;
  };
  auto u8 = [&]() -> std::uint8_t {
    auto b = take(1);
    return ok ? b[0] : 0;
  };
  auto u16 = [&]() -> std::uint16_t {
    auto b = take(2);
    return ok ? LoadU16(b) : 0;
  };
  auto text = [&]() {
    auto b = take(u8());
    return std::string(b.begin(), b.end());
  };
  auto magic = take(kMagic.size());
  if (!ok || !std::equal(kMagic.begin(), kMagic.end(), magic.begin()) || u8() != kVersion) {
    return Fail(VerificationFailed());
  }
  ClipMetadata m;
  m.motion_score = u16();
  const std::uint8_t detections = u8();
  for (std::uint8_t i = 0; i < detections && ok; ++i) {
    Detection d;
    d.label = text();
    d.score = u16();
    d.x = u16();
    d.y = u16();
    d.width = u16();
    d.height = u16();
    m.detections.push_back(std::move(d));
  }
  const std::uint8_t zones = u8();
  for (std::uint8_t i = 0; i < zones && ok; ++i) m.zones.push_back(text());
  if (!ok || pos != in.size() || !Valid(m)) return Fail(VerificationFailed());
  return m;
}

}  // namespace vigil::seal
