// SPDX-License-Identifier: Apache-2.0
// GraphModel on small TF.js graph models written by the test: the layout
// flips, folding and fusion must not change what the graph computes.
#include "vigil/nn/graph_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "internal/kernels.h"

namespace vigil::nn {
namespace {

using Json = nlohmann::json;

Json Ints(std::initializer_list<int> values) {
  Json list = Json::array();
  for (int v : values) list.push_back(std::to_string(v));
  return {{"list", {{"i", list}}}};
}
Json Str(const std::string& base64) { return {{"s", base64}}; }
const std::string kValid = "VkFMSUQ=";  // "VALID"
const std::string kNhwc = "TkhXQw==";   // "NHWC"

// A 1x1-stride, VALID, NHWC Conv2D's attributes, as the converter writes them.
Json Conv2dAttrs() {
  return {{"strides", Ints({1, 1, 1, 1})},
          {"padding", Str(kValid)},
          {"data_format", Str(kNhwc)},
          {"dilations", Ints({1, 1, 1, 1})}};
}

// Writes model.json + weights.bin the way the TF.js converter lays them out.
class ModelBuilder {
 public:
  explicit ModelBuilder(const std::vector<int>& input_shape) {
    Json dims = Json::array();
    for (int d : input_shape) dims.push_back({{"size", std::to_string(d)}});
    Node("input_1", "Placeholder", {}, {{"shape", {{"shape", {{"dim", dims}}}}}});
  }
  void Node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
            Json attr = Json::object()) {
    nodes_.push_back({{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}});
  }
  // float32 weights stored as float16 bits.
  void HalfConst(const std::string& name, const std::vector<int>& shape,
                 const std::vector<std::uint16_t>& bits) {
    AddWeight(name, shape, "float32", true);
    for (auto b : bits) Append(&b, 2);
  }
  void FloatConst(const std::string& name, const std::vector<int>& shape,
                  const std::vector<float>& values) {
    AddWeight(name, shape, "float32", false);
    for (float v : values) Append(&v, 4);
  }
  void IntConst(const std::string& name, const std::vector<int>& shape,
                const std::vector<std::int32_t>& values) {
    AddWeight(name, shape, "int32", false);
    for (auto v : values) Append(&v, 4);
  }
  std::filesystem::path Write(const std::filesystem::path& dir,
                              const std::vector<std::string>& outputs,
                              std::size_t truncate_bin = 0) {
    std::filesystem::create_directories(dir);
    Json outs = Json::object();
    for (const auto& o : outputs) outs[o + ":0"]["name"] = o + ":0";
    Json model = {{"format", "graph-model"},
                  {"modelTopology", {{"node", nodes_}}},
                  {"signature", {{"inputs", Json::object()}, {"outputs", outs}}},
                  {"weightsManifest", {{{"paths", {"weights.bin"}}, {"weights", weights_}}}}};
    std::ofstream(dir / "model.json") << model.dump();
    std::ofstream bin(dir / "weights.bin", std::ios::binary);
    bin.write(reinterpret_cast<const char*>(bin_.data()),
              static_cast<std::streamsize>(bin_.size() - truncate_bin));
    return dir / "model.json";
  }

 private:
  void AddWeight(const std::string& name, const std::vector<int>& shape, const std::string& dtype,
                 bool half) {
    Json w = {{"name", name}, {"shape", shape}, {"dtype", dtype}};
    if (half) w["quantization"] = {{"dtype", "float16"}, {"original_dtype", "float32"}};
    weights_.push_back(w);
    Node(name, "Const", {}, Json::object());
  }
  void Append(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    bin_.insert(bin_.end(), b, b + n);
  }
  Json nodes_ = Json::array();
  Json weights_ = Json::array();
  std::vector<std::uint8_t> bin_;
};

std::vector<std::uint16_t> RandomHalves(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> exponent(12, 15), mantissa(0, 1023), sign(0, 1);
  std::vector<std::uint16_t> bits(n);
  for (auto& b : bits)
    b = static_cast<std::uint16_t>((sign(rng) << 15) | (exponent(rng) << 10) | mantissa(rng));
  return bits;
}

class GraphModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-nn-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    if (!std::getenv("VIGIL_KEEP")) std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

constexpr int kC = 2, kH = 5, kW = 6, kK = 4;

// NCHW input -> Pad -> NHWC -> Conv2D 3x3 -> +bias -> NCHW -> LeakyRelu, as
// the ONNX -> TF converter writes every convolution. `expose` adds outputs
// that read the intermediate values, which must stop the fusion.
ModelBuilder ConvBlock(bool expose) {
  ModelBuilder b({1, kC, kH, kW});
  b.IntConst("pads", {4, 2}, {0, 0, 0, 0, 1, 1, 2, 1});
  b.IntConst("to_nhwc", {4}, {0, 2, 3, 1});
  b.IntConst("to_nchw", {4}, {0, 3, 1, 2});
  b.HalfConst("filter", {3, 3, kC, kK}, RandomHalves(std::size_t{3} * 3 * kC * kK, 7));
  b.HalfConst("bias", {kK}, RandomHalves(kK, 8));
  b.Node("pad", "Pad", {"input_1", "pads"});
  b.Node("t1", "Transpose", {"pad", "to_nhwc"});
  b.Node("conv", "Conv2D", {"t1", "filter"}, Conv2dAttrs());
  b.Node("add", "Add", {"conv", "bias"});
  b.Node("t2", "Transpose", {"add", "to_nchw"});
  b.Node("relu", "LeakyRelu", {"t2"}, {{"alpha", {{"f", 0.1}}}});
  b.Node("Identity", "Identity", {"relu"});
  if (expose) {
    b.Node("Identity_1", "Identity", {"pad"});
    b.Node("Identity_2", "Identity", {"t2"});
  }
  return b;
}

Tensor RandomInput() {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-2, 2);
  Tensor t{{1, kC, kH, kW}, std::vector<float>(std::size_t{kC} * kH * kW)};
  for (auto& x : t.data) x = dist(rng);
  return t;
}

