// SPDX-License-Identifier: Apache-2.0
#pragma once

// Command-line parsing for Vigil's binaries (docs: ../shared/design/CLI.md).
// A command declares its flags; Parse splits argv into positionals and flag
// values and fails with kInvalidArgument ("unknown flag --x", "--email needs a
// value") so the binary can print one line and exit 2.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil {

struct FlagSpec {
  std::string name;  // without dashes: "email"
  bool takes_value;  // --email E   vs   --json
  std::string help;  // one line for --help; empty = hidden (flags for tests)
};

class ParsedFlags {
 public:
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool Has(std::string_view name) const;
  // The value of a flag given as --name VALUE or --name=VALUE.
  std::optional<std::string> Get(std::string_view name) const;
  // Fails with kInvalidArgument "missing --name" when absent.
  Result<std::string> Require(std::string_view name) const;

 private:
  friend Result<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                        const std::vector<FlagSpec>& specs);
  std::vector<std::string> positionals_;
  std::map<std::string, std::string, std::less<>> values_;
};

// Parses `args` (without the program and command words). "--" ends flags.
Result<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                               const std::vector<FlagSpec>& specs);

// "  --email E   the account's email" lines for --help.
std::string FlagsHelp(const std::vector<FlagSpec>& specs);

}  // namespace vigil
