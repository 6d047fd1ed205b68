// SPDX-License-Identifier: Apache-2.0
#include "vigil/agent/pairing_client.h"

#include <algorithm>
#include <thread>

#include "vigil/net/http_client.h"
#include "vigil/seal/pairing.h"
#include "vigil/wire/json.h"

namespace vigil::agent {
namespace {

Error VerificationFailed(std::string_view why) {
  return Error{ErrorCode::kDataLoss,
               "pairing verification failed: " + std::string(why) + "; nothing was saved"};
}

Result<wire::Json> JsonCall(net::HttpClient& http, std::string_view method, std::string_view target,
                            const wire::Json* body) {
  net::Headers headers;
  if (body != nullptr) headers.Set("Content-Type", "application/json");
  VIGIL_TRY(response, http.Request(method, target, headers, body ? wire::Dump(*body) : ""));
  if (response.status >= 400) {
    return Fail(wire::ErrorFromBody(static_cast<int>(response.status), response.body));
  }
  return wire::ParseObject(response.body);
}

// The claim as the server relayed it, checked against the secret and this
// camera's key. Any swapped key (owner's, household's) fails here.
Result<CameraPairing> VerifiedPairing(const wire::Json& response, const seal::PairingSecret& secret,
                                      const crypto::VerifyKey& camera_key,
                                      const std::string& name) {
  auto claim_json = wire::RequireObject(response, "claim");
  if (!claim_json) return Fail(VerificationFailed("the server sent no claim"));
  auto owner_bytes = wire::RequireBytes(*claim_json, "owner_key", 32, 32);
  auto household_bytes = wire::RequireBytes(*claim_json, "household_key", 32, 32);
  auto epoch = wire::RequireUint(*claim_json, "epoch", 1);
  auto signature = wire::RequireBytes(*claim_json, "owner_signature", 64, 64);
  auto mac = wire::RequireBytes(*claim_json, "mac", 32, 32);
  if (!owner_bytes || !household_bytes || !epoch || !signature || !mac) {
    return Fail(VerificationFailed("the claim is malformed"));
  }
  auto owner_key = crypto::VerifyKey::FromBytes(*owner_bytes);
  auto household_key = seal::HouseholdPublicKey::FromBytes(*household_bytes);
  if (!owner_key || !household_key) return Fail(VerificationFailed("the claim is malformed"));
  seal::PairingClaim claim{*owner_key, *household_key, *epoch, {}, {}};
  std::copy(signature->begin(), signature->end(), claim.owner_signature.begin());
  std::copy(mac->begin(), mac->end(), claim.mac.begin());
  if (!seal::VerifyPairingClaim(secret, camera_key, claim)) {
    return Fail(VerificationFailed(
        "the owner's claim does not match the pairing code (a key was swapped on the way)"));
  }
  auto camera_id = wire::RequireString(response, "camera_id", 1, 64);
  auto household_id = wire::RequireString(response, "household_id", 1, 64);
  auto credential = wire::RequireString(response, "credential", 16, 512);
  if (!camera_id || !household_id || !credential) {
    return Fail(VerificationFailed("the server's answer lacks the camera id or credential"));
  }
  return CameraPairing{*camera_id, *household_id, *credential, *household_key,
                       *epoch,     *owner_key,    name};
}

}  // namespace

Status PairCamera(CameraState& state, const PairOptions& options,
                  const std::function<void(const std::string& code)>& show_code) {
  if (state.paired()) {
    return Fail(ErrorCode::kAlreadyExists,
                "this camera is already paired (as " + state.pairing().camera_id + ")");
  }
  net::ClientOptions http_options;
  http_options.ca_pem_path = state.ca_path();
  VIGIL_TRY(http, net::HttpClient::Create(state.server_url(), http_options));

  const seal::PairingSecret secret = seal::PairingSecret::Generate();
  const crypto::VerifyKey& camera_key = state.signing_key().verify_key();
  const seal::CameraOffer offer = seal::MakeCameraOffer(secret, camera_key);
  const std::string pairing_id = Base64UrlEncode(offer.pairing_id);
  const wire::Json body = {
      {"pairing_id", pairing_id},
      {"camera_sign_public_key", wire::BytesField(camera_key.bytes())},
      {"camera_box_public_key", wire::BytesField(state.box_key().public_key().bytes())},
      {"mac", wire::BytesField(offer.mac)},
      {"name", std::string(kOfferPlaceholderName)}};
  VIGIL_TRY(posted, JsonCall(*http, "POST", "/v1/pairing", &body));
  (void)posted;
  show_code(seal::EncodePairingCode(secret, camera_key, crypto::InsecureSecretAccess::Get()));

  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  const std::string target = "/v1/pairing/" + pairing_id + "/claim";
  while (true) {
    auto response = JsonCall(*http, "GET", target, nullptr);
    if (!response) {
      // A network hiccup is retried until the deadline; a refusal is final.
      if (response.error().code != ErrorCode::kUnavailable &&
          response.error().code != ErrorCode::kDeadlineExceeded) {
        return Fail(response.error());
      }
    } else if (response->value("claimed", false)) {
      VIGIL_TRY(pairing, VerifiedPairing(*response, secret, camera_key, options.name));
      return state.SetPairing(std::move(pairing));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(ErrorCode::kDeadlineExceeded, "nobody claimed the camera within " +
                                                    std::to_string(options.timeout.count()) +
                                                    " s: run vigil-agent pair again");
    }
    std::this_thread::sleep_for(options.poll_interval);
  }
}

}  // namespace vigil::agent