TEST_F(GraphModelTest, ConvolutionBlockMatchesTheDefinitionAndFusesIntoOneStep) {
  auto model = GraphModel::LoadTfjs(ConvBlock(false).Write(dir_, {"Identity"}));
  ASSERT_TRUE(model.has_value()) << model.error().ToString();
  EXPECT_EQ(model->stats().steps, 1);  // pad, bias and activation folded into the conv
  const Tensor input = RandomInput();
  auto out = model->Run(input);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  ASSERT_EQ(out->size(), 1U);
  const int oh = kH + 1 + 1 - 2, ow = kW + 2 + 1 - 2;
  EXPECT_EQ((*out)[0].shape, (std::vector<std::int64_t>{1, kK, oh, ow}));
  EXPECT_EQ(model->stats().flops, 2LL * oh * ow * kK * 9 * kC);
  EXPECT_EQ(model->output_shapes(), (std::vector<std::vector<std::int64_t>>{{1, kK, oh, ow}}));

  // Direct NCHW convolution with the widened float16 weights.
  const auto filter = RandomHalves(std::size_t{3} * 3 * kC * kK, 7);
  const auto bias = RandomHalves(kK, 8);
  for (int k = 0; k < kK; ++k) {
    for (int y = 0; y < oh; ++y) {
      for (int x = 0; x < ow; ++x) {
        double sum = internal::HalfToFloat(bias[k]);
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx) {
            const int iy = y + ky - 1, ix = x + kx - 2;  // top pad 1, left pad 2
            if (iy < 0 || iy >= kH || ix < 0 || ix >= kW) continue;
            for (int c = 0; c < kC; ++c) {
              sum += input.data[(c * kH + iy) * kW + ix] *
                     static_cast<double>(
                         internal::HalfToFloat(filter[((ky * 3 + kx) * kC + c) * kK + k]));
            }
          }
        }
        const double want = sum < 0 ? sum * 0.1 : sum;
        ASSERT_NEAR((*out)[0].data[(k * oh + y) * ow + x], want, 1e-4) << k << "," << y << "," << x;
      }
    }
  }
}

TEST_F(GraphModelTest, IntermediateValuesReadElsewhereAreNotFused) {
  auto fused = GraphModel::LoadTfjs(ConvBlock(false).Write(dir_ / "a", {"Identity"}));
  auto exposed = GraphModel::LoadTfjs(
      ConvBlock(true).Write(dir_ / "b", {"Identity", "Identity_1", "Identity_2"}));
  ASSERT_TRUE(fused.has_value() && exposed.has_value());
  EXPECT_GT(exposed->stats().steps, 1);
  const Tensor input = RandomInput();
  auto a = fused->Run(input);
  auto b = exposed->Run(input);
  ASSERT_TRUE(a.has_value() && b.has_value()) << (b.has_value() ? "" : b.error().ToString());
  ASSERT_EQ(b->size(), 3U);
  ASSERT_EQ((*a)[0].data.size(), (*b)[0].data.size());
  for (std::size_t i = 0; i < (*a)[0].data.size(); ++i)
    EXPECT_NEAR((*a)[0].data[i], (*b)[0].data[i], 1e-5);
  // The padded input, in NCHW: zeros around the input.
  const Tensor& pad = (*b)[1];
  EXPECT_EQ(pad.shape, (std::vector<std::int64_t>{1, kC, kH + 2, kW + 3}));
  EXPECT_EQ(pad.data[0], 0.0F);
  EXPECT_EQ(pad.data[(0 * (kH + 2) + 1) * (kW + 3) + 2], input.data[0]);
  // Before the activation, some values are negative; after it, scaled by 0.1.
  const Tensor& pre = (*b)[2];
  bool saw_negative = false;
  for (std::size_t i = 0; i < pre.data.size(); ++i) {
    const float want = pre.data[i] < 0 ? pre.data[i] * 0.1F : pre.data[i];
    saw_negative = saw_negative || pre.data[i] < 0;
    EXPECT_NEAR((*b)[0].data[i], want, 1e-6);
  }
  EXPECT_TRUE(saw_negative);
}

