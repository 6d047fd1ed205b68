// SPDX-License-Identifier: Apache-2.0
// Fuzzes opening an alert (what `vigil events watch` receives from the
// server): header, signature, HPKE and the padded content. Keys and ids are
// those of tests/vectors/alert.json, so the seed alerts open.

#include <cstddef>
#include <cstdint>

#include "vigil/core/bytes.h"
#include "vigil/core/check.h"
#include "vigil/crypto/secret.h"
#include "vigil/seal/alert.h"

namespace {

const vigil::crypto::VerifyKey& CameraKey() {
  static const vigil::crypto::VerifyKey kKey =
      vigil::crypto::VerifyKey::FromBytes(
          vigil::HexDecode("bad13fb2bf682f9fb6eb684fe3304b293f0af4d6fd8e1a46cca6a0536ec4a36a")
              .value())
          .value();
  return kKey;
}

const vigil::seal::HouseholdPrivateKey& Household() {
  static const vigil::seal::HouseholdPrivateKey kKey = [] {
    vigil::Bytes raw =
        vigil::HexDecode("1e3b118b0260f46d6cb30e042efdea930f829b3d4f64ce5b16e606c3f89dab10")
            .value();
    return vigil::seal::HouseholdPrivateKey::FromSecret(
               vigil::crypto::SecretBytes(raw, vigil::crypto::InsecureSecretAccess::Get()))
        .value();
  }();
  return kKey;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteSpan sealed(data, size);
  auto epoch = vigil::seal::AlertHouseholdEpoch(sealed);
  auto opened =
      vigil::seal::OpenAlert(sealed, "alr_0001", "cam_porch", 1, CameraKey(), Household());
  if (opened) {
    VIGIL_CHECK(size == vigil::seal::kSealedAlertBytes);
    VIGIL_CHECK(epoch.has_value() && *epoch == 1);
    VIGIL_CHECK(opened->labels.size() <= vigil::seal::kMaxAlertLabels);
  }
  return 0;
}
