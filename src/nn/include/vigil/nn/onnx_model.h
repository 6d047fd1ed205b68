// SPDX-License-Identifier: Apache-2.0
#pragma once

// Runs a user's ONNX image model on the CPU through OpenCV's DNN module
// (docs/design/007-detection.md §User ONNX models). OpenCV stays private to
// nn: nothing of it appears here.
//
// The model takes one float32 image tensor [N, C, H, W]. Its shape is read
// from the graph's declaration of that input (OpenCV 4.6 does not expose it):
// a fixed dimension is used as declared; an open or named batch becomes 1 and
// an open height or width becomes `input_size_hint`. The channel count must
// be fixed.
//
// Thread-compatible: one Run at a time per model. OpenCV's thread count is
// process-wide (SetOnnxThreads).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/nn/graph_model.h"

namespace vigil::nn {

class OnnxModel {
 public:
  // Loads `onnx` and runs it once on zeros, which gives the output shapes and
  // brings out at load time what OpenCV cannot run. Errors name the file and
  // say whether it is missing (kNotFound), not an ONNX model, has an input
  // that is not one float image, or is refused by OpenCV (an operator it
  // lacks, say; kInvalidArgument). `input_size_hint` (> 0) is used only when
  // the graph leaves the input's height or width open; with 0 such a model
  // fails to load.
  static Result<OnnxModel> Load(const std::filesystem::path& onnx, int input_size_hint);

  OnnxModel(OnnxModel&&) noexcept;
  OnnxModel& operator=(OnnxModel&&) noexcept;
  ~OnnxModel();

  // The input's name and the shape Run expects (e.g. {1, 3, 640, 640}).
  const std::string& input_name() const;
  const std::vector<std::int64_t>& input_shape() const;
  // The outputs nothing in the graph reads, in the order Run returns them,
  // and their shapes (as OpenCV gives them, from the run at load time).
  const std::vector<std::string>& output_names() const;
  const std::vector<std::vector<std::int64_t>>& output_shapes() const;

  // Runs the model on `input`, whose shape must equal input_shape().
  Result<std::vector<Tensor>> Run(const Tensor& input);

 private:
  struct Impl;
  explicit OnnxModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Threads OpenCV's DNN layers may use (process-wide; >= 1).
void SetOnnxThreads(int threads);

}  // namespace vigil::nn
