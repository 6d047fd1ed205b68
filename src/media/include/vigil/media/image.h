// SPDX-License-Identifier: Apache-2.0
#pragma once

// Still images and frames as packed RGB, for the object detector: photos
// decoded from files (`vigil-agent detect`) and analysis frames converted
// from the decoder's YUV.

#include <filesystem>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/media/ingest.h"

namespace vigil::media {

// Packed 8-bit RGB, stride = 3 * width.
struct RgbImage {
  int width = 0, height = 0;
  Bytes rgb;
};

// Decodes the first picture of an image file (JPEG, PNG, BMP, ... whatever
// FFmpeg reads). Errors: kNotFound (no such file), kInvalidArgument (not an
// image FFmpeg can decode, or larger than 16384 pixels a side).
Result<RgbImage> DecodeImage(const std::filesystem::path& path);

// The frame as RGB (BT.601 limited range, as decoders deliver SD and most
// camera streams), scaled to `width` x `height` (0: the frame's own size).
Result<RgbImage> ToRgb(const AnalysisFrame& frame, int width = 0, int height = 0);

}  // namespace vigil::media
