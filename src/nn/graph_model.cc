// SPDX-License-Identifier: Apache-2.0
#include "vigil/nn/graph_model.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "internal/kernels.h"

// OpenBLAS's own entry point for its thread pool size (cblas.h declares it
// only in the OpenBLAS flavour of the header).
extern "C" void openblas_set_num_threads(int num_threads);

namespace vigil::nn {

std::int64_t Tensor::ElementCount() const {
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

void SetMathThreads(int threads) { openblas_set_num_threads(std::max(threads, 1)); }

namespace {

using Json = nlohmann::json;
using Shape = std::vector<std::int64_t>;

// Graph errors inside this file; converted to Result at the API boundary.
struct GraphError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void Throw(const std::string& message) { throw GraphError(message); }

// The largest tensor the executor makes (64 MiB of floats; NanoDet-g-416's
// largest is 1.4 M elements): a model asking for more is refused rather
// than exhausting the camera's memory.
constexpr std::int64_t kMaxElements = std::int64_t{1} << 24;
constexpr std::int64_t kMaxMultiplyAdds = std::int64_t{1} << 32;
constexpr std::int64_t kMaxInputElements = std::int64_t{1} << 22;  // 3 x 1182 x 1182
// Activation memory a model may hold at once (NanoDet-g-416 holds 29 MiB).
constexpr std::size_t kMaxActivationBytes = std::size_t{512} << 20;
// The largest padding folded into a convolution (more stays a Pad step).
constexpr std::int64_t kMaxFusedPad = 4096;

std::int64_t Product(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

// Product of a shape from a file: every dimension 0..kMaxElements, the
// product too (no overflow).
std::int64_t CheckedProduct(const Shape& shape, const std::string& what) {
  std::int64_t product = 1;
  for (std::int64_t d : shape) {
    if (d < 0 || d > kMaxElements)
      Throw(what + ": dimension " + std::to_string(d) + " is out of range");
    product *= d;
    if (product > kMaxElements) Throw(what + ": too many elements");
  }
  return product;
}

std::string ShapeText(const Shape& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

// ---- model.json attributes ---------------------------------------------

std::string Base64Decode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == '=') break;
    const auto pos = kAlphabet.find(ch);
    if (pos == std::string_view::npos) Throw("bad base64 in a string attribute");
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFFU));
    }
  }
  return out;
}

struct Node {
  std::string name, op;
  std::vector<std::string> inputs;  // "name" or "name:k"; control inputs dropped
  Json attr;

  // The attribute `key` when it is an object ({"s": ...}, {"list": ...}), else null.
  const Json& Attr(const char* key) const {
    static const Json kNull;
    if (!attr.is_object()) return kNull;
    const auto it = attr.find(key);
    return it != attr.end() && it->is_object() ? *it : kNull;
  }
  std::string String(const char* key, std::string fallback = {}) const {
    const Json& a = Attr(key);
    if (!a.is_object()) return fallback;
    return Base64Decode(a.value("s", ""));
  }
  std::vector<std::int64_t> Ints(const char* key) const {
    std::vector<std::int64_t> out;
    const Json& a = Attr(key);
    if (!a.is_object() || !a.contains("list") || !a["list"].is_object()) return out;
    for (const auto& v : a["list"].value("i", Json::array()))
      out.push_back(std::stoll(v.get<std::string>()));
    return out;
  }
  float Float(const char* key, float fallback) const {
    const Json& a = Attr(key);
    if (!a.is_object() || !a.contains("f")) return fallback;
    // Read as double: converting an out-of-range number to float is undefined.
    const Json& f = a["f"];
    const double value = f.is_number() ? f.get<double>() : std::nan("");
    if (!(std::abs(value) <= std::numeric_limits<float>::max()))
      Throw(op + " '" + name + "': attribute " + key + " is not a float");
    return static_cast<float>(value);
  }
  bool Bool(const char* key, bool fallback) const {
    const Json& a = Attr(key);
    return a.is_object() ? a.value("b", fallback) : fallback;
  }
};

// "name:1" -> ("name", 1); "name" -> ("name", 0).
std::pair<std::string, int> SplitRef(const std::string& ref) {
  const auto colon = ref.rfind(':');
  if (colon == std::string::npos) return {ref, 0};
  return {ref.substr(0, colon), std::stoi(ref.substr(colon + 1))};
}

std::string CanonicalRef(const std::string& ref) {
  auto [name, index] = SplitRef(ref);
  return index == 0 ? name : name + ":" + std::to_string(index);
}

// ---- constants ----------------------------------------------------------

struct Constant {
  Shape shape;
  std::vector<float> floats;       // float tensors
  std::vector<std::int64_t> ints;  // integer tensors (shapes, axes, perms)
  bool is_int = false;
};

// ---- runtime values: NHWC memory, logical view --------------------------

// Activation memory, reused from one Run to the next: a run allocates the
// same sizes in the same order every time, so after the first run no page is
// faulted in and nothing is zeroed that is about to be overwritten. What it
// holds, in use or idle, is bounded by kMaxActivationBytes: past that, idle
// blocks are freed, and a model that needs more at once is refused.
class BufferPool {
 public:
  BufferPool() = default;
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool() { FreeIdle(); }

  // Uninitialised storage for `count` floats, returned here when released.
  std::shared_ptr<float> Take(std::size_t count) {
    float* block = nullptr;
    if (auto it = free_.find(count); it != free_.end()) {
      block = it->second;
      free_.erase(it);
    } else {
      const std::size_t bytes = BytesFor(count);
      if (held_bytes_ + bytes > kMaxActivationBytes) FreeIdle();
      if (held_bytes_ + bytes > kMaxActivationBytes) {
        Throw("the model needs more than " + std::to_string(kMaxActivationBytes >> 20) +
              " MiB of activations at once");
      }
      block = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (block == nullptr) throw std::bad_alloc();
      held_bytes_ += bytes;
    }
    return {block, [this, count](float* p) { free_.emplace(count, p); }};
  }

 private:
  static std::size_t BytesFor(std::size_t count) {
    return ((std::max<std::size_t>(count, 1) * sizeof(float) + 63) / 64) * 64;
  }
  void FreeIdle() {
    for (auto& [count, block] : free_) {
      std::free(block);
      held_bytes_ -= BytesFor(count);
    }
    free_.clear();
  }

  std::size_t held_bytes_ = 0;
  std::multimap<std::size_t, float*> free_;
};

// The pool of the Run in progress on this thread.
thread_local BufferPool* current_pool = nullptr;

