// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one error every authentication failure in seal returns. Keeping a
// single definition keeps the message identical everywhere, so no failure
// reveals which check it was (no oracle).

#include "vigil/core/result.h"

namespace vigil::seal::internal {

inline Error DecryptionFailed() { return Error{ErrorCode::kDataLoss, "decryption failed"}; }

}  // namespace vigil::seal::internal
