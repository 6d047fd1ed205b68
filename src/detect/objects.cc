// SPDX-License-Identifier: Apache-2.0
#include "vigil/detect/objects.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <utility>

#include "vigil/nn/graph_model.h"

namespace vigil::detect {

std::span<const std::string_view> CocoLabels() {
  static constexpr std::array<std::string_view, 80> kLabels = {
      "person",        "bicycle",      "car",
      "motorcycle",    "airplane",     "bus",
      "train",         "truck",        "boat",
      "traffic light", "fire hydrant", "stop sign",
      "parking meter", "bench",        "bird",
      "cat",           "dog",          "horse",
      "sheep",         "cow",          "elephant",
      "bear",          "zebra",        "giraffe",
      "backpack",      "umbrella",     "handbag",
      "tie",           "suitcase",     "frisbee",
      "skis",          "snowboard",    "sports ball",
      "kite",          "baseball bat", "baseball glove",
      "skateboard",    "surfboard",    "tennis racket",
      "bottle",        "wine glass",   "cup",
      "fork",          "knife",        "spoon",
      "bowl",          "banana",       "apple",
      "sandwich",      "orange",       "broccoli",
      "carrot",        "hot dog",      "pizza",
      "donut",         "cake",         "chair",
      "couch",         "potted plant", "bed",
      "dining table",  "toilet",       "tv",
      "laptop",        "mouse",        "remote",
      "keyboard",      "cell phone",   "microwave",
      "oven",          "toaster",      "sink",
      "refrigerator",  "book",         "clock",
      "vase",          "scissors",     "teddy bear",
      "hair drier",    "toothbrush"};
  return kLabels;
}

namespace {

// NanoDet's training normalisation, per channel in B, G, R order.
constexpr std::array<float, 3> kMeanBgr = {103.53F, 116.28F, 123.675F};
constexpr std::array<float, 3> kStdBgr = {57.375F, 57.12F, 58.395F};

struct Sample {
  int low, high;
  double frac;
};

// tf.image.resizeBilinear's sampling position for output index `o`
// (half-pixel centres), computed in double as TF.js does.
Sample SampleAt(int o, int in_size, int out_size) {
  const double source = (o + 0.5) * (static_cast<double>(in_size) / out_size) - 0.5;
  const double floor = std::floor(source);
  const int low = std::max(static_cast<int>(floor), 0);
  const int high = std::clamp(static_cast<int>(std::ceil(source)), low, in_size - 1);
  return {std::min(low, in_size - 1), high, source - floor};
}

}  // namespace

InputGeometry PrepareInput(const RgbView& image, Preprocess mode, int size,
                           std::vector<float>& nchw) {
  InputGeometry g;
  g.input_width = g.input_height = size;
  g.source_width = image.width;
  g.source_height = image.height;
  int resized_w = size, resized_h = size;
  if (mode == Preprocess::kLetterboxBgr || mode == Preprocess::kLetterboxRgb114) {
    const double scale =
        std::min(static_cast<double>(size) / image.width, static_cast<double>(size) / image.height);
    resized_w = std::clamp(static_cast<int>(std::lround(image.width * scale)), 1, size);
    resized_h = std::clamp(static_cast<int>(std::lround(image.height * scale)), 1, size);
    // Whole pixels: the odd pixel of padding goes right / bottom.
    const int pad_left = (size - resized_w) / 2, pad_top = (size - resized_h) / 2;
    g.offset_x = pad_left;
    g.offset_y = pad_top;
  }
  g.scale_x = static_cast<double>(resized_w) / image.width;
  g.scale_y = static_cast<double>(resized_h) / image.height;

  const std::size_t plane = static_cast<std::size_t>(size) * size;
  nchw.resize(3 * plane);
  // Padding: black before normalisation (YOLO's: grey 114).
  std::array<float, 3> fill{};
  for (int c = 0; c < 3; ++c)
    fill[c] = mode == Preprocess::kLetterboxBgr ? (0.0F - kMeanBgr[c]) / kStdBgr[c] : 0.0F;
  if (mode == Preprocess::kLetterboxRgb114) fill.fill(114.0F / 255.0F);
  for (int c = 0; c < 3; ++c)
    std::fill(nchw.begin() + static_cast<std::ptrdiff_t>(c * plane),
              nchw.begin() + static_cast<std::ptrdiff_t>((c + 1) * plane), fill[c]);

  std::vector<Sample> xs(static_cast<std::size_t>(resized_w));
  for (int x = 0; x < resized_w; ++x) xs[x] = SampleAt(x, image.width, resized_w);
  const int ox = static_cast<int>(g.offset_x), oy = static_cast<int>(g.offset_y);
  for (int y = 0; y < resized_h; ++y) {
    const Sample sy = SampleAt(y, image.height, resized_h);
    const std::uint8_t* top = image.pixels.data() + static_cast<std::size_t>(sy.low) * image.stride;
    const std::uint8_t* bottom =
        image.pixels.data() + static_cast<std::size_t>(sy.high) * image.stride;
    for (int x = 0; x < resized_w; ++x) {
      const Sample& sx = xs[x];
      const std::size_t out = static_cast<std::size_t>(y + oy) * size + (x + ox);
      for (int rgb = 0; rgb < 3; ++rgb) {
        const double tl = top[3 * sx.low + rgb], tr = top[3 * sx.high + rgb];
        const double bl = bottom[3 * sx.low + rgb], br = bottom[3 * sx.high + rgb];
        const double upper = tl + (tr - tl) * sx.frac;
        const double lower = bl + (br - bl) * sx.frac;
        const auto value = static_cast<float>(upper + (lower - upper) * sy.frac);
        if (mode == Preprocess::kLetterboxBgr) {
          const int c = 2 - rgb;  // B, G, R planes
          nchw[c * plane + out] = (value - kMeanBgr[c]) / kStdBgr[c];
        } else {
          nchw[rgb * plane + out] = value / 255.0F;
        }
      }
    }
  }
  return g;
}

std::vector<Detection> DecodeNanoDet(std::span<const NanoDetLevel> levels, int classes, int reg_max,
                                     const InputGeometry& g, float score_threshold,
                                     std::span<const std::string_view> labels) {
  std::vector<Detection> out;
  const int bins = reg_max + 1;
  std::vector<double> p(static_cast<std::size_t>(bins));
  for (const auto& level : levels) {
    const int cells = level.width * level.height;
    for (int n = 0; n < cells; ++n) {
      const float* scores = level.scores.data() + static_cast<std::size_t>(n) * classes;
      const float best = *std::max_element(scores, scores + classes);
      if (best < score_threshold) continue;
      // Expected distance per side: softmax over the bins, then sum i * p_i.
      std::array<double, 4> distance{};
      const float* logits = level.distances.data() + static_cast<std::size_t>(n) * 4 * bins;
      for (int side = 0; side < 4; ++side) {
        const float* l = logits + static_cast<std::ptrdiff_t>(side) * bins;
        const double top = *std::max_element(l, l + bins);
        double sum = 0, expected = 0;
        for (int i = 0; i < bins; ++i) sum += p[i] = std::exp(l[i] - top);
        for (int i = 0; i < bins; ++i) expected += i * p[i] / sum;
        distance[side] = expected * level.stride;
      }
      const int column = n % level.width, row = n / level.width;
      const double cx = (column + 0.5) * level.stride;
      const double cy = (row + 0.5) * level.stride;
      // Input pixels -> source pixels, clipped to the image.
      const double x1 = std::clamp((cx - distance[0] - g.offset_x) / g.scale_x, 0.0,
                                   static_cast<double>(g.source_width));
      const double y1 = std::clamp((cy - distance[1] - g.offset_y) / g.scale_y, 0.0,
                                   static_cast<double>(g.source_height));
      const double x2 = std::clamp((cx + distance[2] - g.offset_x) / g.scale_x, 0.0,
                                   static_cast<double>(g.source_width));
      const double y2 = std::clamp((cy + distance[3] - g.offset_y) / g.scale_y, 0.0,
                                   static_cast<double>(g.source_height));
      if (x2 <= x1 || y2 <= y1) continue;
      for (int c = 0; c < classes; ++c) {
        if (scores[c] < score_threshold) continue;
        Detection d;
        d.class_id = c;
        d.label = c < static_cast<int>(labels.size()) ? std::string(labels[c])
                                                      : "class" + std::to_string(c);
        d.score = scores[c];
        d.box = {x1, y1, x2 - x1, y2 - y1};
        out.push_back(std::move(d));
      }
    }
  }
  return out;
}

double IoU(const PixelBox& a, const PixelBox& b) {
  const double ix = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
  const double iy = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  if (ix <= 0 || iy <= 0) return 0;
  const double inter = ix * iy;
  const double uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0;
}

std::vector<Detection> NonMaxSuppression(std::vector<Detection> candidates, float iou_threshold,
                                         int max_detections) {
  std::vector<std::size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (candidates[a].score != candidates[b].score)
      return candidates[a].score > candidates[b].score;
    return candidates[a].class_id < candidates[b].class_id;
  });
  std::vector<Detection> kept;
  for (std::size_t i : order) {
    if (static_cast<int>(kept.size()) >= max_detections) break;
    const Detection& d = candidates[i];
    const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const Detection& k) {
      return k.class_id == d.class_id && IoU(k.box, d.box) > iou_threshold;
    });
    if (!suppressed) kept.push_back(std::move(candidates[i]));
  }
  return kept;
}

