// SPDX-License-Identifier: Apache-2.0
#pragma once

// Vigil's error convention: every fallible function returns `Result<T>` (or
// `Status` when there is no value). Errors carry a canonical `ErrorCode` (the
// absl/gRPC set, with the same retry meaning) and a one-line message meant for
// people. Exceptions never cross a module API. See docs/design/001-crypto-core.md
// §Errors and ../../../../docs/design/000-architecture.md.

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <tl/expected.hpp>

namespace vigil {

// Canonical error codes. Pick them with absl's retry guidance: kUnavailable
// means "retry the same call later", kAborted means "retry the transaction",
// kFailedPrecondition means "do not retry until the system state changes".
enum class ErrorCode : std::uint8_t {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kFailedPrecondition,
  kAborted,
  kOutOfRange,
  kUnavailable,
  kDeadlineExceeded,
  kResourceExhausted,
  kDataLoss,
  kCancelled,
  kUnimplemented,
  kInternal,
};

// The stable lower-case name of `code` ("invalid_argument", ...), used on the
// wire and in logs.
std::string_view ErrorCodeName(ErrorCode code);

// An error value. `message` is one line, safe to show to the user, and never
// contains secret material.
struct [[nodiscard]] Error {
  ErrorCode code;
  std::string message;

  // "<code name>: <message>".
  std::string ToString() const;
};

// `Result<T>` is `tl::expected<T, Error>` made must-use. Only the API that
// C++23 `std::expected` shares is used (has_value, *, ->, value, error,
// and_then, transform, or_else), so moving to std::expected changes this alias.
template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using tl::expected<T, Error>::expected;
  // Lets `return some_tl_expected;` and `.transform(...)` results convert back.
  Result(tl::expected<T, Error> other)  // NOLINT(google-explicit-constructor)
      : tl::expected<T, Error>(std::move(other)) {}
};

using Status = Result<void>;

// The success value for functions returning `Status`.
inline Status OkStatus() { return {}; }

// Builds the error side of any `Result<T>`: `return Fail(ErrorCode::kNotFound, "no such clip");`
inline tl::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return tl::make_unexpected(Error{code, std::move(message)});
}

// Forwards an existing error unchanged into another Result type.
inline tl::unexpected<Error> Fail(Error error) { return tl::make_unexpected(std::move(error)); }

}  // namespace vigil

// Result<T> derives from tl::expected only to be [[nodiscard]]; tell tl's
// and_then/or_else that it is an expected. (std::expected will need the same
// one-line trait, or Result becomes a plain alias with per-function
// [[nodiscard]].)
template <class T>
struct tl::detail::is_expected_impl<vigil::Result<T>> : std::true_type {};

// Evaluates `expr` (a Result<T>); on error returns it from the enclosing
// function, otherwise binds the value to a new variable `var`. This is the only
// propagation macro: write the rest out as `if (!r) return Fail(r.error());`.
#define VIGIL_TRY(var, expr)                                      \
  auto var##_vigil_result_ = (expr);                              \
  if (!var##_vigil_result_) {                                     \
    return ::vigil::Fail(std::move(var##_vigil_result_).error()); \
  }                                                               \
  auto var = std::move(*var##_vigil_result_)  // NOLINT(bugprone-macro-parentheses): a declarator
