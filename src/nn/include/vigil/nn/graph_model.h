// SPDX-License-Identifier: Apache-2.0
#pragma once

// Runs a TensorFlow.js graph model (model.json + weight shards) on the CPU
// (docs/design/007-detection.md §Executor). Only the ops a detector needs are
// implemented; loading a model with any other op fails with its name. Weights
// stored as float16 are widened to float32 at load time.
//
// Layout: the converted graphs in the wild flip between NCHW and NHWC around
// every convolution (ONNX -> TensorFlow). The executor keeps activations in
// NHWC memory and treats Transpose as a change of view, so those flips cost
// nothing; only Reshape and the outputs materialise a logical order.
//
// Thread-compatible: one Run at a time per model. The math library's thread
// count is process-wide (SetMathThreads).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil::nn {

// A dense float32 tensor in row-major (logical) order.
struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> data;

  std::int64_t ElementCount() const;
};

// What a loaded model costs: for benchmarks and logs.
struct ModelStats {
  int nodes = 0;                  // graph nodes, constants included
  int steps = 0;                  // kernels per run after folding and fusion
  std::int64_t flops = 0;         // 2 x multiply-adds of the convolutions per run
  std::int64_t weight_bytes = 0;  // float32 weights in memory
};

// Where runs spend their time, by step: each op ("Conv2D", "ConcatV2", ...)
// and, inside Conv2D, "Conv2D: patches" (im2col), "Conv2D: sgemm" and
// "Conv2D: bias+activation". Summed over the runs since StartProfiling.
struct RunProfile {
  std::map<std::string, double> milliseconds;
  int runs = 0;
};

class GraphModel {
 public:
  // Loads `model_json` and the weight files its manifest names (paths
  // relative to it). Errors name the file and what is wrong with it.
  static Result<GraphModel> LoadTfjs(const std::filesystem::path& model_json);
  // The same from memory: the text of model.json and the bytes of its weight
  // files concatenated in manifest order (for fuzzing and embedding).
  static Result<GraphModel> ParseTfjs(std::string_view model_json, ByteSpan weights);

  GraphModel(GraphModel&&) noexcept;
  GraphModel& operator=(GraphModel&&) noexcept;
  ~GraphModel();

  // The one input's shape (e.g. {1, 3, 416, 416}) and the outputs' names in
  // the order Run returns them (signature order: Identity, Identity_1, ...).
  const std::vector<std::int64_t>& input_shape() const;
  const std::vector<std::string>& output_names() const;
  // Their shapes, in the same order (the graph's shapes are fixed).
  const std::vector<std::vector<std::int64_t>>& output_shapes() const;
  ModelStats stats() const;

  // Times every step of the runs that follow (for benchmarks: a clock read
  // per step), starting from an empty profile.
  void StartProfiling();
  RunProfile profile() const;

  // Runs the graph on `input`, whose shape must equal input_shape().
  Result<std::vector<Tensor>> Run(const Tensor& input);

 private:
  struct Impl;
  explicit GraphModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Threads the matrix multiplications may use (process-wide; >= 1).
void SetMathThreads(int threads);

}  // namespace vigil::nn
