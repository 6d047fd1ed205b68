# SPDX-License-Identifier: Apache-2.0
"""Starts and stops the fake RTSP camera (rtsp_server.py) for integration tests.

    proc, url = start_rtsp_server(media("vtest-h264.mp4"), 0)   # any free port
    ...
    stop_rtsp_server(proc)                                      # camera drops
    port = urllib.parse.urlsplit(url).port
    proc, url = start_rtsp_server(media("vtest-h264.mp4"), port)  # same URL again
"""
import os
import pathlib
import selectors
import signal
import subprocess
import sys
import tempfile
import time

SERVER = pathlib.Path(__file__).resolve().parent / "rtsp_server.py"
READY = "rtsp ready "


def gi_python() -> str:
    """A Python interpreter with GStreamer's `gi` bindings (Debian's python3-gi)."""
    if os.environ.get("VIGIL_GI_PYTHON"):
        return os.environ["VIGIL_GI_PYTHON"]
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def start_rtsp_server(path_to_file: os.PathLike | str, port: int, mount: str = "/cam",
                      audio: bool = False, timeout: float = 10.0) -> tuple[subprocess.Popen, str]:
    """Serves path_to_file (H.264, looped forever) over RTSP on 127.0.0.1:port.

    Returns the process and its rtsp:// URL once the server is listening.
    Port 0 picks a free port. Use the port in the returned URL to restart the
    server on the same address later. Raises RuntimeError if the server is not
    ready within `timeout` seconds.
    """
    args = [gi_python(), str(SERVER), "--port", str(port), "--path", mount, str(path_to_file)]
    if audio:
        args.append("--audio")
    # stderr goes to a file: a pipe nobody reads would fill up and block the server.
    log = tempfile.NamedTemporaryFile("w+", prefix="vigil-rtsp-", suffix=".log", delete=False)
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=log, text=True)
    proc.log_path = log.name
    log.close()
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not sel.select(left):
                break
            line = proc.stdout.readline()
            if line.startswith(READY):
                return proc, line[len(READY):].strip()
            if not line:  # EOF: the server exited
                break
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    err = pathlib.Path(proc.log_path).read_text()[-4000:]
    stop_rtsp_server(proc)
    raise RuntimeError(f"rtsp_server.py did not get ready (exit {proc.returncode}):\n{err}")


def stop_rtsp_server(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Stops the server (SIGKILL by default, like a camera losing power) and waits for it."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()
    log_path = getattr(proc, "log_path", None)
    if log_path:
        pathlib.Path(log_path).unlink(missing_ok=True)
