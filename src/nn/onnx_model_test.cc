// SPDX-License-Identifier: Apache-2.0
// OnnxModel on small ONNX models that tests/tools/make_yolo_onnx.py writes at
// test time (GlobalAveragePool -> 1x1 Conv -> Reshape: the output is a chosen
// constant plus chosen multiples of the input's channel means), and on bytes
// that are not such models.
#include "vigil/nn/onnx_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "internal/onnx_graph.h"

namespace vigil::nn {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

class OnnxModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-onnx-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (std::getenv("VIGIL_KEEP") == nullptr) std::filesystem::remove_all(dir_);
  }

  // Writes dir_/name with make_yolo_onnx.py `args`; fails the test if the
  // script does.
  std::filesystem::path Make(const std::string& name, const std::string& args) {
    std::filesystem::path out = dir_ / name;
    const char* python = std::getenv("VIGIL_PYTHON");
    std::string command = python != nullptr ? python : "/usr/bin/python3";
    command += " '" VIGIL_SOURCE_DIR "/tests/tools/make_yolo_onnx.py' '";
    command += out.string();
    command += "' ";
    command += args;
    command += " 2>&1";
    std::string log;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "cannot run " << command;
      return out;
    }
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) log += buffer;
    const int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << command << "\n"
                         << log
                         << "(needs /usr/bin/python3 with Debian's python3-onnx and python3-numpy)";
    return out;
  }

  std::filesystem::path WriteBytes(const std::string& name, const std::string& bytes) {
    std::filesystem::path out = dir_ / name;
    std::ofstream(out, std::ios::binary) << bytes;
    return out;
  }

  std::filesystem::path dir_;
};

// An input whose channel means are easy to state: channel c holds c + 0.25 *
// ((y * width + x) % 5) - 0.5, so its mean over an 8x8 plane is
// c + 0.25 * (mean of (i % 5) over i < 64) - 0.5.
Tensor PatternInput(int size) {
  Tensor t{{1, 3, size, size}, {}};
  t.data.resize(static_cast<std::size_t>(3) * size * size);
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < size * size; ++i) {
      t.data[static_cast<std::size_t>(c) * size * size + i] =
          static_cast<float>(c + 0.25 * (i % 5) - 0.5);
    }
  }
  return t;
}

double PatternMean(int channel, int size) {
  double sum = 0;
  for (int i = 0; i < size * size; ++i) sum += i % 5;
  return channel + 0.25 * sum / (size * size) - 0.5;
}

TEST_F(OnnxModelTest, RunsAFixedSizeModelAndReturnsRowMajorOutputs) {
  const auto path = Make(
      "fixed.onnx", "--size 8 --shape 1,2,3 --values 1,2,3,4,5,6 --mix 0:1,0,0 --mix 5:0,0.5,-2");
  auto model = OnnxModel::Load(path, 0);
  ASSERT_TRUE(model.has_value()) << model.error().ToString();
  EXPECT_EQ(model->input_name(), "images");
  EXPECT_THAT(model->input_shape(), ElementsAre(1, 3, 8, 8));
  ASSERT_EQ(model->output_names().size(), 1U);
  EXPECT_THAT(model->output_shapes()[0], ElementsAre(1, 2, 3));

  auto out = model->Run(PatternInput(8));
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  ASSERT_EQ(out->size(), 1U);
  const Tensor& y = (*out)[0];
  EXPECT_THAT(y.shape, ElementsAre(1, 2, 3));
  ASSERT_EQ(y.data.size(), 6U);
  const double r = PatternMean(0, 8), g = PatternMean(1, 8), b = PatternMean(2, 8);
  EXPECT_NEAR(y.data[0], 1 + r, 1e-5);
  EXPECT_NEAR(y.data[1], 2, 1e-6);
  EXPECT_NEAR(y.data[2], 3, 1e-6);
  EXPECT_NEAR(y.data[3], 4, 1e-6);
  EXPECT_NEAR(y.data[4], 5, 1e-6);
  EXPECT_NEAR(y.data[5], 6 + 0.5 * g - 2 * b, 1e-5);

  // Same model, second run with another input: nothing is cached.
  Tensor zeros{{1, 3, 8, 8}, std::vector<float>(static_cast<std::size_t>(3 * 8 * 8), 0.0F)};
  auto again = model->Run(zeros);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_NEAR((*again)[0].data[0], 1, 1e-6);
  EXPECT_NEAR((*again)[0].data[5], 6, 1e-6);
}

