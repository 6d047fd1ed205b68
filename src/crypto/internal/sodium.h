// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace vigil::crypto::internal {

// Initialises libsodium once per process (thread-safe, cheap after the first
// call). Every function that calls libsodium calls this first.
void EnsureSodium();

}  // namespace vigil::crypto::internal
