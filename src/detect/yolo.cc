// SPDX-License-Identifier: Apache-2.0
// LoadOnnxYolo: a user's YOLO-family detector in ONNX, run through nn's
// OnnxModel (docs/design/007-detection.md §User ONNX models). The layouts
// and the decoding are described at the declaration in objects.h.
#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <utility>

#include "vigil/detect/objects.h"
#include "vigil/nn/onnx_model.h"

namespace vigil::detect {

namespace {

// Ultralytics' export default, for graphs that leave the input size open.
constexpr int kDefaultInputSize = 640;

std::string ShapeText(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ",";
    text += std::to_string(shape[i]);
  }
  text += "]";
  return text;
}

enum class Layout : std::uint8_t {
  kBoxesFirst,       // [1, N, 5 + C]: YOLOv5/v7, with objectness
  kAttributesFirst,  // [1, 4 + C, N]: YOLOv8/v11, without
};

// Where the predictions are among the model's outputs, and how they lie.
struct Head {
  std::size_t output = 0;
  std::vector<std::int64_t> shape;
  Layout layout = Layout::kBoxesFirst;
  int boxes = 0, classes = 0;
};

Result<Head> FindHead(const nn::OnnxModel& model, const std::string& file) {
  const auto& shapes = model.output_shapes();
  Head head;
  int found = 0;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (shapes[i].size() != 3) continue;
    head.output = i;
    head.shape = shapes[i];
    ++found;
  }
  std::string all;
  for (const auto& shape : shapes) {
    if (!all.empty()) all += " ";
    all += ShapeText(shape);
  }
  if (found != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                file + ": a YOLO model has one rank-3 output ([1, N, 5 + C] or [1, 4 + C, N]); " +
                    "this one has " + std::to_string(found) + " among its outputs " + all);
  }
  // Segmentation exports add mask prototypes [1, 32, S/4, S/4] and put mask
  // coefficients after the class scores, which would read as more classes.
  for (const auto& shape : shapes) {
    if (shape.size() == 4) {
      return Fail(
          ErrorCode::kInvalidArgument,
          file + ": output " + ShapeText(shape) +
              " looks like a segmentation model's mask prototypes; export a detection model");
    }
  }
  const auto& s = head.shape;
  if (s[0] != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                file + ": output " + ShapeText(s) + " is not for a batch of one");
  }
  // The box axis is the longer one: N is thousands, 5 + C rarely a hundred.
  head.layout = s[1] < s[2] ? Layout::kAttributesFirst : Layout::kBoxesFirst;
  const std::int64_t boxes = head.layout == Layout::kAttributesFirst ? s[2] : s[1];
  const std::int64_t classes = head.layout == Layout::kAttributesFirst ? s[1] - 4 : s[2] - 5;
  if (classes < 1) {
    return Fail(ErrorCode::kInvalidArgument,
                file + ": output " + ShapeText(s) +
                    " has no class scores; expected [1, N, 5 + C] or [1, 4 + C, N]");
  }
  // A dense head predicts at least one box per cell of its coarsest (stride
  // 32) grid. Fewer rows are an export with NMS inside (YOLOv10's [1, 300, 6],
  // Ultralytics' nms=True): already-decoded boxes this decoder would misread.
  const std::int64_t side = model.input_shape()[3];
  const std::int64_t coarsest = ((side + 31) / 32) * ((side + 31) / 32);
  if (boxes < coarsest) {
    return Fail(ErrorCode::kInvalidArgument,
                file + ": output " + ShapeText(s) + " holds " + std::to_string(boxes) +
                    " boxes, fewer than a dense head predicts; exports with NMS inside "
                    "(YOLOv10, nms=True) are not supported: export the raw head");
  }
  head.boxes = static_cast<int>(boxes);
  head.classes = static_cast<int>(classes);
  return head;
}

