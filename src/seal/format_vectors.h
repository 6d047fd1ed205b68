// SPDX-License-Identifier: Apache-2.0
#pragma once

// Builds the known-answer vectors of docs/formats/streaming-aead.md,
// docs/formats/hpke-envelope.md, docs/formats/keyring.md,
// docs/formats/pairing-code.md, docs/formats/clip.md and docs/formats/alert.md from fixed inputs.
// Used by the generator (format_vectors_main.cc, run once, output checked in under tests/vectors/)
// and by seal_format_vectors_test, which checks that the checked-in files are
// exactly what the current code produces.

#include <nlohmann/json.hpp>

#include "vigil/core/result.h"

namespace vigil::seal {

Result<nlohmann::ordered_json> MakeStreamingAeadVectors();
Result<nlohmann::ordered_json> MakeEnvelopeVectors();
Result<nlohmann::ordered_json> MakeHouseholdEnvelopeVectors();
Result<nlohmann::ordered_json> MakeKeyringVectors();
Result<nlohmann::ordered_json> MakePairingVectors();
Result<nlohmann::ordered_json> MakeKeyChainVectors();
Result<nlohmann::ordered_json> MakeCameraNameVectors();
Result<nlohmann::ordered_json> MakeClipVectors();
Result<nlohmann::ordered_json> MakeAlertVectors();

}  // namespace vigil::seal
