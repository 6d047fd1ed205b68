# SPDX-License-Identifier: Apache-2.0
"""A test camera: pairs through the real `vigil-agent` and `vigil camera add`,
then speaks the clip upload protocol of docs/api.md itself (declare, chunked
PUT with Content-Range, resume from the offset the server reports).

The bytes it uploads stand in for sealed clips: vigild stores ciphertext it
cannot read, so for the server any bytes are a clip. The agent issue uploads
real sealed clips over the same protocol.
"""
import base64
import hashlib
import http.client
import json
import os
import pathlib
import ssl
import urllib.parse

import harness


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pair_camera(server: "harness.Server", owner: "harness.Profile", root: pathlib.Path,
                name: str = "front door") -> "CameraSim":
    """Pairs a camera for real: vigil-agent init + pair, and `vigil camera add`."""
    agent = harness.Agent(root, name.replace(" ", "-"))
    init = agent.init(server.url, server.ca)
    if init.code != 0:
        raise RuntimeError(f"vigil-agent init failed: {init!r}")
    proc, code = agent.start_pair(name)
    added = owner.run("camera", "add", code, "--name", name)
    if added.code != 0:
        proc.kill()
        raise RuntimeError(f"vigil camera add failed: {added!r}")
    paired = agent.finish(proc)
    if paired.code != 0:
        raise RuntimeError(f"vigil-agent pair failed: {paired!r}")
    return CameraSim.from_state(server, agent.state)


def _find(obj, key_part):
    """The first string value whose key contains `key_part`, searched depth first."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key_part in key and isinstance(value, str):
                return value
        for value in obj.values():
            found = _find(value, key_part)
            if found:
                return found
    return None


class UploadError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class CameraSim:
    def __init__(self, url: str, ca: pathlib.Path, credential: str, camera_id: str):
        self.url = url
        self.ca = ca
        self.credential = credential
        self.camera_id = camera_id
        self.sequence = 0
        self.conn = None

    @classmethod
    def from_state(cls, server, state: pathlib.Path):
        doc = json.loads((state / "camera.json").read_text())
        credential = _find(doc, "credential")
        camera_id = _find(doc, "camera_id")
        if not credential or not camera_id:
            raise RuntimeError(f"no credential in {state / 'camera.json'}")
        return cls(server.url, server.ca, credential, camera_id)

    def _connection(self):
        if self.conn is None:
            parts = urllib.parse.urlsplit(self.url)
            if parts.scheme == "https":
                ctx = ssl.create_default_context(cafile=str(self.ca))
                self.conn = http.client.HTTPSConnection(parts.hostname, parts.port, context=ctx,
                                                        timeout=30)
            else:
                self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        return self.conn

    def request(self, method, path, body=b"", headers=None):
        hdrs = {"Authorization": "Bearer " + self.credential}
        hdrs.update(headers or {})
        try:
            conn = self._connection()
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if resp.status >= 400:
            raise UploadError(resp.status, data.decode(errors="replace"))
        return json.loads(data) if data else {}

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def declare(self, clip_id: str, data: bytes, start="2026-11-30T10:01:00Z", duration_s=10,
                sequence=None):
        if sequence is None:
            self.sequence += 1
            sequence = self.sequence
        body = {"clip_id": clip_id, "start": start, "duration_s": duration_s,
                "size_bytes": len(data), "sha256": b64url(hashlib.sha256(data).digest()),
                "sequence": sequence, "envelope": b64url(os.urandom(124))}
        return self.request("POST", "/v1/clips", json.dumps(body).encode(),
                            {"Content-Type": "application/json"})

    def upload(self, clip_id: str, data: bytes, chunk: int = 1 << 20, **declare_args):
        """Declares and uploads, resuming where the server says; returns when
        the server acknowledged the commit."""
        state = self.declare(clip_id, data, **declare_args)
        offset = state["offset"]
        while not state["committed"]:
            end = min(offset + chunk, len(data))
            state = self.request("PUT", f"/v1/clips/{clip_id}/data", data[offset:end],
                                 {"Content-Range": f"bytes {offset}-{end - 1}/{len(data)}",
                                  "Content-Type": "application/octet-stream"})
            offset = state["offset"]
        return state