TEST_F(OnnxModelTest, OpenInputSizeTakesTheHintAndEveryFreeOutputIsReturned) {
  const auto path =
      Make("dynamic.onnx", "--dynamic --extra-output 1,2,1,1 --shape 1,2,3 --values 1,2,3,4,5,6");
  auto model = OnnxModel::Load(path, 16);
  ASSERT_TRUE(model.has_value()) << model.error().ToString();
  EXPECT_THAT(model->input_shape(), ElementsAre(1, 3, 16, 16));
  ASSERT_EQ(model->output_shapes().size(), 2U);
  EXPECT_THAT(model->output_shapes()[0], ElementsAre(1, 2, 3));
  EXPECT_THAT(model->output_shapes()[1], ElementsAre(1, 2, 1, 1));

  auto out = model->Run(PatternInput(16));
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  ASSERT_EQ(out->size(), 2U);
  EXPECT_THAT((*out)[0].shape, ElementsAre(1, 2, 3));
  EXPECT_THAT((*out)[1].shape, ElementsAre(1, 2, 1, 1));
  EXPECT_NEAR((*out)[1].data[0], PatternMean(0, 16), 1e-5);
  EXPECT_NEAR((*out)[1].data[1], PatternMean(1, 16), 1e-5);

  auto no_hint = OnnxModel::Load(path, 0);
  ASSERT_FALSE(no_hint.has_value());
  EXPECT_EQ(no_hint.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(no_hint.error().message, HasSubstr("leaves its size open"));
}

TEST_F(OnnxModelTest, AnInputOfAnotherShapeIsRefused) {
  auto model = OnnxModel::Load(Make("fixed.onnx", "--size 8 --shape 1,6 --values 1,2,3,4,5,6"), 0);
  ASSERT_TRUE(model.has_value()) << model.error().ToString();
  auto small = model->Run(PatternInput(4));
  ASSERT_FALSE(small.has_value());
  EXPECT_EQ(small.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(small.error().message, HasSubstr("[1,3,4,4]"));
  EXPECT_THAT(small.error().message, HasSubstr("the model takes [1,3,8,8]"));

  Tensor short_data = PatternInput(8);
  short_data.data.pop_back();
  auto bad = model->Run(short_data);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(OnnxModelTest, FilesThatAreNotOnnxModelsGiveClearErrors) {
  auto missing = OnnxModel::Load(dir_ / "absent.onnx", 64);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message, HasSubstr("absent.onnx: no such file"));

  std::mt19937 rng(5);
  std::string garbage(4096, '\0');
  for (auto& ch : garbage) ch = static_cast<char>(rng() & 0xFFU);
  const std::vector<std::filesystem::path> bad = {
      WriteBytes("random.onnx", garbage), WriteBytes("text.onnx", "hello, this is not a model\n"),
      WriteBytes("empty.onnx", "")};
  for (const auto& path : bad) {
    auto model = OnnxModel::Load(path, 64);
    ASSERT_FALSE(model.has_value()) << path;
    EXPECT_EQ(model.error().code, ErrorCode::kInvalidArgument) << path;
    EXPECT_THAT(model.error().message, HasSubstr(path.filename().string() + ": not an ONNX model"))
        << path;
  }

  // A real model cut short.
  const auto whole = Make("whole.onnx", "--size 8 --shape 1,6 --values 1,2,3,4,5,6");
  std::ifstream in(whole, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_GT(bytes.size(), 100U);
  auto cut = OnnxModel::Load(WriteBytes("cut.onnx", bytes.substr(0, bytes.size() * 2 / 3)), 64);
  ASSERT_FALSE(cut.has_value());
  EXPECT_THAT(cut.error().message, HasSubstr("not an ONNX model"));

  auto directory = OnnxModel::Load(dir_, 64);
  ASSERT_FALSE(directory.has_value());
  EXPECT_THAT(directory.error().message, HasSubstr("not a regular file"));
}

TEST_F(OnnxModelTest, AnOperatorOpenCvLacksIsNamedInTheError) {
  auto model = OnnxModel::Load(
      Make("odd.onnx", "--size 8 --shape 1,6 --values 1,2,3,4,5,6 --unsupported-op"), 0);
  ASSERT_FALSE(model.has_value());
  EXPECT_EQ(model.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(model.error().message, HasSubstr("OpenCV DNN cannot load it"));
  EXPECT_THAT(model.error().message, HasSubstr("NoSuchOp"));
  EXPECT_EQ(model.error().message.find('\n'), std::string::npos) << model.error().message;
  EXPECT_THAT(model.error().message, Not(EndsWith(">"))) << model.error().message;
}

// ---- the graph reader on hand-written protobuf --------------------------

std::string Varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7FU) | 0x80U));
    v >>= 7U;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string IntField(int field, std::uint64_t v) {
  return Varint(static_cast<std::uint64_t>(field) << 3U) + Varint(v);
}
std::string BytesField(int field, const std::string& payload) {
  return Varint((static_cast<std::uint64_t>(field) << 3U) | 2U) + Varint(payload.size()) + payload;
}

// ModelProto{ir_version 3, graph{initializer "w", input "w", input "x" (float16,
// [1, "h"]), output "y"}}: an old export that lists weights as inputs.
std::string OldStyleModel() {
  const std::string x_type = BytesField(
      1, IntField(1, 10) +
             BytesField(2, BytesField(1, IntField(1, 1)) + BytesField(1, BytesField(2, "h"))));
  const std::string graph = BytesField(5, BytesField(8, "w")) + BytesField(11, BytesField(1, "w")) +
                            BytesField(11, BytesField(1, "x") + BytesField(2, x_type)) +
                            BytesField(12, BytesField(1, "y"));
  return IntField(1, 3) + BytesField(2, "hand") + BytesField(7, graph);
}

std::vector<std::uint8_t> AsBytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST(OnnxGraphTest, ReadsInputsOutputsAndSkipsInitializers) {
  auto info = internal::ReadOnnxGraphInfo(AsBytes(OldStyleModel()));
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->ir_version, 3);
  ASSERT_EQ(info->inputs.size(), 1U);
  EXPECT_EQ(info->inputs[0].name, "x");
  EXPECT_EQ(info->inputs[0].elem_type, 10);
  EXPECT_TRUE(info->inputs[0].has_shape);
  EXPECT_THAT(info->inputs[0].dims, ElementsAre(1, -1));
  ASSERT_EQ(info->outputs.size(), 1U);
  EXPECT_EQ(info->outputs[0].name, "y");
  EXPECT_FALSE(info->outputs[0].has_shape);
}

