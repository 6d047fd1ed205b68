# SPDX-License-Identifier: Apache-2.0
"""Households, device key chains, mutual camera pairing and cameras through the
commands of CLI.md (`vigil`, `vigil-agent`) against a real vigild on loopback
(vigild/vigil issue, points 4 and 6; docs/design/002-vigild.md §Households and
pairing). The tampering tests put a plain-HTTP proxy between the clients and
`vigild serve --insecure-http` that rewrites the keys a malicious server would
swap: both sides must notice, and nothing may be claimed or pinned."""
import base64
import http.client
import http.server
import json
import os
import pathlib
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "formats"))
import harness  # noqa: E402
import vigil_formats  # noqa: E402  (the clean-room HPKE of tests/formats, to forge envelopes)

PASSWORD = "correct horse battery staple\n"
CAMERA_NAME = "Zebra Gate Cam"  # distinctive: it must never reach the server in clear


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TamperingProxy:
    """A threaded plain-HTTP proxy to vigild. `rewrite(method, path, body_json)`
    may return a changed response object for the client."""

    def __init__(self, upstream_url: str, rewrite):
        host_port = upstream_url.split("://", 1)[1]
        upstream_host, upstream_port = host_port.rsplit(":", 1)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "content-length")}
                conn = http.client.HTTPConnection(upstream_host, int(upstream_port), timeout=30)
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                conn.close()
                if response.headers.get("Content-Type", "").startswith("application/json") and data:
                    changed = rewrite(self.command, self.path, json.loads(data))
                    if changed is not None:
                        data = json.dumps(changed).encode()
                self.send_response(response.status)
                for k, v in response.headers.items():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Via:
    """Stands in for harness.Server to point a profile at another URL."""

    def __init__(self, url, ca):
        self.url = url
        self.ca = ca


class PairingTestBase(harness.VigilTestCase):
    def create_owner(self, profile):
        kit = profile.home / "kit.json"
        self.assertOk(profile.run("account", "create", "--email", "alice@example.com", "--kit",
                                  str(kit), "--password-stdin", stdin=PASSWORD))
        return kit

    def new_camera(self, name="camera", server_url=None, ca=None):
        agent = harness.Agent(self.root, name)
        url = server_url or self.server.url
        self.assertOk(agent.init(url, ca if ca is not None else
                                 (self.server.ca if url.startswith("https") else None)))
        return agent

    def db_bytes(self) -> bytes:
        out = b""
        for path in pathlib.Path(self.server.data).rglob("*"):
            if path.is_file():
                out += path.read_bytes()
        return out


