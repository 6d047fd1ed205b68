# SPDX-License-Identifier: Apache-2.0
"""Bad input at the process level (vigild/vigil issue, point 9), against a real
vigild over TLS on loopback: malformed JSON, wrong types, missing fields,
oversized bodies, bad bearer tokens, oversized request lines and headers, a
slow-loris client, many idle connections and a truncated body. Each gets one
clear 4xx JSON error or a closed connection, other clients keep being served
promptly, and afterwards nothing already stored is harmed: the account still
logs in and its data reads back the same."""
import json
import os
import select
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

EMAIL = "alice@example.com"
PASSWORD = "correct horse battery staple\n"
# vigild's limits (docs/api.md §Conventions, src/net/http_server.cc).
BODY_LIMIT = 64 << 10
HEADER_LIMIT = 16 << 10
REQUEST_TIMEOUT_S = 10
# How long a healthy request may take while the server is under abuse.
PROMPT_S = 1.0


class Raw:
    """Raw HTTP/1.1 over TLS to the test's vigild, no client library in between."""

    def __init__(self, server: harness.Server):
        host, port = server.url.split("//", 1)[1].rsplit(":", 1)
        self.address = (host, int(port))
        self.context = ssl.create_default_context(cafile=str(server.ca))

    def connect(self, handshake=True, timeout=30.0):
        sock = socket.create_connection(self.address, timeout=timeout)
        if not handshake:
            return sock
        return self.context.wrap_socket(sock, server_hostname=self.address[0])

    @staticmethod
    def read_all(sock, limit=1 << 20):
        data = b""
        try:
            while len(data) < limit:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, ssl.SSLError, socket.timeout, OSError):
            pass
        return data

    def exchange(self, raw: bytes):
        """Sends `raw` and reads until the server closes; returns (status, headers, body)."""
        sock = self.connect()
        try:
            try:
                sock.sendall(raw)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass  # the server may answer and close before reading it all
            return self.parse(self.read_all(sock))
        finally:
            sock.close()

    @staticmethod
    def parse(data: bytes):
        if not data:
            return None, {}, b""
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, body

    def request(self, method, path, body=b"", token=None, headers=None):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.address[0]}", "Connection: close"]
        if token is not None:
            lines.append(f"Authorization: {token}")
        if body:
            lines.append("Content-Type: application/json")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if "Content-Length" not in (headers or {}) and "Transfer-Encoding" not in (headers or {}):
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        return self.exchange(raw)

    def timed_health(self):
        started = time.monotonic()
        status, _, _ = self.request("GET", "/healthz")
        return status, time.monotonic() - started


