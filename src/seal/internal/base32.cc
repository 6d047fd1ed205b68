// SPDX-License-Identifier: Apache-2.0
#include "internal/base32.h"

#include <cstdint>

namespace vigil::seal::internal {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string Base32Encode(ByteSpan bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

Result<Bytes> Base32Decode(std::string_view text) {
  // Lengths 1, 3 and 6 mod 8 cannot come from whole bytes.
  const std::size_t rem = text.size() % 8;
  if (rem == 1 || rem == 3 || rem == 6) {
    return Fail(ErrorCode::kInvalidArgument, "invalid base32 length");
  }
  Bytes out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = Value(c);
    if (v < 0) return Fail(ErrorCode::kInvalidArgument, "invalid base32 character");
    buffer = ((buffer << 5) | static_cast<std::uint32_t>(v)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) {
    return Fail(ErrorCode::kInvalidArgument, "non-canonical base32");
  }
  return out;
}

}  // namespace vigil::seal::internal
