// SPDX-License-Identifier: Apache-2.0
// Clips: upload, events, download, deletion (docs/design/002-vigild.md §Clips).
#include "internal/api_impl.h"

namespace vigil::server {

Api::Impl::Reply Api::Impl::DeclareClip(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "DeclareClip is not implemented yet");
}

Api::Impl::Reply Api::Impl::UploadClipData(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "UploadClipData is not implemented yet");
}

Api::Impl::Reply Api::Impl::ListEvents(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "ListEvents is not implemented yet");
}

Api::Impl::Reply Api::Impl::GetClip(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "GetClip is not implemented yet");
}

Api::Impl::Reply Api::Impl::DownloadClip(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "DownloadClip is not implemented yet");
}

Api::Impl::Reply Api::Impl::DeleteClip(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "DeleteClip is not implemented yet");
}

}  // namespace vigil::server