TEST_F(GraphModelTest, SplitSigmoidConcatReshapeTransposeFollowTheLogicalOrder) {
  ModelBuilder b({1, 4, 2, 3});
  b.IntConst("sizes", {2}, {1, 3});
  b.IntConst("axis", {}, {1});
  b.IntConst("shape", {3}, {1, 4, -1});
  b.IntConst("swap", {3}, {0, 2, 1});
  b.Node("split", "SplitV", {"input_1", "sizes", "axis"}, {{"num_split", {{"i", "2"}}}});
  b.Node("sig", "Sigmoid", {"split"});
  b.Node("cat", "ConcatV2", {"split:1", "sig", "axis"}, {{"N", {{"i", "2"}}}});
  b.Node("reshape", "Reshape", {"cat", "shape"});
  b.Node("Identity", "Transpose", {"reshape", "swap"});
  auto model = GraphModel::LoadTfjs(b.Write(dir_, {"Identity"}));
  ASSERT_TRUE(model.has_value()) << model.error().ToString();
  Tensor input{{1, 4, 2, 3}, std::vector<float>(24)};
  for (int i = 0; i < 24; ++i) input.data[i] = static_cast<float>(i) / 10;
  auto out = model->Run(input);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  const Tensor& t = (*out)[0];
  EXPECT_EQ(t.shape, (std::vector<std::int64_t>{1, 6, 4}));
  // cat channels: input channels 1, 2, 3, then sigmoid(channel 0).
  for (int p = 0; p < 6; ++p) {
    for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(t.data[p * 4 + c], input.data[(c + 1) * 6 + p]);
    EXPECT_NEAR(t.data[p * 4 + 3], 1 / (1 + std::exp(-input.data[p])), 1e-6);
  }
}

// The fuzzer's second finding: an empty weight (with nothing else in the
// weight file) once reached memcpy with null pointers. UBSan builds catch a
// return of that.
TEST_F(GraphModelTest, EmptyWeightsLoad) {
  ModelBuilder b({1, 2});
  b.FloatConst("nothing", {0}, {});
  b.Node("Identity", "Identity", {"input_1"});
  auto model = GraphModel::LoadTfjs(b.Write(dir_ / "a", {"Identity"}));
  ASSERT_TRUE(model.has_value()) << model.error().message;
  auto out = model->Run(Tensor{{1, 2}, {0.5F, -1.0F}});
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out->at(0).data, (std::vector<float>{0.5F, -1.0F}));
}

// The fuzzer's third finding: numbers that do not fit the type they are read
// as (a float weight dimension, a LeakyRelu slope beyond float's range) were
// converted anyway, which is undefined. They are refused with the reason.
TEST_F(GraphModelTest, RefusesNumbersThatDoNotFitTheirType) {
  const std::string graph =
      R"({"format":"graph-model","modelTopology":{"node":[)"
      R"({"name":"input_1","op":"Placeholder","attr":{"shape":{"shape":{"dim":[{"size":"1"},{"size":"2"}]}}}},)"
      R"({"name":"w","op":"Const"},)"
      R"({"name":"Identity","op":"LeakyRelu","input":["input_1"],"attr":{"alpha":{"f":ALPHA}}}]},)"
      R"("signature":{"outputs":{"Identity:0":{"name":"Identity:0"}}},)"
      R"("weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"w","shape":[SHAPE],"dtype":"float32"}]}]})";
  auto with = [&](const std::string& alpha, const std::string& shape) {
    std::string text = graph;
    text.replace(text.find("ALPHA"), 5, alpha);
    text.replace(text.find("SHAPE"), 5, shape);
    return text;
  };
  const std::vector<std::uint8_t> four_bytes(4, 0);
  auto good = GraphModel::ParseTfjs(with("0.1", "1"), four_bytes);
  ASSERT_TRUE(good.has_value()) << good.error().message;

  auto float_dimension = GraphModel::ParseTfjs(with("0.1", "3.3e21"), four_bytes);
  ASSERT_FALSE(float_dimension.has_value());
  EXPECT_NE(float_dimension.error().message.find("bad shape"), std::string::npos)
      << float_dimension.error().message;
  EXPECT_FALSE(GraphModel::ParseTfjs(with("0.1", "18446744073709551615"), four_bytes).has_value());

  auto huge_slope = GraphModel::ParseTfjs(with("1e300", "1"), four_bytes);
  ASSERT_FALSE(huge_slope.has_value());
  EXPECT_NE(huge_slope.error().message.find("alpha"), std::string::npos)
      << huge_slope.error().message;
}

