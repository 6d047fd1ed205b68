// SPDX-License-Identifier: Apache-2.0
// Fuzzes what a client reads from the server about a clip before anything is
// trusted: the container (trailer, layout, signed manifest), the event
// metadata document and a camera heartbeat. The camera key and ids are those
// of tests/vectors/clip.json, so the seed blobs verify.

#include <cstddef>
#include <cstdint>

#include "vigil/core/bytes.h"
#include "vigil/core/check.h"
#include "vigil/seal/clip_container.h"
#include "vigil/seal/clip_manifest.h"
#include "vigil/seal/clip_metadata.h"

namespace {

const vigil::crypto::VerifyKey& CameraKey() {
  static const vigil::crypto::VerifyKey kKey =
      vigil::crypto::VerifyKey::FromBytes(
          vigil::HexDecode("df3a116c33d285c502f757f0d1a811aa6a87cf936ece25114e6ab4ffb1ded5b3")
              .value())
          .value();
  return kKey;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteSpan bytes(data, size);
  auto reader = vigil::seal::ClipReader::FromBlob(bytes, CameraKey(), "clip-0001", "camera-porch");
  if (reader) {
    // A verified layout lies inside the blob, and every range it maps is too.
    const auto& layout = reader->layout();
    VIGIL_CHECK(layout.blob_size <= size);  // the container, padding removed
    VIGIL_CHECK(layout.manifest_offset + layout.manifest_size <= size);
    if (reader->video_plaintext_size() > 0) {
      auto range = reader->VideoRangeFor(0, reader->video_plaintext_size());
      VIGIL_CHECK(range.has_value());
      VIGIL_CHECK(range->blob_offset + range->size_bytes <= size);
    }
  }
  auto metadata = vigil::seal::DecodeClipMetadata(bytes);
  if (metadata) {
    // One document, one encoding.
    auto again = vigil::seal::EncodeClipMetadata(*metadata);
    VIGIL_CHECK(again.has_value() && *again == vigil::Bytes(data, data + size));
  }
  (void)vigil::seal::VerifyHeartbeat(bytes, CameraKey(), "camera-porch");
  return 0;
}