// A value is a buffer in `physical` order plus a permutation: logical axis i
// is physical axis perm[i]. Transpose only changes perm. Buffers are never
// written after the op that made them, so values may share them.
struct Value {
  std::shared_ptr<float> buffer;
  Shape physical;
  std::vector<int> perm;

  int rank() const { return static_cast<int>(physical.size()); }
  std::int64_t dim(int logical_axis) const { return physical[perm[logical_axis]]; }
  Shape LogicalShape() const {
    Shape s(physical.size());
    for (int i = 0; i < rank(); ++i) s[i] = dim(i);
    return s;
  }
  bool Contiguous() const {
    for (int i = 0; i < rank(); ++i) {
      if (perm[i] != i) return false;
    }
    return true;
  }
  std::size_t size() const { return static_cast<std::size_t>(Product(physical)); }
  float* data() { return buffer.get(); }
  const float* data() const { return buffer.get(); }
};

std::vector<int> Identity(int rank) {
  std::vector<int> p(static_cast<std::size_t>(rank));
  std::iota(p.begin(), p.end(), 0);
  return p;
}

Value NewValue(Shape shape) {
  for (std::int64_t d : shape) {
    if (d < 1) Throw("a tensor would have an empty dimension");
  }
  Value v;
  v.buffer = current_pool->Take(static_cast<std::size_t>(CheckedProduct(shape, "a tensor")));
  v.perm = Identity(static_cast<int>(shape.size()));
  v.physical = std::move(shape);
  return v;
}

