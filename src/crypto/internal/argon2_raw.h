// SPDX-License-Identifier: Apache-2.0
#pragma once

// The full Argon2id of RFC 9106 (any parallelism, optional secret and
// associated data), through the reference libargon2. Internal: the product
// uses only the p = 1 form in password_kdf.h; this exists so a test can
// reproduce the RFC 9106 §5.3 vector with the same code path.

#include <cstdint>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil::crypto::internal {

struct Argon2idInput {
  ByteSpan password;
  ByteSpan salt;
  ByteSpan secret;
  ByteSpan associated_data;
  std::uint32_t time_cost = 0;
  std::uint32_t memory_kib = 0;
  std::uint32_t parallelism = 1;
};

// Writes the tag into `out` (its size is the tag length).
Status Argon2idRaw(const Argon2idInput& input, std::span<std::uint8_t> out);

}  // namespace vigil::crypto::internal
