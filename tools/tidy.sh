#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# clang-tidy over the project's sources with .clang-tidy (warnings are errors).
#   tools/tidy.sh BUILD_DIR all       every source file (run locally)
#   tools/tidy.sh BUILD_DIR changed   files changed since $TIDY_BASE (default:
#                                     the last 20 commits; CI)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
mode=${2:-changed}
cd "$root"
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json (configure first)"; exit 1; }

if [ "$mode" = all ]; then
  files=$(git ls-files 'src/*.cc' 'bench/*.cc')
else
  commits=$(git rev-list --count HEAD)
  base=${TIDY_BASE:-$(git rev-list --max-count=1 --skip=$((commits < 20 ? commits - 1 : 20)) HEAD)}
  # Changed since the base, the base commit itself, and new files not yet
  # committed (git diff does not list untracked files).
  files=$( (git diff --name-only "$base" -- 'src/*.cc' 'bench/*.cc'
            git show --name-only --format= "$base" -- 'src/*.cc' 'bench/*.cc'
            git ls-files --others --exclude-standard -- 'src/*.cc' 'bench/*.cc') | sort -u)
fi
# Only files the build compiles (fuzz targets are built with clang elsewhere).
todo=()
for f in $files; do
  [ -f "$f" ] && grep -q "\"file\": \"$root/$f\"" "$build/compile_commands.json" && todo+=("$f")
done
echo "tidy: ${#todo[@]} files ($mode)"
[ ${#todo[@]} -eq 0 ] && exit 0
# clang-tidy reads g++'s command lines: drop the GCC-only flags clang rejects.
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
sed -e 's/ -fvect-cost-model=[a-z]*//g' "$build/compile_commands.json" >"$db/compile_commands.json"
printf '%s\n' "${todo[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$db" --quiet 2>&1 \
  | grep -v -E '^[0-9]+ warnings? generated|^Suppressed|^Use -header-filter|^$' | tee /tmp/vigil-tidy.$$ || true
if grep -q -E 'error:|warning:' /tmp/vigil-tidy.$$; then
  rm -f /tmp/vigil-tidy.$$
  echo "tidy: findings above"
  exit 1
fi
rm -f /tmp/vigil-tidy.$$
echo "tidy: clean"
