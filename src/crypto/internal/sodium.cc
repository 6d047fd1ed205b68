// SPDX-License-Identifier: Apache-2.0
#include "internal/sodium.h"

#include <sodium.h>

#include "vigil/core/check.h"

namespace vigil::crypto::internal {

void EnsureSodium() {
  static const int kInitResult = sodium_init();
  VIGIL_CHECK(kInitResult >= 0) << "libsodium failed to initialise";
}

}  // namespace vigil::crypto::internal