std::vector<std::int64_t> Strides(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

// The value with its logical order as its memory order.
Value Materialize(const Value& v) {
  if (v.Contiguous()) return v;
  const Shape logical = v.LogicalShape();
  Value out = NewValue(logical);
  const auto phys_strides = Strides(v.physical);
  const int rank = v.rank();
  std::vector<std::int64_t> src_stride(static_cast<std::size_t>(rank));
  for (int i = 0; i < rank; ++i) src_stride[i] = phys_strides[v.perm[i]];
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
  const std::int64_t inner = rank ? logical[rank - 1] : 1;
  const std::int64_t inner_stride = rank ? src_stride[rank - 1] : 1;
  const float* src = v.data();
  float* dst = out.data();
  const std::int64_t total = Product(logical);
  for (std::int64_t done = 0; done < total; done += inner) {
    std::int64_t offset = 0;
    for (int i = 0; i + 1 < rank; ++i) offset += index[i] * src_stride[i];
    for (std::int64_t k = 0; k < inner; ++k) *dst++ = src[offset + k * inner_stride];
    for (int i = rank - 2; i >= 0; --i) {
      if (++index[i] < logical[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

Value WithPerm(Value v, const std::vector<int>& logical_perm) {
  std::vector<int> perm(logical_perm.size());
  for (std::size_t i = 0; i < logical_perm.size(); ++i) perm[i] = v.perm[logical_perm[i]];
  v.perm = std::move(perm);
  return v;
}

// ---- the compiled graph -------------------------------------------------

// Work decided at load time for one node.
struct Plan {
  bool passthrough = false;  // output = input 0 (folded into a producer)
  // Conv2D: explicit padding folded in from a preceding Pad, in conv (NHWC) axes.
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  const Constant* bias = nullptr;  // folded bias Add
  bool leaky_relu = false;
  float alpha = 0;
};

int NormalizeAxis(std::int64_t axis, int rank) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) Throw("axis " + std::to_string(axis) + " out of range");
  return static_cast<int>(axis);
}

}  // namespace

struct GraphModel::Impl {
  std::vector<Node> nodes;  // topological order, constants excluded
  std::unordered_map<std::string, Constant> constants;
  std::unordered_map<std::string, Plan> plans;
  std::string input_name;
  Shape input_shape;
  std::vector<std::string> output_names;                 // node names ("Identity")
  std::vector<std::vector<std::int64_t>> output_shapes;  // from the load's dry run
  ModelStats stats{};
  bool profiling = false;
  RunProfile profile;
  std::vector<float> scratch;
  BufferPool pool;
  // For each value, the index in `nodes` of its last reader: it is freed then.
  std::unordered_map<std::string, std::size_t> last_use;

  void Load(const std::filesystem::path& model_json);
  void Parse(std::string_view text, const std::string& source,
             const std::vector<std::uint8_t>& weights, const std::string& files);
  void LoadWeights(const Json& manifest, const std::vector<std::uint8_t>& bytes,
                   const std::string& files);
  void FoldConstants();
  void Fuse();
  void DryRun();
  std::vector<Tensor> Run(const Tensor& input);

  const Constant* FindConstant(const std::string& ref) const {
    auto it = constants.find(CanonicalRef(ref));
    return it == constants.end() ? nullptr : &it->second;
  }
  const Constant& RequireConstant(const Node& node, std::size_t input) const {
    if (input >= node.inputs.size()) Throw(node.op + " '" + node.name + "' is missing an input");
    const Constant* c = FindConstant(node.inputs[input]);
    if (c == nullptr)
      Throw(node.op + " '" + node.name + "': input " + std::to_string(input) +
            " must be a constant");
    return *c;
  }
};

namespace {

Constant ReadConstant(const Json& w, const std::vector<std::uint8_t>& bytes, std::size_t& offset,
                      const std::string& file) {
  Constant c;
  for (const auto& d : w.at("shape")) {
    // Only a JSON integer converts: a float or a too-large number would be undefined.
    if (!d.is_number_integer() ||
        (d.is_number_unsigned() &&
         d.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxElements))) {
      Throw(file + ": weight '" + w.value("name", "") + "' has a bad shape");
    }
    c.shape.push_back(d.get<std::int64_t>());
  }
  const auto count = static_cast<std::size_t>(
      CheckedProduct(c.shape, file + ": weight '" + w.value("name", "") + "'"));
  const std::string dtype = w.at("dtype").get<std::string>();
  std::string stored = dtype;
  if (w.contains("quantization")) stored = w["quantization"].value("dtype", "");
  const std::size_t element = stored == "float16"                          ? 2
                              : (stored == "float32" || stored == "int32") ? 4
                                                                           : 0;
  if (element == 0)
    Throw(file + ": weight '" + w.value("name", "") + "' is stored as " + stored +
          ", which is not supported");
  if (offset + count * element > bytes.size())
    Throw(file + ": the weight files end inside '" + w.value("name", "") + "'");
  const std::uint8_t* p = bytes.data() + offset;
  offset += count * element;
  if (dtype == "int32") {
    c.is_int = true;
    c.ints.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      std::int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      c.ints[i] = v;
    }
  } else if (dtype == "float32") {
    c.floats.resize(count);
    if (stored == "float16") {
      for (std::size_t i = 0; i < count; ++i) {
        std::uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        c.floats[i] = internal::HalfToFloat(h);
      }
    } else if (count > 0) {  // memcpy with a null pointer is undefined, even for 0 bytes
      std::memcpy(c.floats.data(), p, count * 4);
    }
  } else {
    Throw(file + ": weight '" + w.value("name", "") + "' has dtype " + dtype +
          ", which is not supported");
  }
  return c;
}

}  // namespace

// The weights of every group, in manifest order, from one buffer holding the
// groups' files concatenated in that order.
void GraphModel::Impl::LoadWeights(const Json& manifest, const std::vector<std::uint8_t>& bytes,
                                   const std::string& files) {
  std::size_t offset = 0;
  for (const auto& group : manifest) {
    for (const auto& w : group.at("weights")) {
      constants.emplace(w.at("name").get<std::string>(), ReadConstant(w, bytes, offset, files));
    }
  }
  if (offset != bytes.size())
    Throw(files + ": " + std::to_string(bytes.size() - offset) +
          " bytes left over after the last weight");
}

void GraphModel::Impl::Load(const std::filesystem::path& model_json) {
  std::ifstream in(model_json);
  if (!in) Throw("cannot read " + model_json.string());
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // The weight files the manifest names, relative to model.json.
  Json manifest;
  try {
    manifest = Json::parse(text).at("weightsManifest");
  } catch (const Json::exception& e) {
    Throw(model_json.string() + " is not a TF.js graph model: " + e.what());
  }
  std::vector<std::uint8_t> bytes;
  std::string files;
  for (const auto& group : manifest) {
    for (const auto& path : group.at("paths")) {
      const auto file = model_json.parent_path() / path.get<std::string>();
      std::ifstream shard(file, std::ios::binary);
      if (!shard) Throw("cannot read weight file " + file.string());
      shard.seekg(0, std::ios::end);
      const auto size = static_cast<std::size_t>(shard.tellg());
      shard.seekg(0);
      const std::size_t at = bytes.size();
      bytes.resize(at + size);
      shard.read(reinterpret_cast<char*>(bytes.data() + at), static_cast<std::streamsize>(size));
      if (!shard) Throw("cannot read weight file " + file.string());
      files += (files.empty() ? "" : ", ") + file.filename().string();
    }
  }
  Parse(text, model_json.string(), bytes, files);
}

void GraphModel::Impl::Parse(std::string_view text, const std::string& source,
                             const std::vector<std::uint8_t>& weights, const std::string& files) {
  Json model;
  try {
    model = Json::parse(text);
  } catch (const Json::exception& e) {
    Throw(source + " is not JSON: " + e.what());
  }
  if (!model.is_object() || model.value("format", "") != "graph-model")
    Throw(source + " is not a TF.js graph model");
  LoadWeights(model.at("weightsManifest"), weights, files);
  const std::filesystem::path model_json(source);

  std::map<std::string, Node> by_name;
  for (const auto& n : model.at("modelTopology").at("node")) {
    Node node;
    node.name = n.at("name").get<std::string>();
    node.op = n.at("op").get<std::string>();
    for (const auto& i : n.value("input", Json::array())) {
      const auto ref = i.get<std::string>();
      if (!ref.empty() && ref[0] != '^') node.inputs.push_back(CanonicalRef(ref));
    }
    node.attr = n.value("attr", Json::object());
    if (node.op == "Const") {
      if (!constants.contains(node.name)) Throw("constant '" + node.name + "' has no weights");
      continue;
    }
    if (node.op == "Placeholder") {
      if (!input_name.empty()) Throw("models with more than one input are not supported");
      input_name = node.name;
      for (const auto& d : node.attr["shape"]["shape"].value("dim", Json::array())) {
        input_shape.push_back(std::stoll(d.value("size", "-1")));
      }
    }
    by_name.emplace(node.name, std::move(node));
  }
  if (input_name.empty()) Throw(model_json.string() + " has no input");
  for (std::int64_t d : input_shape) {
    if (d <= 0)
      Throw("the input shape " + ShapeText(input_shape) +
            " is not fixed; only fixed shapes are supported");
  }
  if (CheckedProduct(input_shape, "the input") > kMaxInputElements)
    Throw("the input " + ShapeText(input_shape) + " is too large");
  // Outputs: the signature's, in natural order (Identity, Identity_1, ...).
  const Json signature_outputs =
      model.value("signature", Json::object()).value("outputs", Json::object());
  for (const auto& [key, out] : signature_outputs.items()) {
    output_names.push_back(SplitRef(out.is_object() ? out.value("name", key) : key).first);
  }
  if (output_names.empty()) Throw(model_json.string() + " has no signature outputs");
  std::sort(output_names.begin(), output_names.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() != b.size() ? a.size() < b.size() : a < b;
            });

  // Topological order (Kahn), so that model.json's order does not matter.
  std::map<std::string, int> pending;
  std::map<std::string, std::vector<std::string>> consumers;
  for (auto& [name, node] : by_name) {
    int deps = 0;
    for (const auto& ref : node.inputs) {
      const auto producer = SplitRef(ref).first;
      if (constants.contains(producer)) continue;
      if (!by_name.contains(producer)) {
        std::string message = node.op;
        message += " '" + name;
        message += "' reads '" + producer;
        message += "', which is not in the graph";
        Throw(message);
      }
      consumers[producer].push_back(name);
      ++deps;
    }
    pending[name] = deps;
  }
  std::vector<std::string> ready;
  for (const auto& [name, deps] : pending) {
    if (deps == 0) ready.push_back(name);
  }
  while (!ready.empty()) {
    const std::string name = ready.back();
    ready.pop_back();
    nodes.push_back(by_name[name]);
    for (const auto& c : consumers[name]) {
      if (--pending[c] == 0) ready.push_back(c);
    }
  }
  if (nodes.size() != by_name.size()) Throw(model_json.string() + ": the graph has a cycle");
  for (const auto& out : output_names) {
    if (!by_name.contains(out)) Throw("output '" + out + "' is not in the graph");
  }
  stats.nodes = static_cast<int>(by_name.size() + constants.size());
  FoldConstants();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& ref : nodes[i].inputs) last_use[ref] = i;
  }
  for (const auto& out : output_names) last_use[out] = nodes.size();
  Fuse();
  DryRun();
  stats.weight_bytes = 0;
  for (const auto& [name, c] : constants)
    stats.weight_bytes += static_cast<std::int64_t>(c.floats.size() * sizeof(float));
}

