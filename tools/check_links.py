#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fails on dead links in the project's Markdown (moonfire's missing
design/recording.md is the cautionary tale).

Checked: relative Markdown links [text](path#anchor), and `backticked` paths
that start with a top-level folder of this repository (docs/, src/, tests/,
tools/, bench/, scripts/, cmake/) and have a file extension. Paths with
placeholders (<, *, …) are skipped.
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
TICKED = re.compile(r"`((?:docs|src|tests|tools|bench|scripts|cmake)/[^`\s]+\.[A-Za-z]+)`")


def main() -> int:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    problems = []
    checked = 0
    for name in files:
        path = ROOT / name
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            targets = [(t, path.parent) for t in LINK.findall(line)]
            targets += [(t, ROOT) for t in TICKED.findall(line)]
            for target, base in targets:
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue
                if any(c in target for c in "<>*…{}"):
                    continue
                target = target.split("#")[0]
                checked += 1
                if not ((base / target).exists() or (path.parent / target).exists()):
                    problems.append(f"{name}:{number}: dead link {target}")
    for p in problems:
        print(p)
    print(f"check_links: {checked} links in {len(files)} files, {len(problems)} dead")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
