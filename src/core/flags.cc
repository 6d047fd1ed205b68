// SPDX-License-Identifier: Apache-2.0
#include "vigil/core/flags.h"

#include <algorithm>

namespace vigil {

bool ParsedFlags::Has(std::string_view name) const { return values_.find(name) != values_.end(); }

std::optional<std::string> ParsedFlags::Get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Result<std::string> ParsedFlags::Require(std::string_view name) const {
  auto value = Get(name);
  if (!value) return Fail(ErrorCode::kInvalidArgument, "missing --" + std::string(name));
  return *value;
}

Result<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                               const std::vector<FlagSpec>& specs) {
  ParsedFlags out;
  bool flags_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      out.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const auto spec =
        std::find_if(specs.begin(), specs.end(), [&](const FlagSpec& s) { return s.name == name; });
    if (spec == specs.end()) return Fail(ErrorCode::kInvalidArgument, "unknown flag " + arg);
    if (out.values_.count(name) != 0) {
      return Fail(ErrorCode::kInvalidArgument, "--" + name + " given twice");
    }
    if (!spec->takes_value) {
      if (inline_value) return Fail(ErrorCode::kInvalidArgument, "--" + name + " takes no value");
      out.values_[name] = "";
      continue;
    }
    if (inline_value) {
      out.values_[name] = *inline_value;
    } else if (i + 1 < args.size()) {
      out.values_[name] = args[++i];
    } else {
      return Fail(ErrorCode::kInvalidArgument, "--" + name + " needs a value");
    }
  }
  return out;
}

std::string FlagsHelp(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const FlagSpec& s : specs) {
    if (s.help.empty()) continue;  // a hidden flag (for tests)
    std::string left = "  --" + s.name + (s.takes_value ? " VALUE" : "");
    if (left.size() < 26) left.resize(26, ' ');
    out += left + " " + s.help + "\n";
  }
  return out;
}

}  // namespace vigil
