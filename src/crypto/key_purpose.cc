// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/key_purpose.h"

namespace vigil::crypto {

// These strings are part of the wire formats (docs/formats/labels.md).
std::string_view Label(KeyPurpose purpose) {
  switch (purpose) {
    case KeyPurpose::kClipVideo: return "vigil/v1/clip-video";
    case KeyPurpose::kClipThumbnail: return "vigil/v1/clip-thumbnail";
    case KeyPurpose::kClipMetadata: return "vigil/v1/clip-metadata";
  }
  return {};
}

std::string_view Label(EnvelopePurpose purpose) {
  switch (purpose) {
    case EnvelopePurpose::kClipKey: return "vigil/v1/clip-key-envelope";
  }
  return {};
}

std::string_view Label(SignaturePurpose purpose) {
  switch (purpose) {
    case SignaturePurpose::kClipManifest: return "vigil/v1/clip-manifest";
    case SignaturePurpose::kHeartbeat: return "vigil/v1/heartbeat";
  }
  return {};
}

}  // namespace vigil::crypto
