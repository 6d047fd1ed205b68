// SPDX-License-Identifier: Apache-2.0
#include "internal/base32.h"

#include <gtest/gtest.h>

namespace vigil::seal::internal {
namespace {

// RFC 4648 §10 test vectors, without the '=' padding.
TEST(Base32Test, MatchesRfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> cases[] = {{"", ""},
                                                                 {"f", "MY"},
                                                                 {"fo", "MZXQ"},
                                                                 {"foo", "MZXW6"},
                                                                 {"foob", "MZXW6YQ"},
                                                                 {"fooba", "MZXW6YTB"},
                                                                 {"foobar", "MZXW6YTBOI"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(Base32Encode(AsBytes(plain)), encoded);
    EXPECT_EQ(ToString(Base32Decode(encoded).value()), plain);
  }
}

TEST(Base32Test, DecodingIsStrict) {
  for (std::string_view bad :
       {"M", "MZX", "MZXW6Y", "mzxw6", "MZXW6=", "MZ0W6", "MZ1W6", "MZXW 6"}) {
    EXPECT_FALSE(Base32Decode(bad).has_value()) << bad;
  }
  // "MZ" is "f"; "MZ" with a non-zero unused bit ("M3") is refused.
  EXPECT_FALSE(Base32Decode("M3").has_value());
}

}  // namespace
}  // namespace vigil::seal::internal
