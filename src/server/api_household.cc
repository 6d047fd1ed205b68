// SPDX-License-Identifier: Apache-2.0
// Key chains, households, pairing and cameras (docs/design/002-vigild.md).
#include "internal/api_impl.h"

namespace vigil::server {

Api::Impl::Reply Api::Impl::GetKeyChain(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "GetKeyChain is not implemented yet");
}

Api::Impl::Reply Api::Impl::AppendKeyChain(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "AppendKeyChain is not implemented yet");
}

Api::Impl::Reply Api::Impl::CreateHousehold(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "CreateHousehold is not implemented yet");
}

Api::Impl::Reply Api::Impl::GetHousehold(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "GetHousehold is not implemented yet");
}

Api::Impl::Reply Api::Impl::CreatePairingOffer(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "CreatePairingOffer is not implemented yet");
}

Api::Impl::Reply Api::Impl::GetPairingClaim(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "GetPairingClaim is not implemented yet");
}

Api::Impl::Reply Api::Impl::GetPairingOffer(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "GetPairingOffer is not implemented yet");
}

Api::Impl::Reply Api::Impl::ClaimPairingOffer(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "ClaimPairingOffer is not implemented yet");
}

Api::Impl::Reply Api::Impl::ListCameras(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "ListCameras is not implemented yet");
}

Api::Impl::Reply Api::Impl::UpdateCamera(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "UpdateCamera is not implemented yet");
}

Api::Impl::Reply Api::Impl::DeleteCamera(const Call& /*call*/) {
  return Fail(ErrorCode::kUnimplemented, "DeleteCamera is not implemented yet");
}

}  // namespace vigil::server
