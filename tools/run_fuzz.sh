#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 20) from seeds made from the format vectors.
# A crash, leak or sanitizer report fails the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-20}

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVIGIL_BUILD_FUZZ=ON -DVIGIL_BUILD_TESTS=OFF -DVIGIL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_streaming_aead fuzz_key_envelope fuzz_clip_container fuzz_alert fuzz_tfjs_model

corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
python3 "$root/tools/make_fuzz_seeds.py" "$root" "$corpus"
for target in fuzz_streaming_aead fuzz_key_envelope fuzz_clip_container fuzz_alert fuzz_tfjs_model; do
  echo "fuzz: $target for ${seconds}s"
  "$build/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$build/fuzz/$target-" "$corpus/$target" 2>&1 | tail -n 12
done
echo "fuzz: all targets ran ${seconds}s without a finding"
