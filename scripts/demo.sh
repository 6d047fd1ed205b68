#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: (1) a walk through the cryptographic core on a real
# multi-megabyte file; (2) the service on embedded storage: vigild on
# loopback over TLS, an owner account with its recovery kit, and a camera
# paired with the mutual pairing code (`vigil-agent pair` + `vigil camera
# add`). Video upload by the agent comes with the agent issue. Everything stays in a temporary directory for inspection.
set -euo pipefail
build=${1:-build}
bin="$build/bin"
work=$(mktemp -d -t vigil-demo.XXXXXX)

echo "== 1. the cryptographic core"
"$bin/vigil-demo" --input "$bin/vigil-demo" --work "$work/crypto"
echo "what the server stored: $(ls "$work/crypto" | tr '\n' ' ')(in $work/crypto)"

echo
echo "== 2. the service: vigild, an owner, a paired camera"
data="$work/vigild"
"$bin/vigild" init --data "$data" >/dev/null
"$bin/vigild" serve --data "$data" --listen 127.0.0.1:0 >"$work/vigild.out" 2>"$work/vigild.log" &
server=$!
agent=""
cleanup() {
  [ -n "$agent" ] && kill "$agent" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
trap cleanup EXIT
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^listening on //p' "$work/vigild.out")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "vigild did not start: $(tail -3 "$work/vigild.log")"; exit 1; }
echo "vigild listening on $url (data: $data)"

export VIGIL_HOME="$work/home"
ca="$data/tls/cert.pem"
vigil() { "$bin/vigil" --server "$url" --ca "$ca" "$@"; }

printf 'a demo passphrase\n' |
  vigil account create --email owner@example.com --kit "$work/recovery-kit.txt" --password-stdin
echo "recovery kit (Account Secret Key + recovery code): $work/recovery-kit.txt"

"$bin/vigil-agent" init --state "$work/camera" --server "$url" --ca "$ca"
"$bin/vigil-agent" pair --state "$work/camera" --name porch >"$work/pair.out" 2>&1 &
agent=$!
code=""
for _ in $(seq 100); do
  code=$(sed -n 's/^pairing code: //p' "$work/pair.out")
  [ -n "$code" ] && break
  sleep 0.1
done
[ -n "$code" ] || { echo "vigil-agent pair showed no code: $(cat "$work/pair.out")"; exit 1; }
echo "the camera shows: pairing code: $code"
vigil camera add "$code" --name porch
wait "$agent"
agent=""
grep -v '^pairing code: ' "$work/pair.out" || true
echo
vigil camera list
echo
vigil sessions list
echo
echo "The server holds no camera name, key or video in the clear:"
echo "  sqlite3 $data/metadata.db 'select camera_id, name from cameras'"
sqlite3 "$data/metadata.db" 'select camera_id, name from cameras' 2>/dev/null || true
echo
echo "vigild stops when this script ends; its data, the profile (VIGIL_HOME=$VIGIL_HOME) and"
echo "the camera state stay in $work. Start it again with: $bin/vigild serve --data $data"
