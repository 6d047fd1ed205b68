// SPDX-License-Identifier: Apache-2.0
#pragma once

// Time-based one-time passwords for login (RFC 6238 over RFC 4226 HOTP):
// HMAC-SHA-1, 30-second steps from the Unix epoch, 6 digits, computed by
// liboath. The server keeps the seed (encrypted at rest under a key derived
// from its `server_secret` with KeyPurpose::kTotpSeedKey) and the last time
// step it accepted, so that every code works at most once. See
// docs/design/002-vigild.md §Sessions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/core/result.h"
#include "vigil/crypto/secret.h"

namespace vigil::crypto {

inline constexpr std::size_t kTotpSeedBytes = 20;  // 160 bits, RFC 4226 §4 R6
inline constexpr unsigned kTotpDigits = 6;
inline constexpr std::int64_t kTotpStepSeconds = 30;
inline constexpr unsigned kTotpDefaultWindowSteps = 1;  // accept T-1, T, T+1
inline constexpr unsigned kTotpMaxWindowSteps = 10;

// The shared TOTP secret of one account. Move-only; in locked memory.
class TotpSeed {
 public:
  static TotpSeed Generate();
  // Fails with kInvalidArgument unless `seed` is 20 bytes.
  static Result<TotpSeed> FromSecret(SecretBytes seed);

  const SecretBytes& secret() const { return seed_; }

 private:
  explicit TotpSeed(SecretBytes seed) : seed_(std::move(seed)) {}
  SecretBytes seed_;
};

// The time step RFC 6238 assigns to `now_unix`: floor(now_unix / 30).
// Precondition: now_unix >= 0.
std::uint64_t TotpStep(std::int64_t now_unix);

// The enrolment URI for authenticator apps (Google Authenticator "Key Uri
// Format"): otpauth://totp/<issuer>:<account>?secret=<BASE32>&issuer=<issuer>
// &algorithm=SHA1&digits=6&period=30, with issuer and account
// percent-encoded. The URI contains the secret: show it once, never log it.
// Fails with kInvalidArgument on an empty issuer or account, or an issuer
// containing ':'.
Result<std::string> TotpEnrolmentUri(const TotpSeed& seed, std::string_view issuer,
                                     std::string_view account_name);

// The 6-digit code for `now_unix` (what an authenticator app shows).
// Fails with kInvalidArgument if now_unix < 0.
Result<std::string> TotpCode(const TotpSeed& seed, std::int64_t now_unix);

// Checks `code` against the steps TotpStep(now_unix) - window_steps ...
// TotpStep(now_unix) + window_steps, comparing every candidate in constant
// time, and returns the step that matched. Steps below `min_step` are never
// accepted: a server passes (last accepted step + 1) so that a code, once
// accepted, is refused afterwards (store the returned step in the same
// transaction that accepts the login). Any mismatch, malformed code or
// replay fails with kUnauthenticated "invalid one-time code" (one message,
// so the reply does not say which). Fails with kInvalidArgument if now_unix
// < 0 or window_steps > kTotpMaxWindowSteps.
Result<std::uint64_t> VerifyTotp(const TotpSeed& seed, std::string_view code, std::int64_t now_unix,
                                 std::uint64_t min_step = 0,
                                 unsigned window_steps = kTotpDefaultWindowSteps);

namespace internal {
// RFC 6238 TOTP-SHA1 with `digits` (6..8) for known-answer tests.
Result<std::string> TotpCodeWithDigits(const SecretBytes& seed, std::int64_t now_unix,
                                       unsigned digits);
}  // namespace internal

}  // namespace vigil::crypto
