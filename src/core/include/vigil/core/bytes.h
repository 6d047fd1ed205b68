// SPDX-License-Identifier: Apache-2.0
#pragma once

// Byte containers and the big-endian/hex codecs every wire format uses.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// Views the characters of `text` as bytes (no copy).
ByteSpan AsBytes(std::string_view text);

// Copies `bytes` into a std::string (for text protocols and tests).
std::string ToString(ByteSpan bytes);

// Lower-case hexadecimal.
std::string HexEncode(ByteSpan bytes);
// Accepts upper or lower case; fails with kInvalidArgument on odd length or a
// non-hex character.
Result<Bytes> HexDecode(std::string_view hex);

// Base64url without padding (RFC 4648 §5), the encoding of bytes in Vigil's
// JSON. Decoding refuses padding, whitespace and non-canonical trailing bits
// with kInvalidArgument, so every byte string has exactly one encoding.
std::string Base64UrlEncode(ByteSpan bytes);
Result<Bytes> Base64UrlDecode(std::string_view text);
// Standard base64 with padding (RFC 4648 §4), for formats that use it (C2SP
// signed notes and keys).
std::string Base64Encode(ByteSpan bytes);

// Appends `value` in big-endian order (network order, as every Vigil format).
void AppendU16(Bytes& out, std::uint16_t value);
void AppendU32(Bytes& out, std::uint32_t value);
void AppendU64(Bytes& out, std::uint64_t value);
void Append(Bytes& out, ByteSpan bytes);

// Reads a big-endian integer from the start of `in`. Precondition: `in` is
// long enough (callers check lengths first; violating it aborts).
std::uint16_t LoadU16(ByteSpan in);
std::uint32_t LoadU32(ByteSpan in);
std::uint64_t LoadU64(ByteSpan in);

}  // namespace vigil
