# SPDX-License-Identifier: Apache-2.0
"""Test media for the integration tests, built by scripts/test-media.sh.

The media lives in a cache outside the tree
(${VIGIL_MEDIA_CACHE:-~/.cache/vigil/media}); see tests/data/README.md.
"""
import functools
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "test-media.sh"


@functools.lru_cache(maxsize=None)
def media_dir() -> pathlib.Path:
    """Builds the test media if needed (once per process) and returns its directory."""
    proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/test-media.sh failed (exit {proc.returncode}):\n{proc.stderr}")
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError("scripts/test-media.sh printed no directory")
    path = pathlib.Path(lines[-1])
    if not path.is_dir():
        raise RuntimeError(f"scripts/test-media.sh printed {path}, which is not a directory")
    return path


def media(name: str) -> pathlib.Path:
    """Path of one file made by scripts/test-media.sh, e.g. media("vtest-h264.mp4")."""
    path = media_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not made by scripts/test-media.sh")
    return path