TEST(OnnxGraphTest, RefusesMalformedProtobufAndModelsWithoutAGraph) {
  const std::string good = OldStyleModel();
  for (std::size_t cut = 1; cut < good.size(); ++cut) {
    EXPECT_FALSE(internal::ReadOnnxGraphInfo(AsBytes(good.substr(0, cut))).has_value()) << cut;
  }
  auto no_graph = internal::ReadOnnxGraphInfo(AsBytes(IntField(1, 8)));
  ASSERT_FALSE(no_graph.has_value());
  EXPECT_EQ(no_graph.error().message, "no graph");
  auto group = internal::ReadOnnxGraphInfo(AsBytes(IntField(1, 8) + Varint((7U << 3U) | 3U)));
  ASSERT_FALSE(group.has_value());
  EXPECT_THAT(group.error().message, HasSubstr("wire type 3"));
  auto wrong_type = internal::ReadOnnxGraphInfo(AsBytes(IntField(1, 8) + IntField(7, 1)));
  ASSERT_FALSE(wrong_type.has_value());
  EXPECT_THAT(wrong_type.error().message, HasSubstr("graph is not a message"));
  auto endless = internal::ReadOnnxGraphInfo(AsBytes(std::string(11, '\xff')));
  ASSERT_FALSE(endless.has_value());
}

TEST_F(OnnxModelTest, AFloat16InputIsRefusedByName) {
  auto model = OnnxModel::Load(WriteBytes("half.onnx", OldStyleModel()), 64);
  ASSERT_FALSE(model.has_value());
  EXPECT_EQ(model.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(model.error().message,
              HasSubstr("input 'x' is float16; only float32 inputs are supported"));
}

}  // namespace
}  // namespace vigil::nn
