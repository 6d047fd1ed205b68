// SPDX-License-Identifier: Apache-2.0
#pragma once

// Moves sealed clips from the spool to vigild (docs/design/006-agent.md
// §Clips, spool and upload), oldest first, with resume: a declaration tells
// where the server's durable copy ends, chunks go on from there with
// Content-Range, and the clip leaves the spool only once vigild says it is
// committed. Network failures and 5xx/507 answers back off exponentially
// (with jitter) and retry; nothing is ever dropped for a transient error.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>

#include "vigil/agent/camera_state.h"
#include "vigil/agent/spool.h"
#include "vigil/core/result.h"

namespace vigil::agent {

struct UploaderOptions {
  std::size_t chunk_bytes = std::size_t{4} << 20;
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{60000};
  std::function<void(const std::string&)> log;
};

// Thread-safe: Run on one thread, Notify/Finish from others.
class Uploader {
 public:
  // `state` must be paired and, like `spool`, outlive the uploader.
  static Result<std::unique_ptr<Uploader>> Create(const CameraState& state, Spool& spool,
                                                  UploaderOptions options);
  ~Uploader();

  // Uploads until `stop` is requested, or, after Finish(), until the spool
  // is empty (what was refused for good stays in the spool and is logged).
  void Run(const std::stop_token& stop);
  // A clip was committed to the spool.
  void Notify();
  // No more clips will come: Run returns once the spool is uploaded.
  void Finish();

  // One attempt at one clip: Ok once vigild committed it (and it left the
  // spool). Errors: kUnavailable/kDeadlineExceeded (network),
  // kResourceExhausted (quota), kInternal (5xx): transient; kInvalidArgument,
  // kAlreadyExists (vigild refused the clip), kUnauthenticated (credential).
  Status UploadOne(const SpooledClip& clip);

  std::uint64_t uploaded_clips() const;

 private:
  struct Impl;
  explicit Uploader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for errors worth retrying later.
bool IsTransient(const Error& error);

}  // namespace vigil::agent
