// SPDX-License-Identifier: Apache-2.0
#include "vigil/nn/onnx_model.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <regex>
#include <system_error>
#include <utility>

#include "internal/onnx_graph.h"

namespace vigil::nn {

namespace {

using Shape = std::vector<std::int64_t>;

std::string ShapeText(const Shape& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ",";
    text += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
  }
  text += "]";
  return text;
}

// One line from an OpenCV exception. `err` is the message without OpenCV's
// own location; errors the ONNX importer rethrows carry the inner one on
// "> " lines with its "OpenCV(4.6.0) file:line: error: (-2:...)" prefix.
std::string Describe(const cv::Exception& e) {
  static const std::regex kLocation(R"(OpenCV\([^)]*\) \S+:\d+: error: \(-?\d+:[^)]*\) ?)");
  static const std::regex kMarker(R"((^|\n)>)");
  static const std::regex kSpace(R"(\s+)");
  std::string text = std::regex_replace(e.err, kLocation, "");
  text = std::regex_replace(text, kMarker, " ");
  text = std::regex_replace(text, kSpace, " ");
  const auto first = text.find_first_not_of(' ');
  const auto last = text.find_last_not_of(' ');
  if (first == std::string::npos) return "error " + std::to_string(e.code);
  return text.substr(first, last - first + 1);
}

Result<std::vector<std::uint8_t>> ReadFile(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status))
    return Fail(ErrorCode::kNotFound, path.string() + ": no such file");
  if (!std::filesystem::is_regular_file(status)) {
    return Fail(ErrorCode::kInvalidArgument, path.string() + ": not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kPermissionDenied, path.string() + ": cannot open");
  std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>()};
  if (in.bad()) return Fail(ErrorCode::kUnavailable, path.string() + ": read error");
  return bytes;
}

// The shape the model is run with, from the graph's declaration of its input.
Result<Shape> ResolveInputShape(const internal::OnnxValueInfo& input, int input_size_hint) {
  if (input.elem_type != 0 && input.elem_type != internal::kOnnxFloat) {
    return Fail(ErrorCode::kInvalidArgument, "input '" + input.name + "' is " +
                                                 internal::OnnxTypeName(input.elem_type) +
                                                 "; only float32 inputs are supported");
  }
  Shape shape = input.has_shape ? input.dims : Shape(4, -1);
  if (shape.size() != 4) {
    return Fail(ErrorCode::kInvalidArgument, "input '" + input.name + "' is " + ShapeText(shape) +
                                                 "; an image input is [N, C, H, W]");
  }
  if (shape[0] < 0) shape[0] = 1;
  if (shape[1] < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "input '" + input.name + "' does not fix its channel count");
  }
  for (int axis : {2, 3}) {
    if (shape[axis] >= 0) continue;
    if (input_size_hint <= 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "input '" + input.name + "' is " + ShapeText(shape) +
                      ": the graph leaves its size open and no size was given");
    }
    shape[axis] = input_size_hint;
  }
  // Far beyond any camera model; keeps a hostile file from asking for
  // terabytes (the load runs the model once).
  constexpr std::int64_t kMaxSide = 1 << 14, kMaxElements = std::int64_t{1} << 28;
  std::int64_t elements = 1;
  for (auto d : shape) {
    if (d > kMaxSide) {
      return Fail(ErrorCode::kInvalidArgument,
                  "input '" + input.name + "' is " + ShapeText(shape) + ": too large");
    }
    elements *= d;
  }
  if (elements > kMaxElements || elements == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "input '" + input.name + "' is " + ShapeText(shape) + ": too large or empty");
  }
  return shape;
}

cv::dnn::MatShape ToMatShape(const Shape& shape) {
  cv::dnn::MatShape out;
  out.reserve(shape.size());
  for (auto d : shape) out.push_back(static_cast<int>(d));
  return out;
}

// Mutes OpenCV's own error log while it is alive: the importer prints what it
// then throws, and the caller reports the exception.
class QuietOpenCv {
 public:
  QuietOpenCv()
      : previous_(cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT)) {}
  ~QuietOpenCv() { cv::utils::logging::setLogLevel(previous_); }
  QuietOpenCv(const QuietOpenCv&) = delete;
  QuietOpenCv& operator=(const QuietOpenCv&) = delete;

 private:
  cv::utils::logging::LogLevel previous_;
};

}  // namespace

struct OnnxModel::Impl {
  cv::dnn::Net net;
  std::string input_name;
  Shape input_shape;
  std::vector<std::string> output_names;
  std::vector<Shape> output_shapes;
};

OnnxModel::OnnxModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OnnxModel::OnnxModel(OnnxModel&&) noexcept = default;
OnnxModel& OnnxModel::operator=(OnnxModel&&) noexcept = default;
OnnxModel::~OnnxModel() = default;

