// SPDX-License-Identifier: Apache-2.0
#include "vigil/wire/json.h"

#include <ctime>
#include <string>

namespace vigil::wire {
namespace {

constexpr int kMaxDepth = 16;

Error FieldError(std::string_view field, std::string_view expected) {
  return Error{ErrorCode::kInvalidArgument,
               "field '" + std::string(field) + "': expected " + std::string(expected)};
}

std::string Bounds(std::size_t lo, std::size_t hi, std::string_view unit) {
  return std::to_string(lo) + ".." + std::to_string(hi) + " " + std::string(unit);
}

const Json* Find(const Json& object, std::string_view field) {
  auto it = object.find(std::string(field));
  return it == object.end() ? nullptr : &*it;
}

int Depth(const Json& value) {
  if (!value.is_structured()) return 0;
  int deepest = 0;
  for (const auto& child : value) deepest = std::max(deepest, Depth(child));
  return deepest + 1;
}

}  // namespace

Result<Json> ParseObject(std::string_view text) {
  // allow_exceptions = false: malformed input yields a "discarded" value.
  Json value = Json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded()) return Fail(ErrorCode::kInvalidArgument, "malformed JSON");
  if (!value.is_object()) return Fail(ErrorCode::kInvalidArgument, "expected a JSON object");
  if (Depth(value) > kMaxDepth) return Fail(ErrorCode::kInvalidArgument, "JSON nested too deeply");
  return value;
}

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', true, Json::error_handler_t::replace);
}

Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view field,
                                                  std::size_t min_bytes, std::size_t max_bytes) {
  const Json* v = Find(object, field);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return Fail(FieldError(field, "a string"));
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() < min_bytes || s.size() > max_bytes) {
    return Fail(FieldError(field, "a string of " + Bounds(min_bytes, max_bytes, "bytes")));
  }
  return std::optional<std::string>(s);
}

Result<std::string> RequireString(const Json& object, std::string_view field, std::size_t min_bytes,
                                  std::size_t max_bytes) {
  VIGIL_TRY(value, OptionalString(object, field, min_bytes, max_bytes));
  if (!value) return Fail(FieldError(field, "a string (missing)"));
  return std::move(*value);
}

Result<std::optional<Bytes>> OptionalBytes(const Json& object, std::string_view field,
                                           std::size_t min_bytes, std::size_t max_bytes) {
  const Json* v = Find(object, field);
  if (v == nullptr) return std::optional<Bytes>();
  if (!v->is_string()) return Fail(FieldError(field, "base64url bytes"));
  auto bytes = Base64UrlDecode(v->get_ref<const std::string&>());
  if (!bytes) return Fail(FieldError(field, "base64url bytes without padding"));
  if (bytes->size() < min_bytes || bytes->size() > max_bytes) {
    return Fail(FieldError(field, "base64url of " + Bounds(min_bytes, max_bytes, "bytes")));
  }
  return std::optional<Bytes>(std::move(*bytes));
}

Result<Bytes> RequireBytes(const Json& object, std::string_view field, std::size_t min_bytes,
                           std::size_t max_bytes) {
  VIGIL_TRY(value, OptionalBytes(object, field, min_bytes, max_bytes));
  if (!value) return Fail(FieldError(field, "base64url bytes (missing)"));
  return std::move(*value);
}

Result<std::optional<std::uint64_t>> OptionalUint(const Json& object, std::string_view field,
                                                  std::uint64_t min_value,
                                                  std::uint64_t max_value) {
  const Json* v = Find(object, field);
  if (v == nullptr) return std::optional<std::uint64_t>();
  if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0)) {
    return Fail(FieldError(field, "a non-negative integer"));
  }
  const auto n = v->get<std::uint64_t>();
  if (n < min_value || n > max_value) {
    return Fail(FieldError(field, "an integer in " + Bounds(min_value, max_value, "")));
  }
  return std::optional<std::uint64_t>(n);
}

Result<std::uint64_t> RequireUint(const Json& object, std::string_view field,
                                  std::uint64_t min_value, std::uint64_t max_value) {
  VIGIL_TRY(value, OptionalUint(object, field, min_value, max_value));
  if (!value) return Fail(FieldError(field, "an integer (missing)"));
  return *value;
}

Result<bool> RequireBool(const Json& object, std::string_view field) {
  const Json* v = Find(object, field);
  if (v == nullptr || !v->is_boolean()) return Fail(FieldError(field, "true or false"));
  return v->get<bool>();
}

Result<Json> RequireObject(const Json& object, std::string_view field) {
  const Json* v = Find(object, field);
  if (v == nullptr || !v->is_object()) return Fail(FieldError(field, "an object"));
  return *v;
}

Result<Json> RequireArray(const Json& object, std::string_view field, std::size_t max_items) {
  const Json* v = Find(object, field);
  if (v == nullptr || !v->is_array()) return Fail(FieldError(field, "an array"));
  if (v->size() > max_items) {
    return Fail(FieldError(field, "at most " + std::to_string(max_items) + " items"));
  }
  return *v;
}

std::string BytesField(ByteSpan bytes) { return Base64UrlEncode(bytes); }

std::string FormatTime(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::int64_t> ParseTime(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0' || s.size() != 20) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "time must be RFC 3339 UTC like 2026-11-30T09:41:00Z, got '" + s.substr(0, 40) + "'");
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string ErrorBody(const Error& error) {
  Json body = {{"error", {{"code", ErrorCodeName(error.code)}, {"message", error.message}}}};
  return Dump(body);
}

Error ErrorFromBody(int http_status, std::string_view body) {
  auto parsed = ParseObject(body);
  if (parsed) {
    auto it = parsed->find("error");
    if (it != parsed->end() && it->is_object()) {
      auto code = OptionalString(*it, "code", 1, 64);
      auto message = OptionalString(*it, "message", 0, 4096);
      if (code && *code && message && *message) {
        for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
          if (ErrorCodeName(static_cast<ErrorCode>(c)) == **code) {
            return Error{static_cast<ErrorCode>(c), **message};
          }
        }
      }
    }
  }
  return Error{ErrorCode::kInternal, "server answered HTTP " + std::to_string(http_status)};
}

}  // namespace vigil::wire
