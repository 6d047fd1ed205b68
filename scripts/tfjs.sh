#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the TensorFlow.js reference tools' npm dependencies (tools/tfjs:
# tfjs-core, -converter, -backend-cpu, -backend-wasm, pinned in its
# package-lock.json) and prints the tools/tfjs directory as its last line.
#
# Idempotent: `npm ci` runs only if tools/tfjs/node_modules is missing or older
# than package-lock.json. Needs the npm registry only when it installs.
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools/tfjs" && pwd)"
MODULES="$DIR/node_modules"
STAMP="$MODULES/.vigil-installed"

die() { echo "tfjs.sh: $*" >&2; exit 1; }

command -v node >/dev/null || die "'node' not found; install the Debian package nodejs (scripts/setup.sh)"
command -v npm >/dev/null || die "'npm' not found; install the Debian package npm (scripts/setup.sh)"
[[ -f "$DIR/package-lock.json" ]] || die "$DIR/package-lock.json missing"

# One installer at a time (parallel test runners may call this concurrently).
# (flock on the directory itself: no lock file is left in the tree.)
exec 9<"$DIR"
if command -v flock >/dev/null; then flock 9; fi

# The stamp is written after a successful `npm ci`, so an interrupted install
# (or one older than the lock file) is redone.
if [[ ! -f "$STAMP" || "$DIR/package-lock.json" -nt "$STAMP" || "$DIR/package.json" -nt "$STAMP" ]]; then
  echo "tfjs.sh: npm ci in $DIR" >&2
  if ! (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error >&2); then
    die "'npm ci' failed in $DIR (is the npm registry reachable?)"
  fi
  touch "$STAMP.tmp.$$"
  mv -f "$STAMP.tmp.$$" "$STAMP"
fi

echo "$DIR"
