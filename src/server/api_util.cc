// SPDX-License-Identifier: Apache-2.0
// Small helpers shared by the handler files.
#include <algorithm>
#include <cctype>
#include <string>

#include "internal/api_impl.h"
#include "vigil/crypto/hash.h"
#include "vigil/net/http_server.h"

namespace vigil::server::internal {

Error Unauthenticated(std::string_view message) {
  return Error{ErrorCode::kUnauthenticated, std::string(message)};
}

bool ValidId(std::string_view id) {
  if (id.size() < kMinIdBytes || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
}

Result<std::string> RequireId(const wire::Json& body, std::string_view field) {
  VIGIL_TRY(id, wire::RequireString(body, field, kMinIdBytes, kMaxIdBytes));
  if (!ValidId(id)) {
    return Fail(ErrorCode::kInvalidArgument,
                "field '" + std::string(field) + "': expected 8..64 of [A-Za-z0-9_-]");
  }
  return id;
}

Result<std::string> RequireEmail(const wire::Json& body) {
  VIGIL_TRY(email, wire::RequireString(body, "email", 3, kMaxEmailBytes));
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == email.size() ||
      email.find_first_of(" \t\r\n") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "field 'email': not an email address");
  }
  return email;
}

Bytes TokenHash(std::string_view token) {
  const auto digest = crypto::Sha256(AsBytes(token));
  return Bytes(digest.begin(), digest.end());
}

std::string NewToken() { return Base64UrlEncode(crypto::RandomBytes(kTokenBytes)); }

net::HttpResponse JsonOk(const wire::Json& body, unsigned status) {
  return net::HttpResponse::Json(status, wire::Dump(body));
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  auto decode = [](std::string_view text) -> Result<std::string> {
    std::string decoded;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '+') {
        decoded.push_back(' ');
      } else if (text[i] != '%') {
        decoded.push_back(text[i]);
      } else {
        auto hex = i + 2 < text.size() ? HexDecode(text.substr(i + 1, 2))
                                       : Result<Bytes>(Fail(ErrorCode::kInvalidArgument, "short"));
        if (!hex) return Fail(ErrorCode::kInvalidArgument, "query: malformed %-escape");
        decoded.push_back(static_cast<char>((*hex)[0]));
        i += 2;
      }
    }
    return decoded;
  };
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    VIGIL_TRY(key, decode(pair.substr(0, eq)));
    VIGIL_TRY(value,
              decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1)));
    if (!out.emplace(std::move(key), std::move(value)).second) {
      return Fail(ErrorCode::kInvalidArgument, "query: a parameter is repeated");
    }
  }
  return out;
}

Error NotFoundError(std::string_view what) {
  return Error{ErrorCode::kNotFound, "no such " + std::string(what)};
}

}  // namespace vigil::server::internal