Result<OnnxModel> OnnxModel::Load(const std::filesystem::path& onnx, int input_size_hint) {
  const std::string file = onnx.string();
  auto bytes = ReadFile(onnx);
  if (!bytes) return Fail(bytes.error());
  auto graph = internal::ReadOnnxGraphInfo(*bytes);
  if (!graph) {
    return Fail(ErrorCode::kInvalidArgument,
                file + ": not an ONNX model (" + graph.error().message + ")");
  }
  if (graph->inputs.size() != 1) {
    return Fail(ErrorCode::kInvalidArgument, file + ": the graph has " +
                                                 std::to_string(graph->inputs.size()) +
                                                 " inputs; an image model has one");
  }
  auto shape = ResolveInputShape(graph->inputs[0], input_size_hint);
  if (!shape) return Fail(ErrorCode::kInvalidArgument, file + ": " + shape.error().message);

  auto impl = std::make_unique<Impl>();
  impl->input_name = graph->inputs[0].name;
  impl->input_shape = *shape;
  try {
    {
      const QuietOpenCv quiet;
      impl->net =
          cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    }
    if (impl->net.empty())
      return Fail(ErrorCode::kInvalidArgument, file + ": OpenCV DNN found no layers in it");
    impl->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    impl->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  } catch (const cv::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument, file + ": OpenCV DNN cannot load it: " + Describe(e));
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kInvalidArgument, file + ": OpenCV DNN cannot load it: " + e.what());
  }
  std::vector<std::string> names;
  try {
    names = impl->net.getUnconnectedOutLayersNames();
  } catch (const cv::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument, file + ": OpenCV DNN cannot load it: " + Describe(e));
  }
  if (names.empty()) return Fail(ErrorCode::kInvalidArgument, file + ": the model has no outputs");
  impl->output_names = std::move(names);
  // The output shapes come from one run on zeros. OpenCV's shape inference
  // (Net::getLayerShapes) is no substitute: for a graph with open input
  // dimensions it reports shapes the run does not produce.
  OnnxModel model(std::move(impl));
  Tensor zeros{model.input_shape(), {}};
  zeros.data.assign(static_cast<std::size_t>(zeros.ElementCount()), 0.0F);
  auto outputs = model.Run(zeros);
  if (!outputs) {
    return Fail(ErrorCode::kInvalidArgument, file + ": cannot run it on a " +
                                                 ShapeText(model.input_shape()) +
                                                 " input: " + outputs.error().message);
  }
  for (const auto& output : *outputs) model.impl_->output_shapes.push_back(output.shape);
  return model;
}

const std::string& OnnxModel::input_name() const { return impl_->input_name; }
const std::vector<std::int64_t>& OnnxModel::input_shape() const { return impl_->input_shape; }
const std::vector<std::string>& OnnxModel::output_names() const { return impl_->output_names; }
const std::vector<std::vector<std::int64_t>>& OnnxModel::output_shapes() const {
  return impl_->output_shapes;
}

Result<std::vector<Tensor>> OnnxModel::Run(const Tensor& input) {
  if (input.shape != impl_->input_shape ||
      input.data.size() != static_cast<std::size_t>(input.ElementCount())) {
    return Fail(ErrorCode::kInvalidArgument, "input shape " + ShapeText(input.shape) + " with " +
                                                 std::to_string(input.data.size()) +
                                                 " values; the model takes " +
                                                 ShapeText(impl_->input_shape));
  }
  std::vector<Tensor> outputs;
  try {
    const cv::dnn::MatShape sizes = ToMatShape(input.shape);
    // setInput copies the blob, so the Mat may borrow the caller's data.
    const cv::Mat blob(static_cast<int>(sizes.size()), sizes.data(), CV_32F,
                       const_cast<float*>(input.data.data()));
    impl_->net.setInput(blob, impl_->input_name);
    std::vector<cv::Mat> results;
    impl_->net.forward(results, impl_->output_names);
    for (auto& mat : results) {
      cv::Mat dense;
      if (mat.type() == CV_32F && mat.isContinuous()) {
        dense = mat;
      } else {
        mat.convertTo(dense, CV_32F);  // a fresh, continuous float matrix
      }
      Tensor tensor;
      for (int axis = 0; axis < dense.dims; ++axis) tensor.shape.push_back(dense.size[axis]);
      const auto* begin = dense.ptr<float>();
      tensor.data.assign(begin, begin + dense.total());
      outputs.push_back(std::move(tensor));
    }
  } catch (const cv::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument, "OpenCV DNN failed to run the model: " + Describe(e));
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kInternal, std::string("running the model: ") + e.what());
  }
  return outputs;
}

void SetOnnxThreads(int threads) { cv::setNumThreads(std::max(threads, 1)); }

}  // namespace vigil::nn
