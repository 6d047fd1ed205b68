// SPDX-License-Identifier: Apache-2.0
#pragma once

// Argon2id (RFC 9106) password hashing with parallelism 1, so that browser
// clients (libsodium.js crypto_pwhash, which fixes p = 1) derive the same keys.
// Costs are data: they travel with the account so they can be raised later,
// and every client refuses costs below the floor (a server could otherwise
// hand out cheap costs to make offline guessing easy).
// See docs/design/001-crypto-core.md §Passwords.

#include <cstddef>
#include <cstdint>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/secret.h"

namespace vigil::crypto {

struct Argon2idCost {
  std::uint32_t time_cost = 0;   // passes over memory (t)
  std::uint32_t memory_kib = 0;  // memory in KiB (m)
  bool operator==(const Argon2idCost&) const = default;
};

// What new accounts use: t = 3, m = 64 MiB (about 0.2 s on one core here).
inline constexpr Argon2idCost kDefaultArgon2idCost{3, 64 * 1024};
// The floor every client enforces: OWASP's minimum (t = 2, m = 19 MiB).
inline constexpr Argon2idCost kMinimumArgon2idCost{2, 19 * 1024};
// Above this a server could make a client hang or run out of memory.
inline constexpr Argon2idCost kMaximumArgon2idCost{16, 1024 * 1024};
inline constexpr std::size_t kArgon2SaltBytes = 16;

// Fails with kFailedPrecondition when `cost` is below the floor or above the
// ceiling in either dimension.
Status CheckArgon2idCost(const Argon2idCost& cost);

// Argon2id(password, salt) with p = 1, no secret, no associated data.
// Fails with kInvalidArgument if the salt is not 16 bytes or `length` < 16,
// kFailedPrecondition if CheckArgon2idCost fails.
Result<SecretBytes> Argon2id(const SecretBytes& password, ByteSpan salt, const Argon2idCost& cost,
                             std::size_t length);

}  // namespace vigil::crypto
