// SPDX-License-Identifier: Apache-2.0
#pragma once

// The event metadata document of a clip (`VGMD` version 1): what the detector
// saw, sealed as the clip's metadata part (clip_container.h). A small canonical
// binary encoding: one document has exactly one encoding, so it can be hashed
// and compared. Layout: docs/formats/clip.md §Metadata.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil::seal {

// Scores and box coordinates are fixed point in units of 1/10000 (0 .. 10000):
// a score of 0.9132 is 9132; a box is in fractions of the frame's width/height.
inline constexpr std::uint16_t kMetadataUnit = 10000;

// A fraction (score, coordinate) in those units, clamped to 0..1 first (NaN
// counts as 0).
inline std::uint16_t ToMetadataUnits(double fraction) {
  const double clamped = fraction > 0 ? (fraction < 1 ? fraction : 1) : 0;
  return static_cast<std::uint16_t>(std::lround(clamped * kMetadataUnit));
}

inline constexpr std::size_t kMaxMetadataDetections = 64;
inline constexpr std::size_t kMaxMetadataZones = 32;
inline constexpr std::size_t kMaxMetadataLabelBytes = 32;
inline constexpr std::size_t kMaxMetadataZoneBytes = 64;

struct Detection {
  std::string label;                                  // 1..32 bytes, e.g. "person"
  std::uint16_t score = 0;                            // 0..10000
  std::uint16_t x = 0, y = 0, width = 0, height = 0;  // x + width <= 10000, y + height <= 10000
  bool operator==(const Detection&) const = default;
};

struct ClipMetadata {
  std::uint16_t motion_score = 0;     // 0..10000
  std::vector<Detection> detections;  // at most 64
  std::vector<std::string>
      zones;  // names of the zones the event touched, 1..64 bytes each, at most 32
  bool operator==(const ClipMetadata&) const = default;
};

// kInvalidArgument if a field is out of range.
Result<Bytes> EncodeClipMetadata(const ClipMetadata& metadata);
// kDataLoss "verification failed" unless `bytes` is exactly one valid encoding.
Result<ClipMetadata> DecodeClipMetadata(ByteSpan bytes);

}  // namespace vigil::seal