class PairingTest(PairingTestBase):
    def test_pair_list_retention_remove_and_a_second_device(self):
        laptop = self.profile("laptop")
        kit = self.create_owner(laptop)
        profile_file = laptop.home / "default" / "profile.json"
        self.assertEqual(oct(profile_file.stat().st_mode & 0o777), "0o600")
        saved = json.loads(profile_file.read_text())
        for key in ("device_box_key", "device_sign_key", "household_id", "household_public_key"):
            self.assertTrue(saved[key], key)
        self.assertEqual(saved["key_chain_version"], 1)

        camera = self.new_camera()
        state = camera.saved()
        self.assertEqual(oct((camera.state / "camera.json").stat().st_mode & 0o777), "0o600")
        self.assertEqual(oct(camera.state.stat().st_mode & 0o777), "0o700")
        self.assertNotIn("pairing", state)
        # init never overwrites an identity.
        self.assertRefused(camera.init(self.server.url, self.server.ca))

        proc, code = camera.start_pair(CAMERA_NAME)
        self.assertNotIn(" ", code)
        self.assertOk(laptop.run("camera", "add", code, "--name", CAMERA_NAME))
        paired = harness.Agent.finish(proc)
        self.assertOk(paired)
        state = camera.saved()
        self.assertEqual(state["pairing"]["household_id"], saved["household_id"])
        self.assertEqual(state["pairing"]["household_public_key"], saved["household_public_key"])
        self.assertTrue(state["pairing"]["owner_sign_public_key"])
        self.assertTrue(state["pairing"]["credential"])
        # The same code again: refused, one clear line.
        again = laptop.run("camera", "add", code, "--name", "Other")
        self.assertRefused(again)

        r = laptop.run("camera", "list", "--json")
        self.assertOk(r)
        cameras = r.json()
        self.assertEqual(len(cameras), 1)
        self.assertEqual(cameras[0]["name"], CAMERA_NAME)
        self.assertEqual(cameras[0]["id"], state["pairing"]["camera_id"])
        self.assertIsNone(cameras[0]["retention_days"])
        self.assertTrue(cameras[0]["created"].endswith("Z"))
        self.assertEqual(set(cameras[0]), {"id", "name", "retention_days", "created"})

        self.assertOk(laptop.run("camera", "set", CAMERA_NAME, "--retention-days", "7"))
        self.assertEqual(laptop.run("camera", "list", "--json").json()[0]["retention_days"], 7)
        self.assertOk(laptop.run("camera", "set", CAMERA_NAME, "--retention-days", "keep"))
        self.assertIsNone(laptop.run("camera", "list", "--json").json()[0]["retention_days"])
        self.assertRefused(laptop.run("camera", "set", "No Such Cam", "--retention-days", "3"))
        self.assertEqual(laptop.run("camera", "set", CAMERA_NAME, "--retention-days", "x").code, 2)

        # A second device logs in with the kit: it joins the key chain, gets its
        # own household envelope and reads the same names.
        phone = self.profile("phone")
        self.assertOk(phone.run("login", "--email", "alice@example.com", "--kit", str(kit),
                                "--password-stdin", stdin=PASSWORD))
        phone_saved = json.loads((phone.home / "default" / "profile.json").read_text())
        self.assertEqual(phone_saved["household_id"], saved["household_id"])
        self.assertEqual(phone_saved["key_chain_version"], 2)
        self.assertNotEqual(phone_saved["device_box_key"], saved["device_box_key"])
        r = phone.run("camera", "list", "--json")
        self.assertOk(r)
        self.assertEqual([c["name"] for c in r.json()], [CAMERA_NAME])
        # The laptop verifies the longer chain and still works.
        self.assertOk(laptop.run("camera", "list"))

        # The server never saw the name.
        self.assertNotIn(CAMERA_NAME.encode(), self.db_bytes())

        self.assertOk(phone.run("camera", "remove", CAMERA_NAME))
        self.assertEqual(laptop.run("camera", "list", "--json").json(), [])
        self.assertRefused(laptop.run("camera", "remove", CAMERA_NAME))

    def test_bad_input_gets_one_clear_error(self):
        laptop = self.profile("laptop")
        self.create_owner(laptop)
        r = laptop.run("camera", "add", "VGL1-NOTACODE", "--name", "Porch")
        self.assertRefused(r)
        self.assertIn("invalid pairing code", r.err)
        r = laptop.run("camera", "add", "VGL1-" + "A" * 42, "--name", "x" * 46)
        self.assertRefused(r)
        self.assertIn("at most 45 bytes", r.err)
        # A well-formed code that no camera posted.
        r = laptop.run("camera", "add", "VGL1-" + "A" * 42, "--name", "Porch")
        self.assertRefused(r)
        self.assertEqual(laptop.run("camera", "add", "--name", "Porch").code, 2)
        agent = harness.Agent(self.root, "nobody")
        r = agent.run("pair", "--state", str(agent.state), "--name", "x")
        self.assertRefused(r)
        self.assertIn("vigil-agent init", r.err)

    def test_a_camera_nobody_claims_times_out_and_saves_nothing(self):
        camera = self.new_camera()
        proc, _ = camera.start_pair("Porch", timeout_s=1)
        r = harness.Agent.finish(proc)
        self.assertRefused(r)
        self.assertIn("nobody claimed", r.err)
        self.assertNotIn("pairing", camera.saved())


