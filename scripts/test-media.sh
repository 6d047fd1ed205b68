#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds Vigil's test media from the OpenCV sample clips and images (Debian:
# opencv-doc) and one darknet sample image (Debian: darknet) into a cache
# outside the tree and prints the cache directory as its last line.
#
#   VIGIL_MEDIA_CACHE   cache directory (default: ~/.cache/vigil/media)
#   OPENCV_DATA         where vtest.avi / tree.avi / leuvenA.jpg live
#                       (default: /usr/share/doc/opencv-doc/examples/data)
#   DARKNET_DATA        where dog.jpg lives (default: /usr/share/darknet/data)
#
# Idempotent: an output is rebuilt only if it is missing, does not probe as
# the expected codec, or was made from a different recipe (see *.recipe).
# Everything is written to a temporary name first and then renamed.
set -euo pipefail

CACHE="${VIGIL_MEDIA_CACHE:-$HOME/.cache/vigil/media}"
DATA="${OPENCV_DATA:-/usr/share/doc/opencv-doc/examples/data}"
DARKNET="${DARKNET_DATA:-/usr/share/darknet/data}"

# sha256 of the uncompressed sources as shipped by opencv-doc 4.6.
VTEST_SHA256=45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf
TREE_SHA256=4666099d0f704e310047b2f0a5ec9f936cb76a7271de9a2e70a0c57f82ac82dc
LEUVEN_SHA256=b2977cdbd9fb3f94dadd6f76cf586d145676deb8a22b5f0f42149d21c058c09f
# sha256 of dog.jpg as shipped by darknet 0.0.0+git20180914.61c9d02e.
DOG_SHA256=5a9522051c3cec2bbd2f6323fccba32e8fbf3ddcc2b3e2fd46b04c720bc6f866

# Bump to force every output to be rebuilt.
RECIPE_VERSION=1

die() { echo "test-media.sh: $*" >&2; exit 1; }

for tool in ffmpeg ffprobe sha256sum; do
  command -v "$tool" >/dev/null || die "'$tool' not found; run scripts/setup.sh (Debian package ffmpeg)"
done

mkdir -p "$CACHE"
# One builder at a time (parallel test runners may call this concurrently).
exec 9>"$CACHE/.lock"
if command -v flock >/dev/null; then flock 9; fi

# source NAME SHA256 [DIR PACKAGE] -> prints the path of a verified,
# uncompressed copy of DIR/NAME (default: $DATA, opencv-doc).
source_file() {
  local name=$1 want=$2 dir=${3:-$DATA} pkg=${4:-opencv-doc} path
  if [[ -f "$dir/$name" ]]; then
    path="$dir/$name"
  elif [[ -f "$dir/$name.gz" ]]; then
    path="$CACHE/src/$name"
    if [[ ! -f "$path" ]]; then
      mkdir -p "$CACHE/src"
      gzip -dc "$dir/$name.gz" >"$path.tmp.$$"
      mv -f "$path.tmp.$$" "$path"
    fi
  else
    die "$dir/$name not found; install the Debian package $pkg (scripts/setup.sh)"
  fi
  local got
  got=$(sha256sum "$path" | cut -d' ' -f1)
  if [[ "$got" != "$want" ]]; then
    [[ "$path" == "$CACHE/src/"* ]] && rm -f "$path"
    die "$path: sha256 $got, expected $want (unexpected $pkg version?)"
  fi
  echo "$path"
}

# valid OUT CODEC RECIPE FFMPEG-ARGS...: true if OUT exists, was built by
# RECIPE, is not older than its -i input files and its first video stream
# probes as CODEC.
valid() {
  local out=$1 codec=$2 recipe=$3
  [[ -s "$out" && -f "$out.recipe" ]] || return 1
  [[ "$(cat "$out.recipe")" == "$recipe" ]] || return 1
  local arg prev=""
  for arg in "${@:4}"; do   # an input file newer than the output -> stale
    if [[ "$prev" == -i && -f "$arg" && "$arg" -nt "$out" ]]; then return 1; fi
    prev=$arg
  done
  [[ "$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name \
        -of default=nw=1:nk=1 "$out" 2>/dev/null)" == "$codec" ]]
}

# build NAME FORMAT CODEC FFMPEG-ARGS... : makes $CACHE/NAME unless valid.
build() {
  local name=$1 fmt=$2 codec=$3; shift 3
  local out="$CACHE/$name" recipe
  recipe="v$RECIPE_VERSION $*"
  if valid "$out" "$codec" "$recipe" "$@"; then
    return 0
  fi
  local tmp="$CACHE/.$name.tmp.$$"
  rm -f "$tmp"
  echo "test-media.sh: building $name" >&2
  if ! ffmpeg -nostdin -hide_banner -v error -y "$@" \
        -map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact \
        -f "$fmt" "$tmp"; then
    rm -f "$tmp"
    die "ffmpeg failed building $name"
  fi
  mv -f "$tmp" "$out"
  printf '%s' "$recipe" >"$out.recipe.tmp.$$"
  mv -f "$out.recipe.tmp.$$" "$out.recipe"
}

VTEST=$(source_file vtest.avi "$VTEST_SHA256")
TREE=$(source_file tree.avi "$TREE_SHA256")
LEUVEN=$(source_file leuvenA.jpg "$LEUVEN_SHA256")
DOG=$(source_file dog.jpg "$DOG_SHA256" "$DARKNET" darknet)