// Shape plumbing left by the converters (SparseToDense of an empty index set,
// adds of constant shapes) is evaluated once here.
void GraphModel::Impl::FoldConstants() {
  std::vector<Node> kept;
  for (auto& node : nodes) {
    bool all_constant = !node.inputs.empty();
    for (const auto& ref : node.inputs) all_constant = all_constant && FindConstant(ref) != nullptr;
    if (!all_constant) {
      kept.push_back(std::move(node));
      continue;
    }
    Constant out;
    if (node.op == "SparseToDense") {
      const auto& indices = RequireConstant(node, 0);
      const auto& shape = RequireConstant(node, 1);
      const auto& values = RequireConstant(node, 2);
      const auto& fill = RequireConstant(node, 3);
      if (!indices.is_int || !shape.is_int || !values.is_int || !fill.is_int ||
          shape.shape.size() != 1) {
        Throw("SparseToDense '" + node.name + "': only integer shape plumbing is supported");
      }
      out.is_int = true;
      out.shape = shape.ints;
      out.ints.assign(
          static_cast<std::size_t>(CheckedProduct(out.shape, "SparseToDense '" + node.name + "'")),
          fill.ints.at(0));
      const auto strides = Strides(out.shape);
      const std::size_t rank = out.shape.size();
      const std::size_t count = indices.ints.size() / std::max<std::size_t>(rank, 1);
      for (std::size_t k = 0; k < count; ++k) {
        std::int64_t offset = 0;
        for (std::size_t d = 0; d < rank; ++d) {
          const std::int64_t index = indices.ints[k * rank + d];
          if (index < 0 || index >= out.shape[d])
            Throw("SparseToDense '" + node.name + "': index out of range");
          offset += index * strides[d];
        }
        if (offset < 0 || offset >= static_cast<std::int64_t>(out.ints.size()))
          Throw("SparseToDense '" + node.name + "': index out of range");
        out.ints[static_cast<std::size_t>(offset)] =
            values.ints.size() == 1 ? values.ints[0] : values.ints.at(k);
      }
    } else if ((node.op == "AddV2" || node.op == "Add") && RequireConstant(node, 0).is_int) {
      const auto& a = RequireConstant(node, 0);
      const auto& b = RequireConstant(node, 1);
      if (!b.is_int || (a.ints.size() != b.ints.size() && b.ints.size() != 1))
        Throw(node.op + " '" + node.name + "': unsupported constant add");
      out = a;
      for (std::size_t i = 0; i < out.ints.size(); ++i) {
        // Chained adds could overflow, which is undefined for signed integers.
        if (__builtin_add_overflow(out.ints[i], b.ints.size() == 1 ? b.ints[0] : b.ints[i],
                                   &out.ints[i])) {
          Throw(node.op + " '" + node.name + "': the constant add overflows");
        }
      }
    } else if (node.op == "Identity") {
      out = RequireConstant(node, 0);
    } else {
      kept.push_back(std::move(node));
      continue;
    }
    constants.emplace(node.name, std::move(out));
  }
  nodes = std::move(kept);
}

namespace {

bool IsActivation(const std::string& op) { return op == "LeakyRelu" || op == "Relu"; }
bool IsAdd(const std::string& op) { return op == "Add" || op == "AddV2" || op == "BiasAdd"; }

}  // namespace

// Folds each convolution's neighbours into it: a zero Pad before it (through
// any Transposes), and a bias Add and LeakyRelu/Relu after it. A neighbour is
// folded only when the convolution is its sole reader, so no other node can
// see the difference.
void GraphModel::Impl::Fuse() {
  std::unordered_map<std::string, std::vector<const Node*>> readers;
  std::unordered_map<std::string, const Node*> by_name;
  for (const auto& node : nodes) {
    by_name[node.name] = &node;
    for (const auto& ref : node.inputs) readers[ref].push_back(&node);
  }
  for (const auto& out : output_names) readers[out].push_back(nullptr);
  // The single non-Transpose reader of `name` reached through Transposes, and
  // the composed permutation of those Transposes (perm[i] = source axis).
  auto sole_reader = [&](const std::string& name, std::vector<int>& perm) -> const Node* {
    std::string current = name;
    for (;;) {
      const auto& r = readers[current];
      if (r.size() != 1 || r[0] == nullptr) return nullptr;
      const Node* next = r[0];
      if (next->op != "Transpose")
        return next->inputs.empty() || next->inputs[0] != current ? nullptr : next;
      if (next->inputs.size() < 2 || FindConstant(next->inputs[1]) == nullptr) return nullptr;
      const auto& p = RequireConstant(*next, 1).ints;
      // Not a permutation of the axes so far: no fusion (Run reports it).
      if (!perm.empty() && p.size() != perm.size()) return nullptr;
      std::vector<bool> seen(p.size(), false);
      for (std::int64_t axis : p) {
        if (axis < 0 || axis >= static_cast<std::int64_t>(p.size()) || seen[axis]) return nullptr;
        seen[axis] = true;
      }
      std::vector<int> composed(p.size());
      for (std::size_t i = 0; i < p.size(); ++i)
        composed[i] = perm.empty() ? static_cast<int>(p[i]) : perm[p[i]];
      perm = std::move(composed);
      current = next->name;
    }
  };

  for (const auto& node : nodes) {
    if (node.op != "Conv2D") continue;
    Plan& conv = plans[node.name];
    // Bias and activation after.
    std::vector<int> perm;
    const Node* add = sole_reader(node.name, perm);
    if (add != nullptr && IsAdd(add->op) && add->inputs.size() == 2) {
      const Constant* bias = FindConstant(add->inputs[1]);
      const bool channels_last = perm.empty() || perm.back() == 3;
      if (bias != nullptr && !bias->is_int && bias->shape.size() == 1 && channels_last) {
        conv.bias = bias;
        plans[add->name].passthrough = true;
        std::vector<int> after;
        const Node* act = sole_reader(add->name, after);
        if (act != nullptr && IsActivation(act->op)) {
          conv.leaky_relu = true;
          conv.alpha = act->op == "Relu" ? 0.0F : act->Float("alpha", 0.2F);
          plans[act->name].passthrough = true;
        }
      }
    }
  }
  // Pads before convolutions.
  for (const auto& node : nodes) {
    const bool zero_pad =
        node.op == "Pad" ||
        (node.op == "PadV2" && node.inputs.size() == 3 && FindConstant(node.inputs[2]) != nullptr &&
         RequireConstant(node, 2).floats.size() == 1 && RequireConstant(node, 2).floats[0] == 0.0F);
    if (!zero_pad || FindConstant(node.inputs.at(1)) == nullptr) continue;
    const auto& pads = RequireConstant(node, 1).ints;
    std::vector<int> perm;
    const Node* conv = sole_reader(node.name, perm);
    if (conv == nullptr || conv->op != "Conv2D" || pads.size() != 8) continue;
    // Padding of conv input axis i is the pad of source axis perm[i].
    if (!perm.empty() && perm.size() != 4) continue;
    auto pad_of = [&](int axis, int side) {
      const int source = perm.empty() ? axis : perm[axis];
      return pads[2 * source + side];
    };
    if (pad_of(0, 0) || pad_of(0, 1) || pad_of(3, 0) || pad_of(3, 1)) continue;
    // Only plausible paddings are folded (the sums below are ints); any other
    // stays a Pad step, which refuses what it cannot do.
    bool plausible = true;
    for (int axis : {1, 2}) {
      for (int side : {0, 1})
        plausible = plausible && pad_of(axis, side) >= 0 && pad_of(axis, side) <= kMaxFusedPad;
    }
    if (!plausible) continue;
    Plan& plan = plans[conv->name];
    plan.pad_top += static_cast<int>(pad_of(1, 0));
    plan.pad_bottom += static_cast<int>(pad_of(1, 1));
    plan.pad_left += static_cast<int>(pad_of(2, 0));
    plan.pad_right += static_cast<int>(pad_of(2, 1));
    plans[node.name].passthrough = true;
  }
  stats.steps = 0;
  for (const auto& node : nodes) {
    const auto it = plans.find(node.name);
    if (node.op != "Transpose" && node.op != "Identity" && node.op != "Placeholder" &&
        (it == plans.end() || !it->second.passthrough)) {
      ++stats.steps;
    }
  }
}

