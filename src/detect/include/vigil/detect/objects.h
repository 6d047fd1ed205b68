// SPDX-License-Identifier: Apache-2.0
#pragma once

// Object detection on camera frames and photos (docs/design/007-detection.md):
// a pretrained detector (NanoDet-g-416 by default, or a user's YOLO-family
// ONNX model) finds people, vehicles and animals; its raw outputs are decoded
// into boxes in the source image's pixels and pruned by class-wise
// non-maximum suppression.
//
// A detector is thread-compatible: one Detect at a time.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::detect {

// A view of one packed 8-bit RGB image (not owned). stride >= 3 * width.
struct RgbView {
  int width = 0, height = 0, stride = 0;
  std::span<const std::uint8_t> pixels;
};

// An axis-aligned box in source-image pixels.
struct PixelBox {
  double x = 0, y = 0, width = 0, height = 0;
};

struct Detection {
  int class_id = 0;
  std::string label;  // "person", "car", ... (COCO names for COCO models)
  float score = 0;    // 0..1
  PixelBox box;
};

// How a frame becomes the network's input (design doc §Preprocessing).
enum class Preprocess : std::uint8_t {
  // NanoDet's training: keep the aspect ratio, centre on black, BGR, minus
  // the ImageNet mean, divided by its standard deviation.
  kLetterboxBgr,
  // What vladmandic/human feeds the same model: stretch to the input, RGB/255.
  kStretchRgb,
  // YOLO's (Ultralytics' letterbox): keep the aspect ratio, centre on grey
  // (114, 114, 114), RGB/255. LoadOnnxYolo always uses it.
  kLetterboxRgb114,
};

struct DetectorOptions {
  float score_threshold = 0.35F;  // candidates below are dropped
  float iou_threshold = 0.6F;     // NMS drops a box overlapping a better one of its class by more
  int max_detections = 100;
  int threads = 1;  // math threads (process-wide)
  Preprocess preprocess = Preprocess::kLetterboxBgr;
};

class ObjectDetector {
 public:
  virtual ~ObjectDetector() = default;
  // Detections sorted by score, highest first, boxes clipped to the image.
  virtual Result<std::vector<Detection>> Detect(const RgbView& image) = 0;
  // Input side of the network in pixels (416 for NanoDet-g-416).
  virtual int input_size() const = 0;
};

// NanoDet from a TF.js graph model: `model_json` and the weight file beside it.
Result<std::unique_ptr<ObjectDetector>> LoadNanoDet(const std::filesystem::path& model_json,
                                                    const DetectorOptions& options);

// A user's YOLO-family detector exported to ONNX, run through OpenCV DNN
// (design doc §User ONNX models). Expected: one float32 input [1, 3, S, S]
// (S from the graph; 640 when the graph leaves it open), fed by
// kLetterboxRgb114 whatever `options.preprocess` says; and one output of rank
// 3 holding, for N candidate boxes and C classes, either
//   [1, N, 5 + C]  YOLOv5/v7 style: cx, cy, w, h, objectness, C class scores;
//                  score = objectness * class score
//   [1, 4 + C, N]  YOLOv8/v11 style: cx, cy, w, h, C class scores
// with boxes in input pixels and scores already through their sigmoid (what
// Ultralytics' ONNX export writes). The layout is the one whose box axis is
// the longer. Each box keeps its best class; labels are COCO's when C == 80,
// else "class<N>". Other outputs of rank 5 (old YOLOv5 exports' raw levels)
// are ignored. Refused: exports with NMS inside (YOLOv10, `nms=True`; fewer
// rows than the stride-32 grid has cells) and segmentation models (a rank-4
// output).
Result<std::unique_ptr<ObjectDetector>> LoadOnnxYolo(const std::filesystem::path& onnx,
                                                     const DetectorOptions& options);

// The 80 COCO class names in the order COCO-trained detectors number them.
std::span<const std::string_view> CocoLabels();

// ---- the pieces, exposed for tests and for other model families ---------

// Where the network's input sits in the source image: source = (input - offset) / scale.
struct InputGeometry {
  int input_width = 0, input_height = 0;
  int source_width = 0, source_height = 0;
  double scale_x = 1, scale_y = 1;
  double offset_x = 0, offset_y = 0;
};

// Fills `nchw` (3 x size x size floats) from `image`: bilinear resampling
// with half-pixel centres, as tf.image.resizeBilinear does, then the
// normalisation of `mode`. Returns where the input sits in the image.
InputGeometry PrepareInput(const RgbView& image, Preprocess mode, int size,
                           std::vector<float>& nchw);

// One output level of a NanoDet head: N = width * height cells of `stride`
// input pixels; `scores` [N][classes] after the sigmoid, `distances`
// [N][4][reg_max + 1] logits (left, top, right, bottom).
struct NanoDetLevel {
  int stride = 0, width = 0, height = 0;
  std::span<const float> scores;
  std::span<const float> distances;
};

// Every (cell, class) scoring at least `score_threshold`, with its box
// decoded (softmax per side, distance = stride * expected bin) and mapped to
// source pixels through `geometry`, clipped to the image. Not yet pruned.
std::vector<Detection> DecodeNanoDet(std::span<const NanoDetLevel> levels, int classes, int reg_max,
                                     const InputGeometry& geometry, float score_threshold,
                                     std::span<const std::string_view> labels);

// Intersection over union of two boxes (0 when either is empty).
double IoU(const PixelBox& a, const PixelBox& b);

// Class-wise greedy NMS: within each class, highest score first, drop every
// box whose IoU with a kept box exceeds `iou_threshold`. Returns at most
// `max_detections`, sorted by score (ties: lower class, then input order).
std::vector<Detection> NonMaxSuppression(std::vector<Detection> candidates, float iou_threshold,
                                         int max_detections);

}  // namespace vigil::detect
