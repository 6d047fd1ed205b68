// SPDX-License-Identifier: Apache-2.0
#include "vigil/core/flags.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

const std::vector<FlagSpec> kSpecs = {
    {"email", true, "account email"}, {"json", false, "machine output"}, {"kit", true, "kit file"}};

TEST(FlagsTest, SplitsPositionalsAndFlags) {
  auto p = ParseFlags({"CODE", "--email", "a@b", "--json", "--kit=/tmp/k", "x"}, kSpecs);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->positionals(), (std::vector<std::string>{"CODE", "x"}));
  EXPECT_EQ(p->Get("email").value(), "a@b");
  EXPECT_EQ(p->Get("kit").value(), "/tmp/k");
  EXPECT_TRUE(p->Has("json"));
  EXPECT_FALSE(p->Has("nope"));
  EXPECT_EQ(p->Require("nope").error().message, "missing --nope");
}

TEST(FlagsTest, RefusesUnknownDuplicateAndValuelessFlags) {
  EXPECT_EQ(ParseFlags({"--bogus"}, kSpecs).error().message, "unknown flag --bogus");
  EXPECT_EQ(ParseFlags({"--email"}, kSpecs).error().message, "--email needs a value");
  EXPECT_EQ(ParseFlags({"--email", "a", "--email", "b"}, kSpecs).error().message,
            "--email given twice");
  EXPECT_EQ(ParseFlags({"--json=1"}, kSpecs).error().message, "--json takes no value");
}

TEST(FlagsTest, DoubleDashEndsFlags) {
  auto p = ParseFlags({"--", "--json"}, kSpecs);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->positionals(), (std::vector<std::string>{"--json"}));
  EXPECT_FALSE(p->Has("json"));
}

TEST(FlagsTest, HelpListsEveryFlag) {
  const std::string help = FlagsHelp(kSpecs);
  EXPECT_NE(help.find("--email VALUE"), std::string::npos);
  EXPECT_NE(help.find("--json"), std::string::npos);
}

TEST(FlagsTest, AFlagWithoutHelpIsAcceptedButNotListed) {
  const std::vector<FlagSpec> specs = {{"json", false, "machine output"}, {"test-only", false, ""}};
  EXPECT_TRUE(ParseFlags({"--test-only"}, specs).value().Has("test-only"));
  EXPECT_EQ(FlagsHelp(specs).find("test-only"), std::string::npos);
}

}  // namespace
}  // namespace vigil
