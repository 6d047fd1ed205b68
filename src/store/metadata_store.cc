// SPDX-License-Identifier: Apache-2.0
#include "vigil/store/metadata_store.h"

#include <algorithm>
#include <utility>

namespace vigil::store {

std::string SessionId(ByteSpan session_hash) {
  std::string hex = HexEncode(session_hash);
  hex.resize(std::min(hex.size(), kSessionIdHex));
  return hex;
}

Result<std::vector<std::string>> RemoveOrphanBlobs(BlobStore& blobs, MetadataStore& metadata) {
  VIGIL_TRY(ids, blobs.ListCommitted());
  std::vector<std::string> removed;
  for (std::string& id : ids) {
    auto clip = metadata.GetClip(id);
    if (clip && clip->committed()) continue;
    if (!clip && clip.error().code != ErrorCode::kNotFound) return Fail(clip.error());
    // No row, or a row still uploading: the reply for this blob was never
    // sent, so the uploader will send it again.
    Status deleted = blobs.Delete(id);
    if (!deleted) return Fail(deleted.error());
    removed.push_back(std::move(id));
  }
  return removed;
}

}  // namespace vigil::store
