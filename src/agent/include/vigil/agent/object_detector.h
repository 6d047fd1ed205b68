// SPDX-License-Identifier: Apache-2.0
#pragma once

// Which object detector a camera (or `vigil-agent detect`) runs, and where
// its model file is: "nanodet" is NanoDet-g-416 from the model cache that
// scripts/models.sh fills (nothing is downloaded at run time); a path ending
// in .json is a TF.js NanoDet graph model; a path ending in .onnx is a
// user's YOLO-family model (docs/design/007-detection.md §Models).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/detect/objects.h"

namespace vigil::agent {

// The model cache: $VIGIL_MODEL_CACHE, else ~/.cache/vigil/models.
std::filesystem::path ModelCacheDir();

// Loads the detector `model` names. Errors: kNotFound (the default model is
// not in the cache: the message says to run scripts/models.sh; or no such
// file), kInvalidArgument (an unknown name or extension, or a model file
// that does not load).
Result<std::unique_ptr<detect::ObjectDetector>> LoadObjectDetector(
    const std::string& model, const detect::DetectorOptions& options);

// `vigil-agent detect`: one entry per image, in order. A file that does not
// decode gets its error and the others are still processed.
struct ImageDetections {
  std::string image;
  std::vector<detect::Detection> detections;
  std::string error;  // empty on success
};
std::vector<ImageDetections> DetectImages(detect::ObjectDetector& detector,
                                          const std::vector<std::string>& images);

// CLI.md's JSON: [{"image":..., "detections":[{"label":..., "score":...,
// "box":[x,y,w,h]}]}] (plus "error" for an image that failed); scores to 4
// decimals, boxes to 0.1 px.
std::string DetectionsJson(const std::vector<ImageDetections>& results);

}  // namespace vigil::agent