namespace {

class NanoDet final : public ObjectDetector {
 public:
  NanoDet(nn::GraphModel model, DetectorOptions options, std::vector<int> strides, int classes,
          int reg_max)
      : model_(std::move(model)),
        options_(options),
        strides_(std::move(strides)),
        classes_(classes),
        reg_max_(reg_max) {}

  int input_size() const override { return static_cast<int>(model_.input_shape()[3]); }

  Result<std::vector<Detection>> Detect(const RgbView& image) override {
    if (image.width <= 0 || image.height <= 0 || image.stride < 3 * image.width ||
        image.pixels.size() < static_cast<std::size_t>(image.stride) * (image.height - 1) +
                                  3 * static_cast<std::size_t>(image.width)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the image is empty or smaller than its stated size");
    }
    nn::Tensor input{model_.input_shape(), {}};
    const InputGeometry g = PrepareInput(image, options_.preprocess, input_size(), input.data);
    auto outputs = model_.Run(input);
    if (!outputs) return Fail(outputs.error());
    const std::size_t levels = strides_.size();
    std::vector<NanoDetLevel> parts(levels);
    for (std::size_t i = 0; i < levels; ++i) {
      const int side = (input_size() + strides_[i] - 1) / strides_[i];
      parts[i] = {strides_[i], side, side, (*outputs)[i].data, (*outputs)[levels + i].data};
    }
    return NonMaxSuppression(
        DecodeNanoDet(parts, classes_, reg_max_, g, options_.score_threshold, CocoLabels()),
        options_.iou_threshold, options_.max_detections);
  }