// Integer plumbing that would overflow (undefined for signed integers) is
// refused: chained constant adds, and a padding too large to fold into the
// convolution's int geometry.
TEST_F(GraphModelTest, RefusesIntegerPlumbingThatWouldOverflow) {
  ModelBuilder adds({1, 2});
  adds.IntConst("c0", {1}, {1 << 30});
  for (int i = 1; i <= 40; ++i) {
    const std::string prev = "c" + std::to_string(i - 1);
    adds.Node("c" + std::to_string(i), "AddV2", {prev, prev});
  }
  adds.Node("Identity", "Identity", {"input_1"});
  auto overflow = GraphModel::LoadTfjs(adds.Write(dir_ / "a", {"Identity"}));
  ASSERT_FALSE(overflow.has_value());
  EXPECT_NE(overflow.error().message.find("overflows"), std::string::npos)
      << overflow.error().message;

  ModelBuilder pad({1, kC, kH, kW});
  pad.IntConst("pads", {4, 2}, {0, 0, 0, 0, 1, 2147483647, 0, 0});
  pad.IntConst("to_nhwc", {4}, {0, 2, 3, 1});
  pad.HalfConst("filter", {3, 3, kC, kK}, RandomHalves(std::size_t{3} * 3 * kC * kK, 7));
  pad.Node("pad", "Pad", {"input_1", "pads"});
  pad.Node("t1", "Transpose", {"pad", "to_nhwc"});
  pad.Node("Identity", "Conv2D", {"t1", "filter"}, Conv2dAttrs());
  auto huge_pad = GraphModel::LoadTfjs(pad.Write(dir_ / "b", {"Identity"}));
  ASSERT_FALSE(huge_pad.has_value());
  EXPECT_NE(huge_pad.error().message.find("too large"), std::string::npos)
      << huge_pad.error().message;
}

// A model that keeps too many large activations alive at once (here 70 padded
// copies of an 8 MiB input, all read by one Concat) is refused before it
// exhausts memory, although each tensor is within bounds.
TEST_F(GraphModelTest, RefusesModelsThatHoldTooMuchMemoryAtOnce) {
  constexpr int kWidth = 1 << 21;
  ModelBuilder b({1, kWidth});
  std::vector<std::string> parts;
  for (int i = 1; i <= 70; ++i) {
    const std::string n = std::to_string(i);
    b.IntConst("pads" + n, {2, 2}, {0, 0, 0, i});
    b.Node("pad" + n, "Pad", {"input_1", "pads" + n});
    parts.push_back("pad" + n);
  }
  b.IntConst("axis", {}, {1});
  parts.push_back("axis");
  b.Node("Identity", "ConcatV2", parts);
  auto model = GraphModel::LoadTfjs(b.Write(dir_ / "a", {"Identity"}));
  ASSERT_FALSE(model.has_value());
  EXPECT_NE(model.error().message.find("MiB of activations"), std::string::npos)
      << model.error().message;
}

TEST_F(GraphModelTest, RefusesWhatItCannotRunWithTheReason) {
  ModelBuilder unsupported({1, 2});
  unsupported.Node("Identity", "Softmax", {"input_1"});
  auto a = GraphModel::LoadTfjs(unsupported.Write(dir_ / "a", {"Identity"}));
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().message.find("Softmax"), std::string::npos) << a.error().message;

  auto truncated = GraphModel::LoadTfjs(ConvBlock(false).Write(dir_ / "b", {"Identity"}, 3));
  ASSERT_FALSE(truncated.has_value());
  EXPECT_NE(truncated.error().message.find("end inside"), std::string::npos)
      << truncated.error().message;

  auto missing = GraphModel::LoadTfjs(dir_ / "nowhere" / "model.json");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("cannot read"), std::string::npos);

  std::filesystem::create_directories(dir_ / "c");
  std::ofstream(dir_ / "c" / "model.json") << "{not json";
  EXPECT_FALSE(GraphModel::LoadTfjs(dir_ / "c" / "model.json").has_value());

  auto model = GraphModel::LoadTfjs(ConvBlock(false).Write(dir_ / "d", {"Identity"}));
  ASSERT_TRUE(model.has_value());
  auto wrong =
      model->Run(Tensor{{1, kC, kH, kW + 1}, std::vector<float>(std::size_t{kC} * kH * (kW + 1))});
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().message.find("shape"), std::string::npos);
}

}  // namespace
}  // namespace vigil::nn
