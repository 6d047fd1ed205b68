#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, as `make test` and CI run it:
#   1. lint: formatting, the module graph, documentation links
#   2. release build, every ctest test (unit, formats, slow, e2e labels)
#   3. ASan + UBSan build, every ctest test again
#   4. libFuzzer targets, a short run each
#   5. clang-tidy on the files changed recently
# Stops at the first failing stage; prints how long each took.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

stage() {
  local name=$1
  shift
  local start=$SECONDS
  echo "=== test stage: $name"
  "$@"
  echo "=== test stage: $name done in $((SECONDS - start))s"
}

run_ctest() {
  local dir=$1
  (cd "$dir" && ctest -j "$jobs" --output-on-failure --timeout 900)
}

stage lint make --no-print-directory lint
stage build cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
stage build cmake --build build -j "$jobs"
stage asan-build cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_SANITIZE=ON
stage asan-build cmake --build build-asan -j "$jobs"
stage asan-tests run_ctest build-asan
stage fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-20}" bash tools/run_fuzz.sh
stage tidy bash tools/tidy.sh build changed
# The release tests run last so that ctest's summary closes the output.
stage tests run_ctest build
