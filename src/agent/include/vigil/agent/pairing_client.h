// SPDX-License-Identifier: Apache-2.0
#pragma once

// The camera's half of mutual pairing (docs/design/002-vigild.md §Households
// and pairing; seal/pairing.h): make the one-time secret, post the offer
// (camera keys + mac_c, and a neutral name: the owner's name for the camera
// never reaches the server), show the code, poll for the owner's claim,
// verify mac_o and the owner's signature, and only then save the pairing.
// The secret lives in memory only, for one pairing.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "vigil/agent/camera_state.h"
#include "vigil/core/result.h"

namespace vigil::agent {

// The name the offer carries instead of the owner's name for the camera.
inline constexpr std::string_view kOfferPlaceholderName = "camera";

struct PairOptions {
  std::string name;  // the local name (kept in camera.json only)
  std::chrono::seconds timeout{600};
  std::chrono::milliseconds poll_interval{500};
};

// Pairs `state` (which must not be paired yet). Calls `show_code` with the
// pairing code once the offer is posted, then waits. Errors: kAlreadyExists
// (already paired), kDeadlineExceeded (nobody claimed in time),
// kFailedPrecondition (the offer expired), kDataLoss "pairing verification
// failed: …" (the claim does not verify; nothing is saved), network errors.
Status PairCamera(CameraState& state, const PairOptions& options,
                  const std::function<void(const std::string& code)>& show_code);

}  // namespace vigil::agent