void GraphModel::Impl::DryRun() {
  // One run on zeros at load: shapes are fixed, so it gives the outputs'
  // shapes and every convolution's cost, and a graph that cannot run fails
  // here rather than on the camera's first event.
  Tensor zeros{input_shape,
               std::vector<float>(static_cast<std::size_t>(Product(input_shape)), 0.0F)};
  for (const auto& out : Run(zeros)) output_shapes.push_back(out.shape);
}

namespace {

void ElementwiseUnary(Value& v, const std::string& op, float alpha) {
  float* p = v.data();
  const std::size_t n = v.size();
  if (op == "Sigmoid") {
    for (std::size_t i = 0; i < n; ++i) p[i] = 1.0F / (1.0F + std::exp(-p[i]));
  } else if (op == "Relu") {
    for (std::size_t i = 0; i < n; ++i) p[i] = std::max(p[i], 0.0F);
  } else {  // LeakyRelu
    for (std::size_t i = 0; i < n; ++i) p[i] = p[i] < 0 ? p[i] * alpha : p[i];
  }
}

enum class BinaryOp { kAdd, kSub, kMul };

// out = a (op) b, where b (`period` elements) repeats along a: the same
// shape, a vector along the innermost axis, or a scalar. The op is chosen
// once, outside the loops.
template <typename F>
void CombineWith(const float* a, std::size_t n, const float* b, std::size_t period, float* out,
                 F f) {
  if (period == 1) {
    const float x = b[0];
    for (std::size_t i = 0; i < n; ++i) out[i] = f(a[i], x);
    return;
  }
  for (std::size_t start = 0; start < n; start += period) {
    for (std::size_t j = 0; j < period; ++j) out[start + j] = f(a[start + j], b[j]);
  }
}

void Combine(BinaryOp op, const float* a, std::size_t n, const float* b, std::size_t period,
             float* out) {
  switch (op) {
    case BinaryOp::kAdd: return CombineWith(a, n, b, period, out, std::plus<>());
    case BinaryOp::kSub: return CombineWith(a, n, b, period, out, std::minus<>());
    case BinaryOp::kMul: return CombineWith(a, n, b, period, out, std::multiplies<>());
  }
}

// Fresh (uninitialised) storage in v's shape and layout.
Value NewLike(const Value& v) {
  Value out = v;
  out.buffer = current_pool->Take(v.size());
  return out;
}

Value CopyOf(const Value& v) {
  Value out = NewLike(v);
  std::copy_n(v.data(), v.size(), out.data());
  return out;
}

Value Pad(const Value& in, const std::vector<std::int64_t>& pads, float fill) {
  const int rank = in.rank();
  if (static_cast<int>(pads.size()) != 2 * rank) Throw("Pad: paddings do not match the rank");
  std::vector<std::int64_t> before(static_cast<std::size_t>(rank)),
      after(static_cast<std::size_t>(rank));
  Shape physical = in.physical;
  for (int i = 0; i < rank; ++i) {
    const std::int64_t low = pads[static_cast<std::size_t>(i) * 2],
                       high = pads[static_cast<std::size_t>(i) * 2 + 1];
    if (low < 0 || high < 0) Throw("Pad: negative paddings are not supported");
    if (low > kMaxElements || high > kMaxElements) Throw("Pad: paddings too large");
    before[in.perm[i]] = low;
    after[in.perm[i]] = high;
    physical[in.perm[i]] += low + high;
  }
  Value out = NewValue(physical);
  out.perm = in.perm;
  std::fill(out.data(), out.data() + out.size(), fill);
  const auto src_strides = Strides(in.physical);
  const auto dst_strides = Strides(physical);
  const std::int64_t inner = in.physical[rank - 1];
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
  const std::int64_t total = Product(in.physical);
  for (std::int64_t done = 0; done < total; done += inner) {
    std::int64_t src = 0, dst = 0;
    for (int i = 0; i < rank; ++i) {
      src += index[i] * src_strides[i];
      dst += (index[i] + before[i]) * dst_strides[i];
    }
    std::copy_n(in.data() + src, inner, out.data() + dst);
    for (int i = rank - 2; i >= 0; --i) {
      if (++index[i] < in.physical[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

// Concatenation along physical axis `axis` of values sharing one layout.
Value ConcatPhysical(const std::vector<Value>& parts, int axis) {
  Shape physical = parts[0].physical;
  physical[axis] = 0;
  for (const auto& p : parts) physical[axis] += p.physical[axis];
  Value out = NewValue(physical);
  out.perm = parts[0].perm;
  std::int64_t outer = 1;
  for (int i = 0; i < axis; ++i) outer *= physical[i];
  const std::int64_t out_block = Product(physical) / std::max<std::int64_t>(outer, 1);
  std::int64_t offset = 0;
  for (const auto& p : parts) {
    const std::int64_t block = Product(p.physical) / std::max<std::int64_t>(outer, 1);
    for (std::int64_t o = 0; o < outer; ++o) {
      std::copy_n(p.data() + o * block, block, out.data() + o * out_block + offset);
    }
    offset += block;
  }
  return out;
}

std::vector<Value> SplitPhysical(const Value& in, int axis,
                                 const std::vector<std::int64_t>& sizes) {
  std::int64_t outer = 1;
  for (int i = 0; i < axis; ++i) outer *= in.physical[i];
  const std::int64_t in_block = Product(in.physical) / std::max<std::int64_t>(outer, 1);
  const std::int64_t unit = in_block / in.physical[axis];
  std::vector<Value> parts;
  std::int64_t offset = 0;
  for (std::int64_t size : sizes) {
    Shape physical = in.physical;
    physical[axis] = size;
    Value part = NewValue(physical);
    part.perm = in.perm;
    const std::int64_t block = size * unit;
    for (std::int64_t o = 0; o < outer; ++o) {
      std::copy_n(in.data() + o * in_block + offset, block, part.data() + o * block);
    }
    offset += block;
    parts.push_back(std::move(part));
  }
  return parts;
}

}  // namespace

std::vector<Tensor> GraphModel::Impl::Run(const Tensor& input) {
  struct PoolScope {
    explicit PoolScope(BufferPool* pool) { current_pool = pool; }
    ~PoolScope() { current_pool = nullptr; }
  } scope(&pool);
  if (input.shape != input_shape)
    Throw("the input has shape " + ShapeText(input.shape) + ", the model takes " +
          ShapeText(input_shape));
  if (static_cast<std::int64_t>(input.data.size()) != Product(input.shape))
    Throw("the input's data does not match its shape");
  std::unordered_map<std::string, Value> values;
  std::int64_t flops = 0;

  auto get = [&](const Node& node, std::size_t i) -> Value {
    if (i >= node.inputs.size()) Throw(node.op + " '" + node.name + "' is missing an input");
    const auto it = values.find(node.inputs[i]);
    if (it != values.end()) return it->second;
    const Constant* c = FindConstant(node.inputs[i]);
    if (c == nullptr || c->is_int)
      Throw(node.op + " '" + node.name + "': input '" + node.inputs[i] + "' is not a tensor");
    for (std::int64_t d : c->shape) {
      if (d < 1) Throw(node.op + " '" + node.name + "': input '" + node.inputs[i] + "' is empty");
    }
    Value v;
    // Constants are read in place: no op writes into its inputs.
    v.buffer = std::shared_ptr<float>(const_cast<float*>(c->floats.data()), [](float*) {});
    v.physical = c->shape;
    v.perm = Identity(static_cast<int>(c->shape.size()));
    return v;
  };
  auto nhwc = [&](const Node& node, const Value& v) {
    if (v.rank() != 4)
      Throw(node.op + " '" + node.name + "' needs a 4-D input, got " + ShapeText(v.LogicalShape()));
    if (node.String("data_format", "NHWC") != "NHWC")
      Throw(node.op + " '" + node.name + "': only NHWC is supported");
    return Materialize(v);
  };

  internal::ConvTimes conv_times;
  for (std::size_t index = 0; index < nodes.size(); ++index) {
    const auto step_start =
        profiling ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    const Node& node = nodes[index];
    const auto plan_it = plans.find(node.name);
    const Plan* plan = plan_it == plans.end() ? nullptr : &plan_it->second;
    const std::string& op = node.op;
    if (op == "Placeholder") {
      Value v = NewValue(input.shape);
      std::copy_n(input.data.data(), input.data.size(), v.data());
      values[node.name] = std::move(v);
    } else if (op == "Identity" || (plan != nullptr && plan->passthrough)) {
      values[node.name] = get(node, 0);
    } else if (op == "Transpose") {
      const auto& p = RequireConstant(node, 1).ints;
      Value v = get(node, 0);
      if (static_cast<int>(p.size()) != v.rank())
        Throw("Transpose '" + node.name + "': permutation does not match the rank");
      std::vector<bool> seen(p.size(), false);
      for (std::int64_t axis : p) {
        if (axis < 0 || axis >= v.rank() || seen[axis])
          Throw("Transpose '" + node.name + "': not a permutation");
        seen[axis] = true;
      }
      std::vector<int> perm(p.begin(), p.end());
      values[node.name] = WithPerm(std::move(v), perm);
    } else if (op == "Conv2D") {
      const Value in = nhwc(node, get(node, 0));
      const Constant& filter = RequireConstant(node, 1);
      if (filter.shape.size() != 4 || filter.shape[2] != in.physical[3]) {
        Throw("Conv2D '" + node.name + "': filter " + ShapeText(filter.shape) +
              " does not fit input " + ShapeText(in.physical));
      }
      for (std::int64_t d : node.Ints("dilations")) {
        if (d != 1) Throw("Conv2D '" + node.name + "': dilation is not supported");
      }
      const auto strides = node.Ints("strides");
      internal::ConvShape s;
      s.in_h = static_cast<int>(in.physical[1]);
      s.in_w = static_cast<int>(in.physical[2]);
      s.in_c = static_cast<int>(in.physical[3]);
      s.kernel_h = static_cast<int>(filter.shape[0]);
      s.kernel_w = static_cast<int>(filter.shape[1]);
      s.out_c = static_cast<int>(filter.shape[3]);
      s.stride_h = strides.size() == 4 ? static_cast<int>(strides[1]) : 1;
      s.stride_w = strides.size() == 4 ? static_cast<int>(strides[2]) : 1;
      if (s.stride_h < 1 || s.stride_w < 1 || s.stride_h > 64 || s.stride_w > 64 ||
          filter.shape[0] < 1 || filter.shape[1] < 1 || filter.shape[0] > 64 ||
          filter.shape[1] > 64) {
        Throw("Conv2D '" + node.name + "': bad strides or kernel size");
      }
      const std::string padding = node.String("padding", "VALID");
      if (padding == "SAME") {
        const int out_h = (s.in_h + s.stride_h - 1) / s.stride_h,
                  out_w = (s.in_w + s.stride_w - 1) / s.stride_w;
        const int pad_h = std::max((out_h - 1) * s.stride_h + s.kernel_h - s.in_h, 0);
        const int pad_w = std::max((out_w - 1) * s.stride_w + s.kernel_w - s.in_w, 0);
        s.pad_top = pad_h / 2;
        s.pad_bottom = pad_h - pad_h / 2;
        s.pad_left = pad_w / 2;
        s.pad_right = pad_w - pad_w / 2;
      } else if (padding != "VALID") {
        Throw("Conv2D '" + node.name + "': padding " + padding + " is not supported");
      }
      internal::ConvEpilogue epilogue;
      if (plan != nullptr) {
        s.pad_top += plan->pad_top;
        s.pad_bottom += plan->pad_bottom;
        s.pad_left += plan->pad_left;
        s.pad_right += plan->pad_right;
        if (plan->bias != nullptr) {
          if (plan->bias->floats.size() != static_cast<std::size_t>(s.out_c))
            Throw("Conv2D '" + node.name + "': bias size mismatch");
          epilogue.bias = plan->bias->floats.data();
        }
        epilogue.leaky_relu = plan->leaky_relu;
        epilogue.alpha = plan->alpha;
      }
      if (s.out_h() <= 0 || s.out_w() <= 0)
        Throw("Conv2D '" + node.name + "': the kernel is larger than the input");
      // The patch matrix, and the work: NanoDet's largest convolution is
      // 0.1 G multiply-adds; a model asking for 40 times that is refused.
      const std::int64_t patches =
          static_cast<std::int64_t>(s.out_h()) * s.out_w() * s.kernel_h * s.kernel_w * s.in_c;
      if (patches > kMaxElements || patches * s.out_c > kMaxMultiplyAdds) {
        Throw("Conv2D '" + node.name + "': too large");
      }
      const std::int64_t batch = in.physical[0];
      Value out = NewValue({batch, s.out_h(), s.out_w(), s.out_c});
      const std::int64_t in_step = Product(in.physical) / batch,
                         out_step = Product(out.physical) / batch;
      for (std::int64_t b = 0; b < batch; ++b) {
        internal::Conv2d(in.data() + b * in_step, s, filter.floats.data(), epilogue,
                         out.data() + b * out_step, scratch, profiling ? &conv_times : nullptr);
      }
      flops += 2 * batch * static_cast<std::int64_t>(s.out_h()) * s.out_w() * s.out_c * s.kernel_h *
               s.kernel_w * s.in_c;
      values[node.name] = std::move(out);
    } else if (IsAdd(op) || op == "Sub" || op == "Mul") {
      Value a = get(node, 0);
      Value b = get(node, 1);
      if (Product(a.physical) < Product(b.physical)) std::swap(a, b);
      if (op == "Sub" && Product(get(node, 0).physical) < Product(get(node, 1).physical))
        Throw("Sub '" + node.name + "': broadcast of the first input is not supported");
      const BinaryOp kind = op == "Mul"   ? BinaryOp::kMul
                            : op == "Sub" ? BinaryOp::kSub
                                          : BinaryOp::kAdd;
      Value out = NewLike(a);
      if (b.LogicalShape() == a.LogicalShape()) {
        // Lay b's elements out in a's memory order, then go element by element.
        Value same = b;
        if (b.perm != a.perm) {
          std::vector<int> inverse(a.perm.size());
          for (std::size_t i = 0; i < a.perm.size(); ++i) inverse[a.perm[i]] = static_cast<int>(i);
          same = Materialize(WithPerm(Materialize(b), inverse));
        }
        Combine(kind, a.data(), a.size(), same.data(), a.size(), out.data());
      } else if (Product(b.physical) == 1 ||
                 (a.rank() >= 1 && b.rank() == 1 && b.physical[0] == a.dim(a.rank() - 1) &&
                  a.perm.back() == a.rank() - 1)) {
        Combine(kind, a.data(), a.size(), b.data(), b.size(), out.data());
      } else {
        Throw(op + " '" + node.name + "': broadcast of " + ShapeText(b.LogicalShape()) + " onto " +
              ShapeText(a.LogicalShape()) + " is not supported");
      }
      values[node.name] = std::move(out);
    } else if (op == "LeakyRelu" || op == "Relu" || op == "Sigmoid") {
      Value v = CopyOf(get(node, 0));
      ElementwiseUnary(v, op, node.Float("alpha", 0.2F));
      values[node.name] = std::move(v);
    } else if (op == "Pad" || op == "PadV2") {
      float fill = 0;
      if (op == "PadV2") {
        const Constant& c = RequireConstant(node, 2);
        if (c.floats.size() != 1)
          Throw("PadV2 '" + node.name + "': the fill must be a float scalar");
        fill = c.floats[0];
      }
      values[node.name] = Pad(get(node, 0), RequireConstant(node, 1).ints, fill);
    } else if (op == "MaxPool") {
      const Value in = nhwc(node, get(node, 0));
      const auto k = node.Ints("ksize");
      const auto st = node.Ints("strides");
      if (k.size() != 4 || st.size() != 4 || node.String("padding", "VALID") != "VALID")
        Throw("MaxPool '" + node.name + "': only VALID 2-D pooling is supported");
      if (k[1] < 1 || k[2] < 1 || st[1] < 1 || st[2] < 1 || k[1] > in.physical[1] ||
          k[2] > in.physical[2]) {
        Throw("MaxPool '" + node.name + "': bad window");
      }
      const int out_h = static_cast<int>((in.physical[1] - k[1]) / st[1] + 1);
      const int out_w = static_cast<int>((in.physical[2] - k[2]) / st[2] + 1);
      Value out = NewValue({in.physical[0], out_h, out_w, in.physical[3]});
      const std::int64_t in_step = Product(in.physical) / in.physical[0],
                         out_step = Product(out.physical) / in.physical[0];
      for (std::int64_t b = 0; b < in.physical[0]; ++b) {
        internal::MaxPool(in.data() + b * in_step, static_cast<int>(in.physical[1]),
                          static_cast<int>(in.physical[2]), static_cast<int>(in.physical[3]),
                          static_cast<int>(k[1]), static_cast<int>(k[2]), static_cast<int>(st[1]),
                          static_cast<int>(st[2]), out.data() + b * out_step, out_h, out_w);
      }
      values[node.name] = std::move(out);
    } else if (op == "ResizeBilinear") {
      const Value in = nhwc(node, get(node, 0));
      const auto& size = RequireConstant(node, 1).ints;
      if (size.size() != 2 || size[0] <= 0 || size[1] <= 0)
        Throw("ResizeBilinear '" + node.name + "': bad size");
      if (node.Bool("align_corners", false))
        Throw("ResizeBilinear '" + node.name + "': align_corners is not supported");
      Value out = NewValue({in.physical[0], size[0], size[1], in.physical[3]});
      const std::int64_t in_step = Product(in.physical) / in.physical[0],
                         out_step = Product(out.physical) / in.physical[0];
      for (std::int64_t b = 0; b < in.physical[0]; ++b) {
        internal::ResizeBilinear(in.data() + b * in_step, static_cast<int>(in.physical[1]),
                                 static_cast<int>(in.physical[2]), static_cast<int>(in.physical[3]),
                                 node.Bool("half_pixel_centers", false), out.data() + b * out_step,
                                 static_cast<int>(size[0]), static_cast<int>(size[1]));
      }
      values[node.name] = std::move(out);
    } else if (op == "ConcatV2") {
      if (node.inputs.size() < 2) Throw("ConcatV2 '" + node.name + "' has nothing to join");
      const std::size_t count = node.inputs.size() - 1;
      std::vector<Value> parts;
      for (std::size_t i = 0; i < count; ++i) parts.push_back(get(node, i));
      const int axis = NormalizeAxis(RequireConstant(node, count).ints.at(0), parts[0].rank());
      bool same_layout = true;
      for (const auto& p : parts)
        same_layout = same_layout && p.perm == parts[0].perm && p.rank() == parts[0].rank();
      if (!same_layout) {
        for (auto& p : parts) p = Materialize(p);
      }
      for (const auto& p : parts) {
        for (int i = 0; i < p.rank(); ++i) {
          if (i != axis && p.dim(i) != parts[0].dim(i))
            Throw("ConcatV2 '" + node.name + "': shapes differ off the axis");
        }
      }
      values[node.name] = ConcatPhysical(parts, parts[0].perm[axis]);
    } else if (op == "SplitV") {
      const Value in = get(node, 0);
      const auto& sizes = RequireConstant(node, 1).ints;
      const int axis = NormalizeAxis(RequireConstant(node, 2).ints.at(0), in.rank());
      std::int64_t sum = 0;
      for (auto size : sizes) {
        if (size < 1 || size > in.dim(axis)) Throw("SplitV '" + node.name + "': bad sizes");
        sum += size;
      }
      if (sum != in.dim(axis)) Throw("SplitV '" + node.name + "': sizes do not add up to the axis");
      auto parts = SplitPhysical(in, in.perm[axis], sizes);
      for (std::size_t i = 0; i < parts.size(); ++i) {
        values[i == 0 ? node.name : node.name + ":" + std::to_string(i)] = std::move(parts[i]);
      }
    } else if (op == "Reshape") {
      Value v = Materialize(get(node, 0));
      Shape shape = RequireConstant(node, 1).ints;
      const std::int64_t total = Product(v.physical);
      std::int64_t known = 1;
      int unknown = -1;
      for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
        if (shape[i] == -1 && unknown < 0) {
          unknown = i;
        } else if (shape[i] < 1 || shape[i] > kMaxElements) {
          Throw("Reshape '" + node.name + "': bad target shape " + ShapeText(shape));
        } else {
          known *= shape[i];
          if (known > kMaxElements) Throw("Reshape '" + node.name + "': bad target shape");
        }
      }
      if (unknown >= 0 && known > 0) shape[unknown] = total / known;
      if (Product(shape) != total)
        Throw("Reshape '" + node.name + "': " + ShapeText(v.physical) + " cannot become " +
              ShapeText(shape));
      v.perm = Identity(static_cast<int>(shape.size()));
      v.physical = std::move(shape);
      values[node.name] = std::move(v);
    } else {
      Throw("op " + op + " ('" + node.name + "') is not supported");
    }
    for (const auto& ref : node.inputs) {
      const auto it = last_use.find(ref);
      if (it != last_use.end() && it->second == index) values.erase(ref);
    }
    if (profiling) {
      profile.milliseconds[op] +=
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - step_start)
              .count();
    }
  }
  stats.flops = flops;
  if (profiling) {
    ++profile.runs;
    profile.milliseconds["Conv2D: patches"] += conv_times.patches;
    profile.milliseconds["Conv2D: sgemm"] += conv_times.sgemm;
    profile.milliseconds["Conv2D: bias+activation"] += conv_times.epilogue;
  }
  std::vector<Tensor> outputs;
  for (const auto& name : output_names) {
    Value v = Materialize(values.at(name));
    outputs.push_back(Tensor{v.physical, std::vector<float>(v.data(), v.data() + v.size())});
  }
  return outputs;
}

GraphModel::GraphModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GraphModel::GraphModel(GraphModel&&) noexcept = default;
GraphModel& GraphModel::operator=(GraphModel&&) noexcept = default;
GraphModel::~GraphModel() = default;

Result<GraphModel> GraphModel::ParseTfjs(std::string_view model_json, ByteSpan weights) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->Parse(model_json, "model.json", std::vector<std::uint8_t>(weights.begin(), weights.end()),
                "weights");
  } catch (const GraphError& e) {
    return Fail(ErrorCode::kInvalidArgument, e.what());
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kInvalidArgument, std::string("model.json: ") + e.what());
  }
  return GraphModel(std::move(impl));
}

