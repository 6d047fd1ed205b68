// SPDX-License-Identifier: Apache-2.0
#pragma once

// Strict JSON reading for API messages: parse without exceptions, then read
// each field with its type and bounds checked, so bad input becomes one clear
// kInvalidArgument ("field 'email': expected a string of 3..254 bytes") and
// never an exception or a default value. Shared by the server, the client and
// the agent. Byte strings are base64url without padding (docs/api.md).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil::wire {

using Json = nlohmann::json;

// Parses `text` as one JSON object. Fails with kInvalidArgument on malformed
// JSON, on any other top-level type, and on nesting deeper than 16 levels.
Result<Json> ParseObject(std::string_view text);

// Serializes compactly (no spaces), ASCII-safe.
std::string Dump(const Json& value);

// Field readers. Each fails with kInvalidArgument naming the field when it is
// missing, has another type, or is out of bounds. The Optional forms return
// nullopt only when the field is absent (a null or wrongly typed value is
// still an error).
Result<std::string> RequireString(const Json& object, std::string_view field,
                                  std::size_t min_bytes = 1, std::size_t max_bytes = 1024);
Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view field,
                                                  std::size_t min_bytes = 1,
                                                  std::size_t max_bytes = 1024);
Result<Bytes> RequireBytes(const Json& object, std::string_view field, std::size_t min_bytes,
                           std::size_t max_bytes);
Result<std::optional<Bytes>> OptionalBytes(const Json& object, std::string_view field,
                                           std::size_t min_bytes, std::size_t max_bytes);
Result<std::uint64_t> RequireUint(const Json& object, std::string_view field,
                                  std::uint64_t min_value = 0,
                                  std::uint64_t max_value = UINT64_MAX);
Result<std::optional<std::uint64_t>> OptionalUint(const Json& object, std::string_view field,
                                                  std::uint64_t min_value = 0,
                                                  std::uint64_t max_value = UINT64_MAX);
Result<bool> RequireBool(const Json& object, std::string_view field);
Result<Json> RequireObject(const Json& object, std::string_view field);
Result<Json> RequireArray(const Json& object, std::string_view field, std::size_t max_items);

// Encodes bytes for a JSON field (base64url).
std::string BytesField(ByteSpan bytes);

// RFC 3339 UTC ("2026-11-30T09:41:00Z") from unix seconds, and back (only the
// "Z" form with whole seconds is accepted).
std::string FormatTime(std::int64_t unix_seconds);
Result<std::int64_t> ParseTime(std::string_view text);

// The body of every error response: {"error":{"code":"...","message":"..."}}.
std::string ErrorBody(const Error& error);
// Reads such a body back into an Error (for clients); a body that is not one
// yields kInternal with the HTTP status in the message.
Error ErrorFromBody(int http_status, std::string_view body);

}  // namespace vigil::wire
