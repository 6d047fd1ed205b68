# SPDX-License-Identifier: Apache-2.0
"""Runs real vigild / vigil / vigil-agent processes over loopback for tests.

Everything is a real process talking TLS on 127.0.0.1; each test gets its own
data directory and VIGIL_HOME. Used by the test_*.py files in this folder,
which drive the product only through the commands of ../shared/design/CLI.md.
"""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

BIN = pathlib.Path(os.environ.get("VIGIL_BIN", pathlib.Path(__file__).resolve().parents[2] / "build/bin"))


class Result:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"exit {self.code}\nstdout: {self.out}\nstderr: {self.err}"


class Server:
    """A vigild on an ephemeral loopback port with its own data directory."""

    def __init__(self, root: pathlib.Path, insecure_http: bool = False):
        self.data = root / "data"
        self.insecure_http = insecure_http
        self.extra_args = []  # more `vigild serve` flags
        self.listen = "127.0.0.1:0"  # a fixed port survives a restart (see keep_port)
        self.proc = None
        self.url = None
        init = subprocess.run([str(BIN / "vigild"), "init", "--data", str(self.data)],
                              capture_output=True, text=True, timeout=60)
        if init.returncode != 0:
            raise RuntimeError(f"vigild init failed: {init.stderr}")
        self.ca = self.data / "tls" / "cert.pem"

    def start(self, prefix=()):
        """Starts vigild; `prefix` wraps the command (e.g. strace)."""
        args = [*prefix, str(BIN / "vigild"), "serve", "--data", str(self.data), "--listen", self.listen]
        if self.insecure_http:
            args.append("--insecure-http")
        args += self.extra_args
        # The log goes to a file: a pipe nobody reads fills up and blocks vigild.
        self.log = self.data.parent / "vigild.log"
        log = open(self.log, "a")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)
        log.close()
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("listening on "):
                self.url = line.split("listening on ", 1)[1].strip()
                return self
            if self.proc.poll() is not None:
                break
        raise RuntimeError(f"vigild did not start: {self.log.read_text()[-4000:]}")

    def keep_port(self):
        """Restarts after this one reuse the current port, so cameras that
        saved the URL find the server again."""
        self.listen = self.url.split("://", 1)[1].rstrip("/")
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None


class Profile:
    """One owner device: a `vigil` profile under its own VIGIL_HOME."""

    def __init__(self, server: Server, home: pathlib.Path, name: str = "default"):
        self.server = server
        self.home = home
        self.name = name
        home.mkdir(parents=True, exist_ok=True)

    def run(self, *args, stdin: str = "", timeout: float = 60) -> Result:
        env = dict(os.environ, VIGIL_HOME=str(self.home))
        cmd = [str(BIN / "vigil"), "--server", self.server.url, "--ca", str(self.server.ca),
               "--profile", self.name, *args]
        return Result(subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env,
                                     timeout=timeout))


class VigilTestCase(unittest.TestCase):
    """Gives each test a temporary folder and a started server."""

    def setUp(self):
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="vigil-it-"))
        self.server = Server(self.root).start()

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def profile(self, name: str) -> Profile:
        return Profile(self.server, self.root / ("home-" + name))

    def assertOk(self, result: Result):
        self.assertEqual(result.code, 0, repr(result))

    def assertRefused(self, result: Result, code: int = 1):
        self.assertEqual(result.code, code, repr(result))
        self.assertTrue(result.err.strip(), "a refusal must say why on stderr")
        self.assertEqual(len(result.err.strip().splitlines()), 1, "errors are one line: " + result.err)


class Agent:
    """A camera: `vigil-agent` with its own state directory."""

    def __init__(self, root: pathlib.Path, name: str = "camera"):
        self.state = root / ("agent-" + name)

    def run(self, *args, timeout: float = 60) -> Result:
        cmd = [str(BIN / "vigil-agent"), *args]
        return Result(subprocess.run(cmd, capture_output=True, text=True, timeout=timeout))

    def init(self, server_url: str, ca=None) -> Result:
        args = ["init", "--state", str(self.state), "--server", server_url]
        if ca:
            args += ["--ca", str(ca)]
        return self.run(*args)

    def start_pair(self, name: str, timeout_s: int = 120):
        """Starts `vigil-agent pair`; returns (process, code) once the code line is printed."""
        proc = subprocess.Popen([str(BIN / "vigil-agent"), "pair", "--state", str(self.state),
                                 "--name", name, "--timeout", str(timeout_s)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        if not line.startswith("pairing code: "):
            proc.kill()
            out, err = proc.communicate()
            raise RuntimeError(f"vigil-agent pair printed {line!r}: {out} {err}")
        return proc, line.split("pairing code: ", 1)[1].strip()

    @staticmethod
    def finish(proc, timeout: float = 60) -> Result:
        out, err = proc.communicate(timeout=timeout)
        return Result(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))

    def saved(self) -> dict:
        return json.loads((self.state / "camera.json").read_text())


def main():
    """Runs the tests of the calling module and prints `N passed, M failed`."""
    import __main__
    suite = unittest.defaultTestLoader.loadTestsFromModule(__main__)
    outcome = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(outcome.failures) + len(outcome.errors)
    print(f"{outcome.testsRun - failed} passed, {failed} failed")
    raise SystemExit(1 if failed else 0)
