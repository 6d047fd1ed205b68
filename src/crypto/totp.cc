// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/totp.h"

#include <liboath/oath.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <utility>

#include "vigil/core/check.h"

namespace vigil::crypto {
namespace {

// oath_init must run once before any other liboath call.
void InitOath() {
  static std::once_flag once;
  std::call_once(once, [] { VIGIL_CHECK(oath_init() == OATH_OK) << "liboath init failed"; });
}

Error InvalidCode() { return Error{ErrorCode::kUnauthenticated, "invalid one-time code"}; }

// Code of time step `step` (HOTP with counter = step, as TOTP with T0 = 0).
Result<std::string> CodeForStep(const SecretBytes& seed, std::uint64_t step, unsigned digits) {
  InitOath();
  const auto key = seed.Reveal(InsecureSecretAccess::Get());
  std::array<char, 9> out{};
  const int rc = oath_totp_generate(reinterpret_cast<const char*>(key.data()), key.size(),
                                    static_cast<time_t>(step * kTotpStepSeconds),
                                    static_cast<unsigned>(kTotpStepSeconds), 0, digits, out.data());
  if (rc != OATH_OK) {
    return Fail(ErrorCode::kInternal, std::string("liboath: ") + oath_strerror(rc));
  }
  std::string code(out.data(), digits);
  Wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(out.data()), out.size()));
  return code;
}

// RFC 3986 unreserved characters pass; everything else is %XX.
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

}  // namespace

TotpSeed TotpSeed::Generate() { return TotpSeed(SecretBytes::Random(kTotpSeedBytes)); }

Result<TotpSeed> TotpSeed::FromSecret(SecretBytes seed) {
  if (seed.size() != kTotpSeedBytes) {
    return Fail(ErrorCode::kInvalidArgument, "a TOTP seed is 20 bytes");
  }
  return TotpSeed(std::move(seed));
}

std::uint64_t TotpStep(std::int64_t now_unix) {
  VIGIL_CHECK(now_unix >= 0) << "TOTP time before the epoch";
  return static_cast<std::uint64_t>(now_unix / kTotpStepSeconds);
}

Result<std::string> TotpEnrolmentUri(const TotpSeed& seed, std::string_view issuer,
                                     std::string_view account_name) {
  if (issuer.empty() || account_name.empty() || issuer.find(':') != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "TOTP issuer and account must be non-empty");
  }
  InitOath();
  const auto key = seed.secret().Reveal(InsecureSecretAccess::Get());
  char* b32 = nullptr;
  std::size_t b32_len = 0;
  const int rc =
      oath_base32_encode(reinterpret_cast<const char*>(key.data()), key.size(), &b32, &b32_len);
  if (rc != OATH_OK) {
    return Fail(ErrorCode::kInternal, std::string("liboath: ") + oath_strerror(rc));
  }
  std::string secret(b32, b32_len);
  Wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(b32), b32_len));
  std::free(b32);
  // 20 bytes are exactly 32 base32 characters: no '=' padding to strip.
  const std::string enc_issuer = PercentEncode(issuer);
  std::string uri = "otpauth://totp/" + enc_issuer + ":" + PercentEncode(account_name) +
                    "?secret=" + secret + "&issuer=" + enc_issuer +
                    "&algorithm=SHA1&digits=6&period=30";
  Wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(secret.data()), secret.size()));
  return uri;
}

Result<std::string> TotpCode(const TotpSeed& seed, std::int64_t now_unix) {
  return internal::TotpCodeWithDigits(seed.secret(), now_unix, kTotpDigits);
}

Result<std::uint64_t> VerifyTotp(const TotpSeed& seed, std::string_view code, std::int64_t now_unix,
                                 std::uint64_t min_step, unsigned window_steps) {
  if (now_unix < 0 || window_steps > kTotpMaxWindowSteps) {
    return Fail(ErrorCode::kInvalidArgument, "TOTP time or window out of range");
  }
  bool well_formed = code.size() == kTotpDigits;
  for (const char c : code) well_formed = well_formed && c >= '0' && c <= '9';
  if (!well_formed) return Fail(InvalidCode());
  const std::uint64_t now_step = TotpStep(now_unix);
  const std::uint64_t first = now_step >= window_steps ? now_step - window_steps : 0;
  // Try every candidate (no early exit) and compare in constant time, so
  // timing does not tell which step was near.
  bool matched = false;
  std::uint64_t matched_step = 0;
  for (std::uint64_t step = first; step <= now_step + window_steps; ++step) {
    VIGIL_TRY(candidate, CodeForStep(seed.secret(), step, kTotpDigits));
    // The latest matching step that is not yet used wins.
    if (ConstantTimeEquals(AsBytes(candidate), AsBytes(code)) && step >= min_step) {
      matched = true;
      matched_step = step;
    }
  }
  if (!matched) return Fail(InvalidCode());
  return matched_step;
}

namespace internal {

Result<std::string> TotpCodeWithDigits(const SecretBytes& seed, std::int64_t now_unix,
                                       unsigned digits) {
  if (now_unix < 0 || digits < 6 || digits > 8) {
    return Fail(ErrorCode::kInvalidArgument, "TOTP time or digits out of range");
  }
  return CodeForStep(seed, TotpStep(now_unix), digits);
}

}  // namespace internal
}  // namespace vigil::crypto
