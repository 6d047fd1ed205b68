// SPDX-License-Identifier: Apache-2.0
#pragma once

// The little of an ONNX file that OnnxModel needs before OpenCV sees it: is it
// an ONNX ModelProto at all, and what do its graph's inputs and outputs
// declare? OpenCV 4.6's importer keeps the declared input shape to itself, so
// this reads the protobuf wire format directly (onnx.proto3 field numbers).
// Internal to nn; tested in onnx_model_test.cc.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::nn::internal {

// ONNX TensorProto.DataType values that the messages name.
inline constexpr int kOnnxFloat = 1;

struct OnnxValueInfo {
  std::string name;
  int elem_type = 0;  // TensorProto.DataType; 0 when the graph does not say
  bool has_shape = false;
  // One entry per dimension: its size, or -1 when the graph names it
  // ("batch", "height") or leaves it open.
  std::vector<std::int64_t> dims;
};

struct OnnxGraphInfo {
  std::int64_t ir_version = 0;
  std::vector<OnnxValueInfo> inputs;  // the graph's inputs that are not initializers
  std::vector<OnnxValueInfo> outputs;
};

// Reads `bytes` as a serialized ONNX ModelProto. Fails with kInvalidArgument
// when they are not well-formed protobuf, or when the model has no ir_version
// or no graph; the message says what is wrong, not which file.
Result<OnnxGraphInfo> ReadOnnxGraphInfo(std::span<const std::uint8_t> bytes);

// "float32", "float16", "int8", ... for a TensorProto.DataType value.
std::string OnnxTypeName(int elem_type);

}  // namespace vigil::nn::internal
