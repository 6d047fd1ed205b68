# SPDX-License-Identifier: Apache-2.0
"""P5 on the real process: `vigil password change` closes every other
session's open WebSocket within 1 s, and keeps the caller's own open.

The WebSocket client is a few lines of RFC 6455 over Python's ssl module (no
WebSocket library in Debian's python3 standard set), enough to open a socket,
ping it and notice its close."""
import base64
import json
import os
import select
import socket
import ssl
import struct
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "socket password 1\n"


class WebSocket:
    def __init__(self, url: str, ca, token: str):
        parts = urllib.parse.urlsplit(url)
        raw = socket.create_connection((parts.hostname, parts.port), timeout=10)
        ctx = ssl.create_default_context(cafile=str(ca))
        self.sock = ctx.wrap_socket(raw, server_hostname=parts.hostname)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /v1/ws HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                   f"Authorization: Bearer {token}\r\n\r\n")
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("closed during the handshake")
            head += chunk
        self.status = int(head.split(b" ", 2)[1])

    def ping(self, payload=b"hi"):
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x89, 0x80 | len(payload)]) + mask + masked)

    def next_frame(self, timeout: float):
        """(opcode, payload), or None when the connection ended; raises on timeout."""
        self.sock.settimeout(timeout)
        try:
            head = self._read(2)
            if head is None:
                return None
            length = head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length) if length else b""
            return head[0] & 0x0F, payload
        except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
            return None

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def close(self):
        self.sock.close()


class SocketTest(harness.VigilTestCase):
    def token(self, profile):
        doc = json.loads((profile.home / profile.name / "profile.json").read_text())
        return doc["session_token"]

    def test_password_change_closes_other_sockets_within_one_second(self):
        laptop = self.profile("laptop")
        kit = laptop.home / "kit.json"
        self.assertOk(laptop.run("account", "create", "--email", "ws@example.com", "--kit",
                                 str(kit), "--password-stdin", stdin=PASSWORD))
        phone = self.profile("phone")
        self.assertOk(phone.run("login", "--email", "ws@example.com", "--kit", str(kit),
                                "--password-stdin", stdin=PASSWORD))
        phone_ws = WebSocket(self.server.url, self.server.ca, self.token(phone))
        laptop_ws = WebSocket(self.server.url, self.server.ca, self.token(laptop))
        self.assertEqual(phone_ws.status, 101)
        self.assertEqual(laptop_ws.status, 101)
        # Both sockets are live before the change.
        for ws in (phone_ws, laptop_ws):
            ws.ping()
            self.assertEqual(ws.next_frame(5)[0], 0xA)

        self.assertOk(laptop.run("password", "change", "--password-stdin",
                                 stdin=PASSWORD + "a brand new passphrase\n"))
        changed = time.monotonic()
        frame = phone_ws.next_frame(5)
        closed_after = time.monotonic() - changed
        self.assertTrue(frame is None or frame[0] == 0x8, f"expected a close, got {frame!r}")
        self.assertLess(closed_after, 1.0, f"the phone's socket closed after {closed_after:.3f} s")
        # The caller's own socket stays open.
        laptop_ws.ping(b"still")
        self.assertEqual(laptop_ws.next_frame(5), (0xA, b"still"))
        # The phone's token no longer opens a socket.
        again = WebSocket(self.server.url, self.server.ca, self.token(phone) or "gone")
        self.assertEqual(again.status, 401)
        for ws in (phone_ws, laptop_ws, again):
            ws.close()
        print(f"phone socket closed {closed_after * 1000:.0f} ms after the password change")


if __name__ == "__main__":
    harness.main()
