#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: until the agent and the server exist, an end-to-end walk
# through the cryptographic core on a real multi-megabyte file (the demo's own
# executable), with the "server" directory kept for inspection.
set -euo pipefail
build=${1:-build}
work=$(mktemp -d -t vigil-demo.XXXXXX)
"$build/bin/vigil-demo" --input "$build/bin/vigil-demo" --work "$work"
echo "what the server stored: $(ls "$work" | tr '\n' ' ')(in $work)"