class BadInputTest(harness.VigilTestCase):
    def setUp(self):
        super().setUp()
        self.raw = Raw(self.server)
        self.owner = self.profile("owner")
        self.kit = self.root / "kit.json"
        self.assertOk(self.owner.run("account", "create", "--email", EMAIL, "--kit", str(self.kit),
                                     "--password-stdin", stdin=PASSWORD))
        profile = json.loads((self.owner.home / "default" / "profile.json").read_text())
        self.token = "Bearer " + profile["session_token"]
        self.account_before = self.account()

    def tearDown(self):
        # Nothing already stored is harmed: the server is alive, the owner logs
        # in with the same password, the account reads back the same, and the
        # server never logged a bug.
        try:
            self.assertIsNone(self.server.proc.poll(), "vigild died")
            self.assertEqual(self.account(), self.account_before)
            phone = self.profile("phone")
            self.assertOk(phone.run("login", "--email", EMAIL, "--kit", str(self.kit),
                                    "--password-stdin", stdin=PASSWORD))
            self.assertOk(phone.run("sessions", "list"))
        finally:
            self.server.stop()
            log = self.server.log.read_text()
            super().tearDown()
        self.assertNotIn("bug:", log)

    def account(self):
        status, _, body = self.raw.request("GET", "/v1/account", token=self.token)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def assertJsonError(self, response, status, code=None, mentions=None):
        got, headers, body = response
        self.assertEqual(got, status, body)
        self.assertIn("application/json", headers.get("content-type", ""))
        error = json.loads(body)["error"]
        self.assertTrue(error["message"])
        self.assertNotIn("\n", error["message"])
        if code:
            self.assertEqual(error["code"], code)
        if mentions:
            self.assertIn(mentions, error["message"])
        return error

    # --- Bodies --------------------------------------------------------------

    def test_malformed_json_is_a_clear_400(self):
        for body in (b"{", b"{\"email\": }", b"not json", b"[]", b"\"a string\"", b"null",
                     b"{\"email\": \"a@b.c\"} trailing", b"\xff\xfe{}",
                     b"{\"email\": \"\xc3\x28@example.com\"}", b"[" * 20000 + b"]" * 20000,
                     b"{\"a\":" * 10000 + b"1" + b"}" * 10000):
            with self.subTest(body=body[:40]):
                self.assertJsonError(self.raw.request("POST", "/v1/login", body), 400,
                                     "invalid_argument")

    def test_wrong_types_and_missing_fields_name_the_field(self):
        cases = [
            (b'{"email": 5, "device_id": "dev_aaaaaaaa", "auth_key": "AAAA"}', "email"),
            (b'{"email": ["a@b.c"], "device_id": "dev_aaaaaaaa", "auth_key": "AAAA"}', "email"),
            (b'{"email": "a@b.c", "device_id": 12345678, "auth_key": "AAAA"}', "device_id"),
            (b'{"email": "a@b.c", "device_id": "dev_aaaaaaaa", "auth_key": {"x": 1}}', "auth_key"),
            (b'{"email": "a@b.c", "device_id": "dev_aaaaaaaa", "auth_key": "!!not base64!!"}',
             "auth_key"),
            (b'{"email": "a@b.c", "device_id": "dev_aaaaaaaa", "auth_key": "AAAA"}', "auth_key"),
            (b'{"device_id": "dev_aaaaaaaa", "auth_key": "AAAA"}', "email"),
            (b'{"email": "a@b.c", "auth_key": "AAAA"}', "device_id"),
            (b'{}', "email"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                self.assertJsonError(self.raw.request("POST", "/v1/login", body), 400,
                                     "invalid_argument", field)
        # An owner route with a bad body, with a valid session.
        self.assertJsonError(
            self.raw.request("POST", "/v1/password", b'{"auth_key": true}', token=self.token),
            400, "invalid_argument", "auth_key")
        self.assertJsonError(
            self.raw.request("POST", "/v1/accounts", b'{"account_id": "x", "email": "a@b.c"}'),
            400, "invalid_argument")

    def test_oversized_bodies_get_413_json(self):
        big = b'{"email": "' + b"a" * (BODY_LIMIT + 10) + b'@example.com"}'
        # Declared up front: refused before the body is read.
        self.assertJsonError(self.raw.request("POST", "/v1/login", big), 413,
                             "resource_exhausted", "over")
        # Chunked, with no length: refused once the limit is crossed.
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part)
                           for part in (big[i:i + 8192] for i in range(0, len(big), 8192)))
        chunked += b"0\r\n\r\n"
        self.assertJsonError(
            self.raw.request("POST", "/v1/login", chunked,
                             headers={"Transfer-Encoding": "chunked"}),
            413, "resource_exhausted")
        # Just under the limit is an ordinary 400 about the field.
        near = b'{"email": "' + b"a" * (BODY_LIMIT - 200) + b'@example.com"}'
        self.assertJsonError(self.raw.request("POST", "/v1/login", near), 400, "invalid_argument")

    def test_a_truncated_body_closes_the_connection_and_harms_nothing(self):
        # Content-Length larger than what is sent, then the client closes.
        started = time.monotonic()
        sock = self.raw.connect()
        sock.sendall(b"POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"email\": \"alice@exa")
        sock.close()
        # The same, but the client stays silent: the server gives up after its
        # request timeout without answering anything half-read.
        sock = self.raw.connect()
        sock.sendall(b"POST /v1/password HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                     b"Authorization: " + self.token.encode() + b"\r\n\r\n{\"auth_key\": ")
        data = Raw.read_all(sock)
        waited = time.monotonic() - started
        sock.close()
        self.assertEqual(data, b"", "a half-read request must not be answered")
        self.assertLess(waited, REQUEST_TIMEOUT_S + 3)
        status, _ = self.raw.timed_health()
        self.assertEqual(status, 200)

    # --- Tokens ----------------------------------------------------------------

    def test_bad_bearer_tokens_are_401_json(self):
        for token in (None, "", "Bearer", "Bearer ", "Bearer not-a-token", "bearer x",
                      "Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer " + "A" * 600,
                      "Bearer " + "A" * 8000, "Bearer é-token", self.token + "x",
                      self.token[:-1]):
            with self.subTest(token=(token or "")[:40]):
                self.assertJsonError(self.raw.request("GET", "/v1/sessions", token=token), 401,
                                     "unauthenticated")
        # Control characters are not a header value at all: the HTTP parser
        # refuses the request before any route sees it.
        self.assertJsonError(self.raw.request("GET", "/v1/sessions", token="Bearer \x01\x02"),
                             400, "invalid_argument")
        # A camera route with an owner token and the reverse.
        self.assertJsonError(self.raw.request("POST", "/v1/clips", b"{}", token=self.token), 401)

    # --- Request line and headers ----------------------------------------------

    def test_oversized_request_line_and_headers_are_refused(self):
        cases = {
            "request line": b"GET /" + b"a" * (HEADER_LIMIT + 100) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            "one header": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                           b"b" * (HEADER_LIMIT + 100) + b"\r\n\r\n"),
            "many headers": (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
                             b"".join(b"X-H%d: %s\r\n" % (i, b"c" * 60) for i in range(400)) +
                             b"\r\n"),
            "garbage": b"\x16\x03\x01 this is not HTTP at all\r\n\r\n",
            "bad method": b"G\x00T /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        }
        for name, raw in cases.items():
            with self.subTest(name):
                status, headers, body = self.raw.exchange(raw)
                self.assertIsNotNone(status, "expected an error response, got a bare close")
                self.assertIn(status, (400, 414, 431))
                self.assertIn("error", json.loads(body))

    # --- Slow and idle clients ---------------------------------------------------

    def watch_health(self, stop: threading.Event, latencies: list):
        while not stop.is_set():
            status, took = self.raw.timed_health()
            latencies.append((status, took))
            time.sleep(0.2)

    def test_slow_loris_is_closed_and_others_stay_served(self):
        request = (b"POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"X-Padding: " + b"p" * 100 + b"\r\n")
        closed_after = []

        def loris():
            sock = self.raw.connect()
            started = time.monotonic()
            try:
                for byte in request:
                    sock.sendall(bytes([byte]))
                    # Wait a second, but notice the server's close at once.
                    ready, _, _ = select.select([sock], [], [], 1.0)
                    if ready and not sock.recv(4096):
                        break
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                pass
            Raw.read_all(sock)
            closed_after.append(time.monotonic() - started)
            sock.close()

        stop = threading.Event()
        latencies = []
        watcher = threading.Thread(target=self.watch_health, args=(stop, latencies))
        lorises = [threading.Thread(target=loris) for _ in range(20)]
        watcher.start()
        for t in lorises:
            t.start()
        for t in lorises:
            t.join(timeout=60)
        stop.set()
        watcher.join()
        print(f"slow-loris: closed after {min(closed_after):.1f}..{max(closed_after):.1f} s; "
              f"healthz meanwhile: {len(latencies)} requests, "
              f"max {max(t for _, t in latencies) * 1000:.0f} ms")
        self.assertEqual(len(closed_after), 20)
        for took in closed_after:
            self.assertGreaterEqual(took, REQUEST_TIMEOUT_S - 1)
            self.assertLess(took, REQUEST_TIMEOUT_S + 3)
        self.assertTrue(latencies)
        for status, took in latencies:
            self.assertEqual(status, 200)
            self.assertLess(took, PROMPT_S)

    def test_many_idle_connections_neither_block_others_nor_stay_open(self):
        started = time.monotonic()
        idle = [self.raw.connect(handshake=False) for _ in range(200)]   # not even TLS
        idle += [self.raw.connect() for _ in range(50)]                  # TLS, then silence
        for _ in range(5):
            status, took = self.raw.timed_health()
            self.assertEqual(status, 200)
            self.assertLess(took, PROMPT_S)
        self.assertOk(self.owner.run("sessions", "list"))
        # Every idle connection is closed by the server within its request timeout.
        for sock in idle:
            sock.settimeout(REQUEST_TIMEOUT_S + 5)
            self.assertEqual(Raw.read_all(sock), b"")
            sock.close()
        waited = time.monotonic() - started
        print(f"idle: 250 connections closed by the server after {waited:.1f} s")
        self.assertLess(waited, REQUEST_TIMEOUT_S + 5)


if __name__ == "__main__":
    harness.main()