class TamperingServerTest(PairingTestBase):
    """A server (here: a proxy in front of it) that swaps keys is caught."""

    def setUp(self):
        self.root = pathlib.Path(__import__("tempfile").mkdtemp(prefix="vigil-it-"))
        self.server = harness.Server(self.root, insecure_http=True).start()
        self.mode = None
        self.proxy = TamperingProxy(self.server.url, self.rewrite)

    def tearDown(self):
        self.proxy.stop()
        super().tearDown()

    def rewrite(self, method, path, body):
        evil = b64(os.urandom(32))
        if self.mode == "chain rollback" and method == "GET" and path.startswith("/v1/keychain"):
            body["versions"] = body["versions"][:1]
            return body
        if isinstance(self.mode, tuple) and method == "GET" and path == "/v1/household":
            body["envelopes"] = [self.mode[1]]
            return body
        if (self.mode == "camera key" and method == "GET" and path.startswith("/v1/pairing/")
                and not path.endswith("/claim")):
            body["camera_sign_public_key"] = evil
            return body
        if self.mode in ("owner key", "household key") and path.endswith("/claim") and \
                method == "GET" and body.get("claimed"):
            body["claim"]["owner_key" if self.mode == "owner key" else "household_key"] = evil
            return body
        return None

    def test_a_swapped_camera_key_fails_the_owner_and_claims_nothing(self):
        owner = self.profile("laptop")
        self.create_owner(owner)
        camera = self.new_camera()
        proc, code = camera.start_pair(CAMERA_NAME)
        self.mode = "camera key"
        via_proxy = harness.Profile(Via(self.proxy.url, self.server.ca), owner.home)
        r = via_proxy.run("camera", "add", code, "--name", CAMERA_NAME)
        self.assertRefused(r)
        self.assertIn("camera verification failed", r.err)
        self.assertEqual(owner.run("camera", "list", "--json").json(), [])
        # Nothing was claimed: the honest path still pairs the same camera.
        self.mode = None
        self.assertOk(owner.run("camera", "add", code, "--name", CAMERA_NAME))
        self.assertOk(harness.Agent.finish(proc))

    def swapped_claim(self, mode):
        owner = self.profile("laptop")
        self.create_owner(owner)
        camera = self.new_camera(server_url=self.proxy.url)
        self.mode = mode
        proc, code = camera.start_pair(CAMERA_NAME)
        self.assertOk(owner.run("camera", "add", code, "--name", CAMERA_NAME))
        r = harness.Agent.finish(proc)
        self.assertRefused(r)
        self.assertIn("pairing verification failed", r.err)
        self.assertNotIn("pairing", camera.saved())

    def test_a_household_key_the_server_made_is_refused_by_the_device(self):
        # Envelopes are HPKE base mode (unsigned): a server can seal a key of its
        # own to the device. The device accepts only the key it pinned at login.
        owner = self.profile("laptop")
        self.create_owner(owner)
        saved = json.loads((owner.home / "default" / "profile.json").read_text())
        device_public = vigil_formats.x25519_public(unb64(saved["device_box_key"]))
        forged = vigil_formats.seal_household_key(
            device_public, saved["household_id"].encode(), 1, saved["device_id"].encode(),
            os.urandom(32), os.urandom(32))
        self.mode = ("envelope", {"device_id": saved["device_id"], "epoch": 1,
                                  "envelope": b64(forged)})
        via_proxy = harness.Profile(Via(self.proxy.url, self.server.ca), owner.home)
        r = via_proxy.run("camera", "list")
        self.assertRefused(r)
        self.assertIn("household key verification failed", r.err)
        self.mode = None
        self.assertOk(owner.run("camera", "list"))

    def test_a_key_chain_rolled_back_below_the_pin_is_refused(self):
        laptop = self.profile("laptop")
        kit = self.create_owner(laptop)
        phone = self.profile("phone")
        self.assertOk(phone.run("login", "--email", "alice@example.com", "--kit", str(kit),
                                "--password-stdin", stdin=PASSWORD))
        self.assertOk(laptop.run("camera", "list"))  # the laptop now pins version 2
        self.mode = "chain rollback"
        via_proxy = harness.Profile(Via(self.proxy.url, self.server.ca), laptop.home)
        r = via_proxy.run("camera", "list")
        self.assertRefused(r)
        self.assertIn("key chain verification failed", r.err)

    def test_a_swapped_owner_key_fails_the_camera_and_pins_nothing(self):
        self.swapped_claim("owner key")

    def test_a_swapped_household_key_fails_the_camera(self):
        self.swapped_claim("household key")


if __name__ == "__main__":
    harness.main()
