# SPDX-License-Identifier: Apache-2.0
"""Alerts and heartbeats through the real commands: a paired camera's keys
seal an alert (vigil-test-alert, the agent's sealing code), the camera
credential posts it, and `vigil events watch` prints it decrypted: at once
over the WebSocket, or later from what vigild kept. A tampered alert is
reported as unverified, another owner sees nothing, and a camera whose
heartbeats stop is reported silent (docs/formats/alert.md,
docs/design/002-vigild.md §Alerts and heartbeats)."""
import base64
import json
import os
import pathlib
import selectors
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import camera_sim  # noqa: E402
import harness  # noqa: E402

PASSWORD = "alerts password 1\n"
TOOL = pathlib.Path(os.environ.get("VIGIL_TEST_ALERT",
                                   pathlib.Path(__file__).resolve().parents[2] /
                                   "build/tests/vigil-test-alert"))


def lines_of(result):
    return [json.loads(line) for line in result.out.splitlines() if line.strip()]


class AlertsTest(harness.VigilTestCase):
    def setUp(self):
        super().setUp()
        self.owner = self.profile("owner")
        kit = self.owner.home / "kit.json"
        self.assertOk(self.owner.run("account", "create", "--email", "owner@example.com", "--kit",
                                     str(kit), "--password-stdin", stdin=PASSWORD))
        self.camera = camera_sim.pair_camera(self.server, self.owner, self.root, "porch")
        self.state = self.root / "agent-porch"

    def tool(self, *args):
        r = subprocess.run([str(TOOL), *args, "--state", str(self.state)], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def sealed_alert(self, alert_id, kind="started", clip_id="evt_porch_0001", labels="motion",
                     sequence=0, when=None):
        args = ["alert", "--alert-id", alert_id, "--kind", kind, "--clip-id", clip_id,
                "--labels", labels, "--motion", "4200", "--sequence", str(sequence)]
        if when is not None:
            args += ["--time", str(when)]
        return self.tool(*args)

    def post_alert(self, alert_id, sealed):
        return self.camera.request("POST", "/v1/alerts",
                                   json.dumps({"alert_id": alert_id, "alert": sealed}).encode(),
                                   {"Content-Type": "application/json"})

    def post_heartbeat(self, when):
        beat = self.tool("heartbeat", "--time", str(when))
        return self.camera.request("POST", "/v1/heartbeats",
                                   json.dumps({"heartbeat": beat}).encode(),
                                   {"Content-Type": "application/json"})

    def watch_once(self, profile=None, *args):
        r = (profile or self.owner).run("events", "watch", "--once", "--json", *args)
        self.assertOk(r)
        return lines_of(r)

    def test_kept_alerts_are_printed_decrypted_once(self):
        now = int(time.time())
        self.post_alert("alr_porch_0001", self.sealed_alert("alr_porch_0001", labels="person,dog",
                                                            when=now - 5))
        self.post_alert("alr_porch_0002", self.sealed_alert("alr_porch_0002", kind="complete",
                                                            labels="person,dog", sequence=1,
                                                            when=now - 5))
        seen = self.watch_once()
        alerts = [x for x in seen if x["type"] == "alert"]
        self.assertEqual([a["alert_id"] for a in alerts], ["alr_porch_0001", "alr_porch_0002"],
                         seen)
        first, second = alerts
        self.assertTrue(first["verified"], first)
        self.assertEqual(first["kind"], "event_started")
        self.assertEqual(first["camera"], "porch")
        self.assertEqual(first["clip_id"], "evt_porch_0001")
        self.assertEqual(first["labels"], ["person", "dog"])
        self.assertEqual(first["motion_score"], 4200)
        self.assertEqual(second["kind"], "clip_complete")
        self.assertEqual(second["sequence"], 1)
        # The cursor next to the profile: nothing is shown twice.
        self.assertEqual([x for x in self.watch_once() if x["type"] == "alert"], [])
        # The human form.
        self.post_alert("alr_porch_0003", self.sealed_alert("alr_porch_0003", when=now))
        r = self.owner.run("events", "watch", "--once")
        self.assertOk(r)
        self.assertIn("porch  event started  motion  (clip evt_porch_0001)", r.out)
        # vigild stored only ciphertext: no label is readable on disk.
        db = (self.server.data / "metadata.db").read_bytes()
        self.assertNotIn(b"person", db)

    def test_a_tampered_alert_fails_verification(self):
        sealed = bytearray(base64.urlsafe_b64decode(
            self.sealed_alert("alr_porch_0009", labels="person") + "=="))
        sealed[200] ^= 1
        tampered = base64.urlsafe_b64encode(bytes(sealed)).rstrip(b"=").decode()
        self.post_alert("alr_porch_0009", tampered)
        # The same valid alert under another id: the signature binds the id.
        self.post_alert("alr_porch_0010", self.sealed_alert("alr_porch_0011"))
        alerts = [x for x in self.watch_once() if x["type"] == "alert"]
        self.assertEqual(len(alerts), 2, alerts)
        for a in alerts:
            self.assertFalse(a["verified"], a)
            self.assertIn("verification failed", a["problem"])
            self.assertNotIn("labels", a)

    def test_another_owner_sees_nothing(self):
        self.post_alert("alr_porch_0001", self.sealed_alert("alr_porch_0001"))
        other = self.profile("other")
        self.assertOk(other.run("account", "create", "--email", "other@example.com", "--kit",
                                str(other.home / "kit.json"), "--password-stdin", stdin=PASSWORD))
        self.assertEqual(self.watch_once(other), [])

    def test_a_camera_whose_heartbeats_stop_is_reported_silent(self):
        now = int(time.time())
        self.post_heartbeat(now - 1000)
        seen = self.watch_once()
        silent = [x for x in seen if x["type"] == "camera_silent"]
        self.assertEqual(len(silent), 1, seen)
        self.assertEqual(silent[0]["camera"], "porch")
        self.assertEqual(silent[0]["since"], time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                           time.gmtime(now - 1000)))
        r = self.owner.run("events", "watch", "--once")
        self.assertIn("porch  camera silent since", r.out)
        # The threshold is a flag; a fresh heartbeat is not silence.
        self.assertEqual([x for x in self.watch_once(None, "--silent-after", "2000")
                          if x["type"] == "camera_silent"], [])
        self.post_heartbeat(int(time.time()))
        self.assertEqual([x for x in self.watch_once() if x["type"] == "camera_silent"], [])
        self.assertEqual(self.owner.run("events", "watch", "--silent-after", "x").code, 2)

    def test_a_live_alert_is_printed_within_two_seconds(self):
        env = dict(os.environ, VIGIL_HOME=str(self.owner.home))
        proc = subprocess.Popen([str(harness.BIN / "vigil"), "--server", self.server.url, "--ca",
                                 str(self.server.ca), "--profile", self.owner.name, "events",
                                 "watch", "--json"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        try:
            time.sleep(3)  # let it connect; an alert posted earlier would come from the catch-up
            self.assertIsNone(proc.poll(), proc.stderr.read() if proc.poll() is not None else "")
            sel = selectors.DefaultSelector()
            sel.register(proc.stdout, selectors.EVENT_READ)
            for n, kind in ((1, "started"), (2, "complete")):
                alert_id = f"alr_live_000{n}"
                sealed = self.sealed_alert(alert_id, kind=kind, sequence=n - 1)
                posted = time.monotonic()
                self.post_alert(alert_id, sealed)
                line = None
                while time.monotonic() - posted < 2.0:
                    if sel.select(timeout=max(0.0, 2.0 - (time.monotonic() - posted))):
                        candidate = json.loads(proc.stdout.readline())
                        if candidate.get("type") == "alert":
                            line = candidate
                            break
                self.assertIsNotNone(line, f"no alert printed within 2 s of {alert_id}")
                self.assertEqual(line["alert_id"], alert_id)
                self.assertTrue(line["verified"], line)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = None
        self.assertEqual(code, 0, proc.stderr.read())


if __name__ == "__main__":
    harness.main()