# Common H.264 settings of a typical IP camera main stream: no B-frames,
# closed fixed 2 s GOP, one slice per frame, yuv420p. Fixed preset, params and
# thread count (x264's output depends on its thread count; -tune zerolatency
# would add per-thread slices) keep the output byte-identical on any machine
# with the same ffmpeg/x264 build.
X264=(-c:v libx264 -threads 2 -preset veryfast -bf 0 -pix_fmt yuv420p
      -x264-params "scenecut=0:open-gop=0:sliced-threads=0")

# vtest-h264.mp4: the RTSP camera's stream (768x576, 10 fps, keyint 20 = 2 s).
build vtest-h264.mp4 mp4 h264 \
  -i "$VTEST" -an "${X264[@]}" -g 20 -keyint_min 20 -r 10 -crf 23 -movflags +faststart

# vtest-1080p.mp4: agent benchmark input (full 79.5 s, 1920x1080, 10 fps, GOP 2 s).
build vtest-1080p.mp4 mp4 h264 \
  -i "$VTEST" -an -vf "scale=1920:1080:flags=bicubic,setsar=1" \
  "${X264[@]}" -g 20 -keyint_min 20 -r 10 -crf 23 -movflags +faststart

# vtest-g711.mkv: the H.264 stream above (copied, not re-encoded) plus a
# G.711 u-law audio track, 8 kHz mono, 440 Hz tone.
build vtest-g711.mkv matroska h264 \
  -i "$CACHE/vtest-h264.mp4" -f lavfi -i "sine=frequency=440:sample_rate=8000" \
  -map 0:v:0 -map 1:a:0 -c:v copy -c:a pcm_mulaw -ar 8000 -ac 1 -shortest

# tree-h264.mp4: a second, different scene (320x240, 15 fps, GOP 2 s).
build tree-h264.mp4 mp4 h264 \
  -i "$TREE" -an -vf fps=15 "${X264[@]}" -g 30 -keyint_min 30 -crf 23 -movflags +faststart

# tree-sway.mp4: tree.avi up to 22.5 s, only the tree swaying in the wind. From
# 23.0 s on, a hand passes in front of the lens (real motion, which a camera
# must report): tests that want "foliage only" use this cut.
build tree-sway.mp4 mp4 h264 \
  -i "$TREE" -t 22.5 -an -vf fps=15 "${X264[@]}" -g 30 -keyint_min 30 -crf 23 -movflags +faststart

# car-pass.mp4: a passing vehicle for false-alert tests of the object
# detector, composed from two real photos (768x576, 25 fps, 16.0 s = 400
# frames, GOP 50 = 2 s, no audio). Ground truth: tests/data/car-pass-truth.json;
# full description: tests/data/README.md.
#  - Background: leuvenA.jpg (opencv-doc; 751x563, a cobbled street between
#    brick houses, no vehicles), scaled to 768x576 and shown as a still.
#  - Vehicle: the white pickup truck seen from the side in darknet's dog.jpg,
#    crop 228x98 at (465,74), i.e. source pixels x 465..692, y 74..171.
#    CAR_MASK (alpha, in crop pixels) cuts out the foliage above the cab and
#    hood, the background behind the tailgate and the road below the sills
#    (the wheels are kept as two discs): a hand-made polygon, not a segmentation.
#    The patch is then scaled to 320x138.
#  - Motion: overlay x(t) = -320 + 1088*(t-4)/6 px, y = 328 (truck rectangle
#    y 328..465, wheels on the cobbles), i.e. constant 181.3 px/s, 7.25 px per
#    frame, left to right. ffmpeg truncates x to an even integer per frame.
#    0-4 s empty street; enters at 4.0 s (first visible frame 101, t=4.04);
#    fully in frame 5.765..8.235 s (frames 144..206, t=5.76..8.24); gone at
#    10.0 s (last visible frame 249, t=9.96); 10-16 s empty street. Truck
#    pixels span y 330..465.
#  - Sensor noise over the whole picture (truck included): noise=alls=3:
#    allf=t+u with a fixed seed (deterministic). x264 at crf 23 removes most
#    of it: empty frames differ by 62-77 dB PSNR within a GOP and by ~40 dB
#    across a keyframe.
CAR_MASK='if(lt(Y,if(lt(X,118),3+max(0,X-40)*0.11,if(lt(X,150),21,if(lt(X,180),21+(X-150)*0.8,45+(X-180)*0.12)))),0,if(lt(X,if(lt(Y,30),28-(Y-3)*0.6,if(lt(Y,44),10,1))),0,if(lte(Y,62+X*0.1)+lte(hypot(X-60,Y-72),15)+lte(hypot(X-187,Y-83),15),255,0)))'
build car-pass.mp4 mp4 h264 \
  -loop 1 -framerate 25 -t 16 -i "$LEUVEN" -loop 1 -framerate 25 -i "$DOG" \
  -filter_complex "[0:v]scale=768:576:flags=bicubic,setsar=1,format=yuv420p[bg];\
[1:v]crop=228:98:465:74,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='$CAR_MASK',\
scale=320:138:flags=bicubic[car];\
[bg][car]overlay=x='-320+1088*(t-4)/6':y=328:shortest=1,\
noise=alls=3:allf=t+u:all_seed=4242,format=yuv420p" \
  -an "${X264[@]}" -g 50 -keyint_min 50 -crf 23 -movflags +faststart

echo "$CACHE"
