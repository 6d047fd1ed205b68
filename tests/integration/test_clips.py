# SPDX-License-Identifier: Apache-2.0
"""Clip storage through the real commands: a paired test camera uploads, the
owner lists, downloads (whole and ranged), deletes; retention and account
deletion remove the ciphertext from disk (vigild/vigil issue, point 7)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import camera_sim  # noqa: E402
import harness  # noqa: E402

PASSWORD = "clips password 1\n"


class ClipsTest(harness.VigilTestCase):
    def setUp(self):
        super().setUp()
        self.owner = self.profile("owner")
        kit = self.owner.home / "kit.json"
        self.assertOk(self.owner.run("account", "create", "--email", "owner@example.com", "--kit",
                                     str(kit), "--password-stdin", stdin=PASSWORD))
        self.camera = camera_sim.pair_camera(self.server, self.owner, self.root, "porch")

    def events(self, *args):
        r = self.owner.run("events", "list", "--json", *args)
        self.assertOk(r)
        return r.json()

    def blob_files(self):
        blobs = self.server.data / "blobs"
        return [p for p in blobs.rglob("*") if p.is_file()]

    def test_upload_list_ranged_download_delete(self):
        data = os.urandom(3 * 1024 * 1024 + 17)
        self.camera.upload("clip_porch_0001", data, chunk=1024 * 1024,
                           start="2026-11-30T09:41:00Z", duration_s=34)
        events = self.events()
        self.assertEqual(len(events), 1)
        e = events[0]
        self.assertEqual(e["id"], "clip_porch_0001")
        self.assertEqual(e["camera"], "porch")  # the sealed name, opened on the client
        self.assertEqual(e["start"], "2026-11-30T09:41:00Z")
        self.assertEqual(e["duration_s"], 34)
        self.assertEqual(e["size_bytes"], len(data))
        self.assertEqual(len(self.events("--camera", "porch")), 1)
        self.assertEqual(len(self.events("--since", "2099-01-01T00:00:00Z")), 0)

        out = self.root / "whole.bin"
        self.assertOk(self.owner.run("clip", "get", "clip_porch_0001", "-o", str(out), "--raw"))
        self.assertEqual(out.read_bytes(), data)
        part = self.root / "part.bin"
        self.assertOk(self.owner.run("clip", "get", "clip_porch_0001", "-o", str(part), "--raw",
                                     "--range", "1048570-1048589"))
        self.assertEqual(part.read_bytes(), data[1048570:1048590])
        self.assertRefused(self.owner.run("clip", "get", "clip_porch_0001", "-o", str(part),
                                          "--raw", "--range", "99999999-99999999"))
        self.assertRefused(self.owner.run("clip", "get", "clip_porch_0001", "-o", str(part),
                                          "--raw", "--range", "x-y"), code=2)

        # The stored blob is exactly the camera's bytes (ciphertext in real use).
        self.assertEqual([p.read_bytes() == data for p in self.blob_files()], [True])

        self.assertOk(self.owner.run("clip", "delete", "clip_porch_0001"))
        self.assertEqual(self.events(), [])
        self.assertEqual(self.blob_files(), [])
        self.assertRefused(self.owner.run("clip", "delete", "clip_porch_0001"))

    def test_an_interrupted_upload_resumes_and_a_forged_one_is_discarded(self):
        data = os.urandom(500_000)
        self.camera.declare("clip_resume_01", data)
        self.camera.request("PUT", "/v1/clips/clip_resume_01/data", data[:200_000],
                            {"Content-Range": f"bytes 0-199999/{len(data)}"})
        # The camera reconnects and asks where to resume.
        self.camera.close()
        state = self.camera.upload("clip_resume_01", data, chunk=128 * 1024)
        self.assertTrue(state["committed"])
        out = self.root / "resumed.bin"
        self.assertOk(self.owner.run("clip", "get", "clip_resume_01", "-o", str(out), "--raw"))
        self.assertEqual(out.read_bytes(), data)

        forged = bytearray(data)
        forged[-1] ^= 1
        self.camera.declare("clip_forged_01", data)
        with self.assertRaises(camera_sim.UploadError) as refused:
            self.camera.request("PUT", "/v1/clips/clip_forged_01/data", bytes(forged),
                                {"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
        self.assertEqual(refused.exception.status, 400)
        self.assertNotIn("clip_forged_01", [e["id"] for e in self.events()])

    def test_retention_counts_from_receipt_and_the_sweeper_removes_the_blob(self):
        self.camera.upload("clip_old_0001", os.urandom(10_000))
        self.assertOk(self.owner.run("camera", "set", "porch", "--retention-days", "1"))
        self.assertEqual(len(self.events()), 1)
        # A day and a bit later (vigild's clock moved for the test), the sweep removes it.
        self.server.stop()
        self.server.extra_args = ["--testing-clock-offset", str(86400 + 60), "--sweep-every", "1"]
        self.server.start()
        deadline = time.time() + 10
        while time.time() < deadline and self.events():
            time.sleep(0.2)
        self.assertEqual(self.events(), [])
        self.assertEqual(self.blob_files(), [])

    def test_account_delete_shreds_every_blob(self):
        for i in range(3):
            self.camera.upload(f"clip_shred_{i:03d}", os.urandom(50_000))
        self.assertEqual(len(self.blob_files()), 3)
        r = self.owner.run("account", "delete", "--password-stdin", stdin=PASSWORD)
        self.assertOk(r)
        self.assertEqual(self.blob_files(), [])
        # The camera's credential died with the household.
        with self.assertRaises(camera_sim.UploadError) as refused:
            self.camera.declare("clip_after_delete", b"x")
        self.assertEqual(refused.exception.status, 401)

    def test_bad_serve_flags_are_refused_before_anything_starts(self):
        import subprocess
        for flag, value in (("--threads", "abc"), ("--sweep-every", "0"),
                            ("--testing-clock-offset", "1e9")):
            r = subprocess.run([str(harness.BIN / "vigild"), "serve", "--data",
                                str(self.server.data), "--listen", "127.0.0.1:0", flag, value],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn(flag, r.stderr)
        self.assertEqual(len(self.events()), 0)  # the running server is untouched


if __name__ == "__main__":
    harness.main()
