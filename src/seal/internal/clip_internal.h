// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal hook of clip_container.h for known-answer vectors only: the product
// always draws every stream's salt and nonce prefix from the CSPRNG.

#include <array>
#include <memory>

#include "vigil/seal/clip_container.h"

namespace vigil::seal::internal {

// Salt (32 bytes) and nonce prefix (7 bytes) of one stream.
struct StreamNonceMaterial {
  Bytes salt;
  Bytes nonce_prefix;
};

// ClipWriter::Create with fixed nonce material for the video, thumbnail and
// metadata streams (in that order). Reusing it with the same key breaks
// confidentiality.
Result<std::unique_ptr<ClipWriter>> CreateClipWriterForVectors(
    const ClipKey& key, const crypto::SigningKey& camera_key, const ClipStart& start,
    StreamSink sink, std::uint32_t segment_bytes, std::array<StreamNonceMaterial, 3> nonces);

}  // namespace vigil::seal::internal