// Every box whose best class scores at least `score_threshold`, mapped to
// source pixels through `g` and clipped to the image. Not yet pruned.
std::vector<Detection> DecodeYolo(std::span<const float> data, const Head& head,
                                  const InputGeometry& g, float score_threshold) {
  const std::span<const std::string_view> labels =
      head.classes == static_cast<int>(CocoLabels().size()) ? CocoLabels()
                                                            : std::span<const std::string_view>();
  const auto n_boxes = static_cast<std::size_t>(head.boxes);
  const auto attributes =
      static_cast<std::size_t>(head.classes) + (head.layout == Layout::kBoxesFirst ? 5 : 4);
  // Attribute `k` of box `n` in either layout.
  auto at = [&](std::size_t n, std::size_t k) {
    return head.layout == Layout::kBoxesFirst ? data[n * attributes + k] : data[k * n_boxes + n];
  };
  const std::size_t first_class = head.layout == Layout::kBoxesFirst ? 5 : 4;
  std::vector<Detection> out;
  for (std::size_t n = 0; n < n_boxes; ++n) {
    // Scores are <= objectness, so a low one rules the box out early.
    const float objectness = head.layout == Layout::kBoxesFirst ? at(n, 4) : 1.0F;
    if (!(objectness >= score_threshold)) continue;  // NaN too
    int best = 0;
    float best_score = at(n, first_class);
    for (int c = 1; c < head.classes; ++c) {
      const float s = at(n, first_class + static_cast<std::size_t>(c));
      if (s > best_score) {
        best_score = s;
        best = c;
      }
    }
    const float score = objectness * best_score;
    if (!(score >= score_threshold)) continue;
    const double cx = at(n, 0), cy = at(n, 1), w = at(n, 2), h = at(n, 3);
    const auto source_w = static_cast<double>(g.source_width),
               source_h = static_cast<double>(g.source_height);
    const double x1 = std::clamp((cx - w / 2 - g.offset_x) / g.scale_x, 0.0, source_w);
    const double y1 = std::clamp((cy - h / 2 - g.offset_y) / g.scale_y, 0.0, source_h);
    const double x2 = std::clamp((cx + w / 2 - g.offset_x) / g.scale_x, 0.0, source_w);
    const double y2 = std::clamp((cy + h / 2 - g.offset_y) / g.scale_y, 0.0, source_h);
    if (!(x2 > x1 && y2 > y1)) continue;  // empty after clipping, or NaN
    Detection d;
    d.class_id = best;
    d.label = best < static_cast<int>(labels.size()) ? std::string(labels[best])
                                                     : "class" + std::to_string(best);
    d.score = score;
    d.box = {x1, y1, x2 - x1, y2 - y1};
    out.push_back(std::move(d));
  }
  return out;
}

class OnnxYolo final : public ObjectDetector {
 public:
  OnnxYolo(nn::OnnxModel model, Head head, const DetectorOptions& options)
      : model_(std::move(model)), head_(std::move(head)), options_(options) {}

  int input_size() const override { return static_cast<int>(model_.input_shape()[3]); }

  Result<std::vector<Detection>> Detect(const RgbView& image) override {
    if (image.width <= 0 || image.height <= 0 || image.stride < 3 * image.width ||
        image.pixels.size() <
            static_cast<std::size_t>(image.stride) * static_cast<std::size_t>(image.height - 1) +
                3 * static_cast<std::size_t>(image.width)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the image is empty or smaller than its stated size");
    }
    input_.shape = model_.input_shape();
    const InputGeometry g =
        PrepareInput(image, Preprocess::kLetterboxRgb114, input_size(), input_.data);
    auto outputs = model_.Run(input_);
    if (!outputs) return Fail(outputs.error());
    const nn::Tensor& predictions = (*outputs)[head_.output];
    if (predictions.shape != head_.shape) {
      return Fail(ErrorCode::kInternal, "the model's output changed from " +
                                            ShapeText(head_.shape) + " to " +
                                            ShapeText(predictions.shape));
    }
    return NonMaxSuppression(DecodeYolo(predictions.data, head_, g, options_.score_threshold),
                             options_.iou_threshold, options_.max_detections);
  }

 private:
  nn::OnnxModel model_;
  Head head_;
  DetectorOptions options_;
  nn::Tensor input_;  // reused between frames
};

}  // namespace

Result<std::unique_ptr<ObjectDetector>> LoadOnnxYolo(const std::filesystem::path& onnx,
                                                     const DetectorOptions& options) {
  nn::SetOnnxThreads(options.threads);  // before the load, which runs the model once
  auto model = nn::OnnxModel::Load(onnx, kDefaultInputSize);
  if (!model) return Fail(model.error());
  const auto& in = model->input_shape();
  if (in[0] != 1 || in[1] != 3 || in[2] != in[3]) {
    return Fail(ErrorCode::kInvalidArgument,
                onnx.string() + ": input " + ShapeText(in) +
                    "; a YOLO input here is [1, 3, S, S] (square, RGB)");
  }
  auto head = FindHead(*model, onnx.string());
  if (!head) return Fail(head.error());
  return std::unique_ptr<ObjectDetector>(
      std::make_unique<OnnxYolo>(std::move(*model), std::move(*head), options));
}

}  // namespace vigil::detect
