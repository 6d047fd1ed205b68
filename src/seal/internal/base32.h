// SPDX-License-Identifier: Apache-2.0
#pragma once

// RFC 4648 §6 base32 (alphabet A-Z 2-7) without '=' padding, for the human
// codes of account_keys.h and pairing.h. Internal to seal.

#include <string>
#include <string_view>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil::seal::internal {

// Upper-case base32 of `bytes`, no padding (ceil(8n / 5) characters; unused
// low bits of the last character are zero).
std::string Base32Encode(ByteSpan bytes);

// Decodes upper-case base32 without padding. Fails with kInvalidArgument on a
// character outside the alphabet, an impossible length or non-zero unused
// bits (so each byte string has exactly one encoding).
Result<Bytes> Base32Decode(std::string_view text);

}  // namespace vigil::seal::internal
