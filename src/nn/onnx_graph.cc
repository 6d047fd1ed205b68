// SPDX-License-Identifier: Apache-2.0
#include "internal/onnx_graph.h"

#include <array>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace vigil::nn::internal {

namespace {

// Wire-format errors inside this file; converted to Result at the boundary.
struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void Throw(const std::string& message) { throw WireError(message); }

// Protobuf wire types (groups, 3 and 4, are not used by ONNX and are refused).
enum : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// One protobuf message, read as its sequence of (field number, value) records.
class Message {
 public:
  explicit Message(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  // Reads the next record; false at the end of the message.
  bool Next() {
    if (pos_ == bytes_.size()) return false;
    const std::uint64_t tag = Varint();
    field_ = tag >> 3U;
    wire_ = static_cast<std::uint32_t>(tag & 7U);
    if (field_ == 0) Throw("a field numbered 0");
    switch (wire_) {
      case kVarint: value_ = Varint(); break;
      case kFixed64: Skip(8); break;
      case kLengthDelimited: {
        const std::uint64_t length = Varint();
        if (length > bytes_.size() - pos_) Throw("a field runs past the end of its message");
        payload_ = bytes_.subspan(pos_, static_cast<std::size_t>(length));
        pos_ += static_cast<std::size_t>(length);
        break;
      }
      case kFixed32: Skip(4); break;
      default:
        Throw("wire type " + std::to_string(wire_) + " (field " + std::to_string(field_) + ")");
    }
    return true;
  }

  std::uint64_t field() const { return field_; }

  // The current record as the type ONNX gives the field; `what` names it.
  std::uint64_t Integer(std::string_view what) const {
    if (wire_ != kVarint) Throw(std::string(what) + " is not an integer");
    return value_;
  }
  std::span<const std::uint8_t> Bytes(std::string_view what) const {
    if (wire_ != kLengthDelimited) Throw(std::string(what) + " is not a message or string");
    return payload_;
  }
  std::string String(std::string_view what) const {
    const auto bytes = Bytes(what);
    return {bytes.begin(), bytes.end()};
  }

 private:
  std::uint64_t Varint() {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (pos_ == bytes_.size()) Throw("truncated");
      const std::uint8_t byte = bytes_[pos_++];
      value |= static_cast<std::uint64_t>(byte & 0x7FU) << shift;
      if ((byte & 0x80U) == 0) return value;
    }
    Throw("a varint longer than 10 bytes");
  }

  void Skip(std::size_t n) {
    if (n > bytes_.size() - pos_) Throw("truncated");
    pos_ += n;
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::uint64_t field_ = 0;
  std::uint32_t wire_ = 0;
  std::uint64_t value_ = 0;
  std::span<const std::uint8_t> payload_;
};

// TensorShapeProto.Dimension: dim_value = 1, dim_param = 2.
std::int64_t ReadDimension(std::span<const std::uint8_t> bytes) {
  std::int64_t size = -1;
  Message m(bytes);
  while (m.Next()) {
    if (m.field() == 1) {
      const auto value = static_cast<std::int64_t>(m.Integer("dim_value"));
      size = value > 0 ? value : -1;
    } else if (m.field() == 2) {
      size = -1;  // named: "batch", "height", ...
    }
  }
  return size;
}

// TypeProto: tensor_type = 1; TypeProto.Tensor: elem_type = 1, shape = 2;
// TensorShapeProto: dim = 1.
void ReadType(std::span<const std::uint8_t> bytes, OnnxValueInfo& info) {
  Message type(bytes);
  while (type.Next()) {
    if (type.field() != 1) continue;  // sequences, maps, ...: no tensor type
    Message tensor(type.Bytes("tensor_type"));
    while (tensor.Next()) {
      if (tensor.field() == 1) {
        info.elem_type = static_cast<int>(tensor.Integer("elem_type"));
      } else if (tensor.field() == 2) {
        info.has_shape = true;
        info.dims.clear();
        Message shape(tensor.Bytes("shape"));
        while (shape.Next()) {
          if (shape.field() == 1) info.dims.push_back(ReadDimension(shape.Bytes("dim")));
        }
      }
    }
  }
}

// ValueInfoProto: name = 1, type = 2.
OnnxValueInfo ReadValueInfo(std::span<const std::uint8_t> bytes) {
  OnnxValueInfo info;
  Message m(bytes);
  while (m.Next()) {
    if (m.field() == 1) info.name = m.String("name");
    if (m.field() == 2) ReadType(m.Bytes("type"), info);
  }
  return info;
}

// TensorProto: name = 8.
std::string ReadTensorName(std::span<const std::uint8_t> bytes) {
  std::string name;
  Message m(bytes);
  while (m.Next()) {
    if (m.field() == 8) name = m.String("initializer name");
  }
  return name;
}

// GraphProto: initializer = 5, input = 11, output = 12, sparse_initializer = 15
// (SparseTensorProto: values = 1, a TensorProto carrying the name).
void ReadGraph(std::span<const std::uint8_t> bytes, OnnxGraphInfo& info) {
  std::set<std::string, std::less<>> initializers;
  std::vector<OnnxValueInfo> inputs;
  Message m(bytes);
  while (m.Next()) {
    switch (m.field()) {
      case 5: initializers.insert(ReadTensorName(m.Bytes("initializer"))); break;
      case 11: inputs.push_back(ReadValueInfo(m.Bytes("input"))); break;
      case 12: info.outputs.push_back(ReadValueInfo(m.Bytes("output"))); break;
      case 15: {
        Message sparse(m.Bytes("sparse_initializer"));
        while (sparse.Next()) {
          if (sparse.field() == 1) initializers.insert(ReadTensorName(sparse.Bytes("values")));
        }
        break;
      }
      default: break;
    }
  }
  // Exporters before IR version 4 list every weight as a graph input too.
  for (auto& input : inputs) {
    if (!initializers.contains(input.name)) info.inputs.push_back(std::move(input));
  }
}

}  // namespace

Result<OnnxGraphInfo> ReadOnnxGraphInfo(std::span<const std::uint8_t> bytes) {
  OnnxGraphInfo info;
  bool has_ir_version = false, has_graph = false;
  try {
    // ModelProto: ir_version = 1, graph = 7.
    Message model(bytes);
    while (model.Next()) {
      if (model.field() == 1) {
        info.ir_version = static_cast<std::int64_t>(model.Integer("ir_version"));
        has_ir_version = true;
      } else if (model.field() == 7) {
        ReadGraph(model.Bytes("graph"), info);
        has_graph = true;
      }
    }
  } catch (const WireError& e) {
    return Fail(ErrorCode::kInvalidArgument, std::string("not protobuf: ") + e.what());
  }
  if (!has_ir_version) return Fail(ErrorCode::kInvalidArgument, "no ir_version");
  if (!has_graph) return Fail(ErrorCode::kInvalidArgument, "no graph");
  return info;
}

std::string OnnxTypeName(int elem_type) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "undefined", "float32", "uint8",     "int8",       "uint16",  "int16",
      "int32",     "int64",   "string",    "bool",       "float16", "float64",
      "uint32",    "uint64",  "complex64", "complex128", "bfloat16"};
  if (elem_type >= 0 && elem_type < static_cast<int>(kNames.size()))
    return std::string(kNames[elem_type]);
  return "type " + std::to_string(elem_type);
}

}  // namespace vigil::nn::internal
