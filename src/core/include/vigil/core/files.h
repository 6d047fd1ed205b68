// SPDX-License-Identifier: Apache-2.0
#pragma once

// Durable file writes: what "saved" means for state that must survive a
// crash or a power cut (camera identity, profiles, the agent's spool). A file
// is complete or absent, never half written: temp file, fsync, rename (or
// link, to never replace), fsync the directory.

#include <string>
#include <string_view>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"

namespace vigil {

// Writes `contents` to `path` atomically with permissions `mode`. With
// `exclusive`, fails with kAlreadyExists instead of replacing a file.
Status WriteFileAtomically(const std::string& path, std::string_view contents, unsigned mode,
                           bool exclusive = false);

// Writes all of `bytes` to `fd` (retrying short writes and EINTR). `what`
// names the file in errors.
Status WriteAll(int fd, ByteSpan bytes, std::string_view what);

// fsyncs a directory, so a rename or an unlink in it survives a crash.
Status FsyncDirectory(const std::string& dir);

// The whole file. kNotFound if absent.
Result<std::string> ReadFile(const std::string& path);

// The directory part of `path` ("." when it has none).
std::string DirectoryOf(const std::string& path);

}  // namespace vigil