 private:
  nn::GraphModel model_;
  DetectorOptions options_;
  std::vector<int> strides_;
  int classes_, reg_max_;
};

}  // namespace

Result<std::unique_ptr<ObjectDetector>> LoadNanoDet(const std::filesystem::path& model_json,
                                                    const DetectorOptions& options) {
  auto model = nn::GraphModel::LoadTfjs(model_json);
  if (!model) return Fail(model.error());
  const auto& in = model->input_shape();
  if (in.size() != 4 || in[0] != 1 || in[1] != 3 || in[2] != in[3]) {
    return Fail(ErrorCode::kInvalidArgument,
                model_json.string() + ": a NanoDet input is [1,3,S,S]");
  }
  // Outputs: the class scores of each level, then its distance logits, level
  // by level from the finest; the level's stride follows from its cell count.
  const auto& names = model->output_names();
  if (names.empty() || names.size() % 2 != 0) {
    return Fail(ErrorCode::kInvalidArgument,
                model_json.string() + ": a NanoDet head has two outputs per level");
  }
  const auto& shapes = model->output_shapes();
  const std::size_t levels = names.size() / 2;
  std::vector<int> strides;
  int classes = 0, reg_max = 0;
  for (std::size_t i = 0; i < levels; ++i) {
    const auto& scores = shapes[i];
    const auto& distances = shapes[levels + i];
    if (scores.size() != 3 || distances.size() != 3 || scores[1] != distances[1] ||
        distances[2] % 4 != 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  model_json.string() + ": outputs are not a NanoDet head");
    }
    int stride = 0;
    for (int s : {8, 16, 32, 64, 128}) {
      const std::int64_t side = (in[2] + s - 1) / s;
      if (side * side == scores[1]) stride = s;
    }
    if (stride == 0)
      return Fail(ErrorCode::kInvalidArgument,
                  model_json.string() + ": an output level matches no stride");
    strides.push_back(stride);
    classes = static_cast<int>(scores[2]);
    reg_max = static_cast<int>(distances[2] / 4 - 1);
  }
  nn::SetMathThreads(options.threads);
  return std::unique_ptr<ObjectDetector>(
      std::make_unique<NanoDet>(std::move(*model), options, std::move(strides), classes, reg_max));
}

}  // namespace vigil::detect
