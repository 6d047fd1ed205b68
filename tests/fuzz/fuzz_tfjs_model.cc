// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: nn::GraphModel::ParseTfjs on untrusted model.json text
// and weight bytes (a user's --model file, or a damaged cache). Input: a
// 4-byte little-endian length L, L bytes of JSON, then the weights. A model
// that loads is also run once on zeros (its shapes are bounded by the loader).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vigil/nn/graph_model.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  vigil::nn::SetMathThreads(1);  // no idle BLAS threads spinning beside the fuzzer
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const std::size_t json_size =
      static_cast<std::size_t>(data[0]) | (static_cast<std::size_t>(data[1]) << 8) |
      (static_cast<std::size_t>(data[2]) << 16) | (static_cast<std::size_t>(data[3]) << 24);
  if (json_size > size - 4) return 0;
  const std::string_view json(reinterpret_cast<const char*>(data + 4), json_size);
  const vigil::ByteSpan weights(data + 4 + json_size, size - 4 - json_size);
  auto model = vigil::nn::GraphModel::ParseTfjs(json, weights);
  if (!model) return 0;
  // Loading ran the graph once already (to count its cost); the shapes are
  // fixed, so a second run on zeros must give the same number of outputs.
  vigil::nn::Tensor zeros{model->input_shape(), {}};
  zeros.data.assign(static_cast<std::size_t>(zeros.ElementCount()), 0.0F);
  auto out = model->Run(zeros);
  if (out && out->size() != model->output_names().size()) __builtin_trap();
  return 0;
}
