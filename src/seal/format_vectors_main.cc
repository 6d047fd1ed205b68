// SPDX-License-Identifier: Apache-2.0
// vigil-make-vectors DIR: writes streaming-aead.json and hpke-envelope.json
// into DIR. Run once when a format is created; the files are checked in and
// seal_format_vectors_test keeps them honest.

#include <cstdio>
#include <fstream>
#include <string>

#include "format_vectors.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: vigil-make-vectors DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  auto streaming = vigil::seal::MakeStreamingAeadVectors();
  auto envelope = vigil::seal::MakeEnvelopeVectors();
  if (!streaming || !envelope) {
    std::fprintf(stderr, "vigil-make-vectors: %s\n",
                 (!streaming ? streaming.error() : envelope.error()).ToString().c_str());
    return 1;
  }
  std::ofstream(dir + "/streaming-aead.json") << streaming->dump(1) << "\n";
  std::ofstream(dir + "/hpke-envelope.json") << envelope->dump(1) << "\n";
  return 0;
}