Result<GraphModel> GraphModel::LoadTfjs(const std::filesystem::path& model_json) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->Load(model_json);
  } catch (const GraphError& e) {
    return Fail(ErrorCode::kInvalidArgument, e.what());
  } catch (const Json::exception& e) {
    return Fail(ErrorCode::kInvalidArgument, model_json.string() + ": " + e.what());
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kInvalidArgument, model_json.string() + ": " + e.what());
  }
  return GraphModel(std::move(impl));
}

const std::vector<std::int64_t>& GraphModel::input_shape() const { return impl_->input_shape; }
const std::vector<std::string>& GraphModel::output_names() const { return impl_->output_names; }
const std::vector<std::vector<std::int64_t>>& GraphModel::output_shapes() const {
  return impl_->output_shapes;
}
ModelStats GraphModel::stats() const { return impl_->stats; }
void GraphModel::StartProfiling() {
  impl_->profiling = true;
  impl_->profile = RunProfile{};
}
RunProfile GraphModel::profile() const { return impl_->profile; }

Result<std::vector<Tensor>> GraphModel::Run(const Tensor& input) {
  try {
    return impl_->Run(input);
  } catch (const GraphError& e) {
    return Fail(ErrorCode::kInvalidArgument, e.what());
  }
}

}  // namespace vigil::nn
