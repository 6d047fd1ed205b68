// SPDX-License-Identifier: Apache-2.0
// vigil-make-vectors DIR: writes streaming-aead.json, hpke-envelope.json,
// household-envelope.json, keyring.json, pairing.json, key-chain.json, camera-name.json,
// clip.json and alert.json into DIR. Run once when a format is
// created; the files are checked in and seal_format_vectors_test keeps them honest.

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

#include "format_vectors.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: vigil-make-vectors DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::pair<const char*, vigil::Result<nlohmann::ordered_json> (*)()> files[] = {
      {"streaming-aead.json", vigil::seal::MakeStreamingAeadVectors},
      {"hpke-envelope.json", vigil::seal::MakeEnvelopeVectors},
      {"household-envelope.json", vigil::seal::MakeHouseholdEnvelopeVectors},
      {"keyring.json", vigil::seal::MakeKeyringVectors},
      {"pairing.json", vigil::seal::MakePairingVectors},
      {"key-chain.json", vigil::seal::MakeKeyChainVectors},
      {"camera-name.json", vigil::seal::MakeCameraNameVectors},
      {"clip.json", vigil::seal::MakeClipVectors},
      {"alert.json", vigil::seal::MakeAlertVectors},
  };
  for (const auto& [name, make] : files) {
    auto json = make();
    if (!json) {
      std::fprintf(stderr, "vigil-make-vectors: %s: %s\n", name, json.error().ToString().c_str());
      return 1;
    }
    std::ofstream(dir + "/" + name) << json->dump(1) << "\n";
  }
  return 0;
}
