// SPDX-License-Identifier: Apache-2.0
#pragma once

// cameras.toml: several cameras in one agent, like a home hub
// (docs/design/006-agent.md §Configuration). Each [[camera]] has its own
// identity and pairing in its own state directory (`vigil-agent init/pair
// --state DIR/<state>`), its source, detect source, zones, masks, motion
// sensitivity and spool size. Unknown keys are errors, so a typo never
// silently turns a setting off. Retention is the server's, set by the owner.

#include <string>
#include <vector>

#include "vigil/agent/camera_runner.h"
#include "vigil/core/result.h"

namespace vigil::agent {

struct CameraConfig {
  std::string name;       // for logs
  std::string state_dir;  // absolute, or relative to the --state directory
  CameraOptions options;  // source, detection, events, spool
};

// Parses the text of a cameras.toml. `state_root` resolves relative state
// directories. kInvalidArgument naming the file, camera and key on any error.
Result<std::vector<CameraConfig>> ParseAgentConfig(const std::string& text,
                                                   const std::string& file_name,
                                                   const std::string& state_root);

}  // namespace vigil::agent
