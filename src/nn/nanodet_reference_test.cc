// SPDX-License-Identifier: Apache-2.0
// The executor against TensorFlow.js on the real NanoDet-g-416 graph: fed the
// same input tensor, every output must match TF.js's within 1e-3
// (tests/data/nanodet/README.md says how the reference was made). The model
// comes from the cache that scripts/models.sh fills.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vigil/nn/graph_model.h"

namespace vigil::nn {
namespace {

const std::filesystem::path kSource = VIGIL_SOURCE_DIR;
const std::filesystem::path kData = kSource / "tests" / "data" / "nanodet";

// Runs scripts/models.sh and returns the model.json it provides.
std::filesystem::path ModelJson() {
  const std::string command = "bash '" + (kSource / "scripts" / "models.sh").string() + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string last, line;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    line = buffer;
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (!line.empty()) last = line;
  }
  if (::pclose(pipe) != 0) return {};
  return std::filesystem::path(last) / "model.json";  // models.sh prints the model directory
}

std::vector<char> ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(NanoDetReference, EveryOutputMatchesTensorFlowJsWithin1e3) {
  const auto model_json = ModelJson();
  ASSERT_TRUE(std::filesystem::exists(model_json))
      << "scripts/models.sh did not provide the model (needs npm once)";
  auto model = GraphModel::LoadTfjs(model_json);
  ASSERT_TRUE(model.has_value()) << model.error().ToString();
  ASSERT_EQ(model->input_shape(), (std::vector<std::int64_t>{1, 3, 416, 416}));
  ASSERT_EQ(model->output_names(),
            (std::vector<std::string>{"Identity", "Identity_1", "Identity_2", "Identity_3",
                                      "Identity_4", "Identity_5"}));

  // The input exactly as the reference built it: B, G, R planes, two float32
  // operations per value.
  const auto rgb = ReadBytes(kData / "dog-416.rgb");
  ASSERT_EQ(rgb.size(), 416U * 416 * 3);
  const float mean[3] = {103.53F, 116.28F, 123.675F}, stddev[3] = {57.375F, 57.12F, 58.395F};
  Tensor input{{1, 3, 416, 416}, std::vector<float>(std::size_t{3} * 416 * 416)};
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 416 * 416; ++i) {
      const auto byte = static_cast<float>(
          static_cast<unsigned char>(rgb[static_cast<std::size_t>(i) * 3 + (2 - c)]));
      const float centred = byte - mean[c];
      input.data[static_cast<std::size_t>(c) * 416 * 416 + i] = centred / stddev[c];
    }
  }
  auto outputs = model->Run(input);
  ASSERT_TRUE(outputs.has_value()) << outputs.error().ToString();

  std::ifstream meta_file(kData / "dog-416-outputs.json");
  const auto meta = nlohmann::json::parse(meta_file);
  const auto reference = ReadBytes(kData / meta["outputs_file"].get<std::string>());
  ASSERT_EQ(meta["outputs"].size(), outputs->size());
  std::size_t compared = 0;
  for (std::size_t o = 0; o < outputs->size(); ++o) {
    const auto& want = meta["outputs"][o];
    const Tensor& got = (*outputs)[o];
    SCOPED_TRACE(want["name"].get<std::string>());
    ASSERT_EQ(got.shape, want["shape"].get<std::vector<std::int64_t>>());
    const auto rows = got.shape[1], columns = got.shape[2];
    const auto step = want["row_step"].get<std::int64_t>();
    const auto* stored =
        reinterpret_cast<const float*>(reference.data() + want["offset"].get<std::size_t>());
    double worst = 0;
    std::int64_t k = 0;
    for (std::int64_t row = 0; row < rows; row += step, ++k) {
      for (std::int64_t col = 0; col < columns; ++col) {
        const double diff = std::fabs(got.data[row * columns + col] - stored[k * columns + col]);
        worst = std::max(worst, diff);
        ++compared;
      }
    }
    EXPECT_EQ(k, want["rows_stored"].get<std::int64_t>());
    EXPECT_LE(worst, 1e-3);
    // Over the whole tensor: extremes within 1e-3, the sum within 1e-3 per
    // element on average (and far tighter in practice).
    double sum = 0, lo = got.data[0], hi = got.data[0];
    for (float v : got.data) {
      sum += v;
      lo = std::min<double>(lo, v);
      hi = std::max<double>(hi, v);
    }
    EXPECT_NEAR(lo, want["min"].get<double>(), 1e-3);
    EXPECT_NEAR(hi, want["max"].get<double>(), 1e-3);
    EXPECT_NEAR(sum / static_cast<double>(got.data.size()),
                want["sum"].get<double>() / static_cast<double>(got.data.size()), 1e-4);
    std::printf("%-10s max |diff| %.2e over %lld sampled rows\n",
                want["name"].get<std::string>().c_str(), worst, static_cast<long long>(k));
  }
  EXPECT_GT(compared, 50000U);
}

}  // namespace
}  // namespace vigil::nn
