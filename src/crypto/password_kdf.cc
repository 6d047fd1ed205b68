// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/password_kdf.h"

#include <string>

#include <argon2.h>

#include "internal/argon2_raw.h"

namespace vigil::crypto {
namespace internal {

Status Argon2idRaw(const Argon2idInput& input, std::span<std::uint8_t> out) {
  // libargon2 takes non-const pointers for inputs it only reads.
  argon2_context ctx{};
  ctx.out = out.data();
  ctx.outlen = static_cast<std::uint32_t>(out.size());
  ctx.pwd = const_cast<std::uint8_t*>(input.password.data());
  ctx.pwdlen = static_cast<std::uint32_t>(input.password.size());
  ctx.salt = const_cast<std::uint8_t*>(input.salt.data());
  ctx.saltlen = static_cast<std::uint32_t>(input.salt.size());
  ctx.secret = const_cast<std::uint8_t*>(input.secret.data());
  ctx.secretlen = static_cast<std::uint32_t>(input.secret.size());
  ctx.ad = const_cast<std::uint8_t*>(input.associated_data.data());
  ctx.adlen = static_cast<std::uint32_t>(input.associated_data.size());
  ctx.t_cost = input.time_cost;
  ctx.m_cost = input.memory_kib;
  ctx.lanes = input.parallelism;
  ctx.threads = input.parallelism;
  ctx.version = ARGON2_VERSION_13;
  ctx.flags = ARGON2_DEFAULT_FLAGS;
  const int rc = argon2_ctx(&ctx, Argon2_id);
  if (rc != ARGON2_OK) {
    const ErrorCode code = rc == ARGON2_MEMORY_ALLOCATION_ERROR ? ErrorCode::kResourceExhausted
                                                                : ErrorCode::kInvalidArgument;
    return Fail(code, std::string("Argon2id: ") + argon2_error_message(rc));
  }
  return OkStatus();
}

}  // namespace internal

Status CheckArgon2idCost(const Argon2idCost& cost) {
  if (cost.time_cost < kMinimumArgon2idCost.time_cost ||
      cost.memory_kib < kMinimumArgon2idCost.memory_kib) {
    return Fail(ErrorCode::kFailedPrecondition,
                "Argon2id cost below the floor (t=2, m=19 MiB): refusing to derive keys with it");
  }
  if (cost.time_cost > kMaximumArgon2idCost.time_cost ||
      cost.memory_kib > kMaximumArgon2idCost.memory_kib) {
    return Fail(ErrorCode::kFailedPrecondition, "Argon2id cost above the ceiling (t=16, m=1 GiB)");
  }
  return OkStatus();
}

Result<SecretBytes> Argon2id(const SecretBytes& password, ByteSpan salt, const Argon2idCost& cost,
                             std::size_t length) {
  if (salt.size() != kArgon2SaltBytes) {
    return Fail(ErrorCode::kInvalidArgument, "Argon2id salt must be 16 bytes");
  }
  if (length < 16 || length > 1024) {
    return Fail(ErrorCode::kInvalidArgument, "Argon2id output length out of range");
  }
  auto cost_ok = CheckArgon2idCost(cost);
  if (!cost_ok) return Fail(cost_ok.error());
  SecretBytes out = SecretBytes::Zeroed(length);
  const auto access = InsecureSecretAccess::Get();
  internal::Argon2idInput input;
  input.password = password.Reveal(access);
  input.salt = salt;
  input.time_cost = cost.time_cost;
  input.memory_kib = cost.memory_kib;
  input.parallelism = 1;
  auto status = internal::Argon2idRaw(input, out.MutableBytes(access));
  if (!status) return Fail(status.error());
  return out;
}

}  // namespace vigil::crypto
