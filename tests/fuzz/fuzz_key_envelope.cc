// SPDX-License-Identifier: Apache-2.0
// Fuzzes envelope parsing and opening with untrusted envelope bytes (what a
// client receives from the server). The recipient and binding are those of
// tests/vectors/hpke-envelope.json, so the seed corpus opens.

#include <cstddef>
#include <cstdint>

#include "vigil/core/bytes.h"
#include "vigil/core/check.h"
#include "vigil/crypto/secret.h"
#include "vigil/seal/key_envelope.h"

namespace {

const vigil::seal::HouseholdPrivateKey& Recipient() {
  static const vigil::seal::HouseholdPrivateKey kKey = [] {
    vigil::Bytes raw =
        vigil::HexDecode("091a9a78cecb59b3fabde85e7a467010a8460210f8ba0a4a92e8b3a1729e8108")
            .value();
    return vigil::seal::HouseholdPrivateKey::FromSecret(
               vigil::crypto::SecretBytes(raw, vigil::crypto::InsecureSecretAccess::Get()))
        .value();
  }();
  return kKey;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteSpan envelope(data, size);
  auto key_id = vigil::seal::EnvelopeRecipientKeyId(envelope);
  auto opened =
      vigil::seal::OpenClipKey(envelope, Recipient(), {"clip-0001", "camera-front-door", 1});
  // Anything that opens must also name our key.
  if (opened) {
    VIGIL_CHECK(key_id.has_value() && *key_id == Recipient().public_key().KeyId());
    VIGIL_CHECK(opened->secret().size() == vigil::seal::kClipKeyBytes);
  }
  return 0;
}
