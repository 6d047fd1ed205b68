# SPDX-License-Identifier: Apache-2.0
"""The owner's way back (agent issue, client side; docs/design/006-agent.md
§Owner): a real camera (`vigil-agent run` on a test video) uploads sealed
clips to a real vigild; the owner lists them with decrypted labels, gets each
as a playable MP4 and JPEG, exports and verifies an evidence bundle, and every
server-side tampering (a flipped byte, a deleted clip, two swapped blobs, an
older listing) is caught with one clear line and leaves no output file."""
import json
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import camera_sim  # noqa: E402
import harness  # noqa: E402

PASSWORD = "owner clips password 1\n"
CAMERA = "porch"


def source_video() -> pathlib.Path:
    """The shared test video (tests/integration/media.py, written with src/media)."""
    import media  # noqa: E402  (imported late: it arrives with the media work)
    return pathlib.Path(media.media_dir()) / "vtest-h264.mp4"


def ffprobe_codecs(path: pathlib.Path):
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name",
                            "-of", "json", str(path)], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        raise AssertionError(f"ffprobe refused {path}: {probe.stderr}")
    return [s.get("codec_name") for s in json.loads(probe.stdout).get("streams", [])]


class OwnerClipsTest(harness.VigilTestCase):
    """One camera, paired for real, runs the whole test video through the agent
    once per test (each test gets its own server)."""

    def setUp(self):
        super().setUp()
        self.owner = self.profile("owner")
        self.kit = self.owner.home / "kit.json"
        self.assertOk(self.owner.run("account", "create", "--email", "owner@example.com",
                                     "--kit", str(self.kit), "--password-stdin", stdin=PASSWORD,
                                     timeout=120))
        camera_sim.pair_camera(self.server, self.owner, self.root, CAMERA)
        self.agent = harness.Agent(self.root, CAMERA)
        video = source_video()
        self.assertTrue(video.is_file(), f"the test video {video} is missing")
        # On a file without --loop the agent exits once every clip is uploaded.
        # People walk through the whole video: a 20 s maximum clip length cuts
        # it into four chained clips, which the gap, swap and rollback cases need.
        config = self.root / "cameras.toml"
        config.write_text(f'[[camera]]\nname = "{CAMERA}"\nstate = "{self.agent.state}"\n'
                          f'source = "{video}"\nmax_length_s = 20\n')
        run = self.agent.run("run", "--state", str(self.root), "--config", str(config),
                             timeout=600)
        self.assertEqual(run.code, 0, repr(run))
        self.out = self.root / "out"
        self.out.mkdir()

    # ---- helpers ----
    def events(self, *args, expect_warning=None):
        r = self.owner.run("events", "list", "--json", *args, timeout=300)
        self.assertOk(r)
        if expect_warning is None:
            self.assertNotIn("warning:", r.err, "a clean listing warns about nothing")
        else:
            self.assertIn(expect_warning, r.err)
        return r.json()

    def blob_path(self, clip_id: str) -> pathlib.Path:
        found = [p for p in (self.server.data / "blobs").rglob(clip_id) if p.is_file()]
        self.assertEqual(len(found), 1, f"blob of {clip_id}: {found}")
        return found[0]

    def with_server_stopped(self, change):
        """Edits the server's data directly (an insider or a bug), then restarts it."""
        self.server.stop()
        db = sqlite3.connect(str(self.server.data / "metadata.db"))
        try:
            change(db)
            db.commit()
        finally:
            db.close()
        self.server.start()

    def get(self, clip_id, mp4, jpg=None):
        args = ["clip", "get", clip_id, "-o", str(mp4)]
        if jpg:
            args += ["--thumbnail", str(jpg)]
        return self.owner.run(*args, timeout=300)

    def assertNoOutput(self, *paths):
        for p in paths:
            self.assertFalse(p.exists(), f"{p} was written although verification failed")
            self.assertFalse(pathlib.Path(str(p) + ".part").exists(), f"{p}.part left behind")

    # ---- tests ----
    def test_list_get_and_play_every_clip(self):
        events = self.events()
        self.assertGreaterEqual(len(events), 1, "the agent uploaded no clip")
        for e in events:
            for key in ("id", "camera", "start", "duration_s", "labels", "size_bytes"):
                self.assertIn(key, e)
            self.assertTrue(e["verified"], e)
            self.assertEqual(e["camera"], CAMERA)
            self.assertTrue(e["labels"], "every event has a label ('motion' at least)")
        # Sequences of one camera: 1..n without holes.
        self.assertEqual(sorted(e["sequence"] for e in events), list(range(1, len(events) + 1)))
        label = events[0]["labels"][0]
        self.assertTrue(all(label in e["labels"] for e in self.events("--label", label)))
        self.assertEqual(self.events("--label", "no-such-label"), [])
        self.assertEqual(len(self.events("--camera", CAMERA)), len(events))

        for e in events:
            mp4 = self.out / f"{e['id']}.mp4"
            jpg = self.out / f"{e['id']}.jpg"
            r = self.get(e["id"], mp4, jpg)
            self.assertOk(r)
            self.assertIn("verified", r.out)
            if shutil.which("ffprobe"):
                self.assertIn("h264", ffprobe_codecs(mp4))
                self.assertIn("mjpeg", ffprobe_codecs(jpg))
            self.assertEqual(jpg.read_bytes()[:2], b"\xff\xd8", "a JPEG starts with SOI")
            self.assertEqual(mp4.read_bytes()[4:8], b"ftyp", "an MP4 starts with ftyp")

        # The raw path still gives the stored ciphertext.
        raw = self.out / "raw.vgcl"
        self.assertOk(self.owner.run("clip", "get", events[0]["id"], "-o", str(raw), "--raw"))
        self.assertEqual(raw.read_bytes(), self.blob_path(events[0]["id"]).read_bytes())

    def test_a_flipped_byte_fails_clearly_and_writes_nothing(self):
        events = self.events()
        clip = events[0]["id"]
        blob = self.blob_path(clip)
        data = bytearray(blob.read_bytes())
        data[len(data) // 3] ^= 0x01  # inside the video part
        blob.write_bytes(bytes(data))
        mp4, jpg = self.out / "bad.mp4", self.out / "bad.jpg"
        r = self.get(clip, mp4, jpg)
        self.assertRefused(r)
        self.assertIn(f"clip {clip} failed verification", r.err)
        self.assertIn("segment", r.err)
        self.assertNoOutput(mp4, jpg)
        # The listing reads only the tail: the event still verifies there.
        self.events()

    def test_a_clip_missing_its_last_fragment_fails(self):
        # The server (or a thief with its disk) drops the video's last
        # segment and rewrites the trailer's lengths to match, so the blob is
        # well formed; the database is made to agree. Only the camera's
        # signature over the video's size and segment hashes is left to tell.
        import struct
        clip = self.events()[0]["id"]
        blob = self.blob_path(clip)
        data = blob.read_bytes().rstrip(b"\0")  # the container, padding removed
        video, thumb, meta, manifest, magic = struct.unpack(">QQQI4s", data[-32:])
        cut = min(65536 + 16, video - 49 - 1)  # a whole sealed segment (or what is there)
        start = 8 + video - cut
        body = data[:start] + data[8 + video:-32]
        shortened = body + struct.pack(">QQQI4s", video - cut, thumb, meta, manifest, magic)

        def change(db):
            db.execute("UPDATE clips SET size_bytes = ? WHERE clip_id = ?", (len(shortened), clip))
        self.with_server_stopped(change)
        blob.write_bytes(shortened)
        mp4 = self.out / "short.mp4"
        r = self.get(clip, mp4)
        self.assertRefused(r)
        self.assertIn(f"clip {clip} failed verification", r.err)
        self.assertNoOutput(mp4)

    def test_a_tampered_manifest_is_not_listed_as_verified(self):
        events = self.events()
        clip = events[0]["id"]
        blob = self.blob_path(clip)
        data = bytearray(blob.read_bytes())
        end = len(bytes(data).rstrip(b"\0"))  # the container, without its padding
        data[end - 32 - 70] ^= 0x01  # the manifest signature, just before the trailer
        blob.write_bytes(bytes(data))
        listed = {e["id"]: e for e in self.events(expect_warning=f"clip {clip} failed verification")}
        self.assertFalse(listed[clip]["verified"])
        self.assertIn("signature", listed[clip]["problem"])
        mp4 = self.out / "bad.mp4"
        r = self.get(clip, mp4)
        self.assertRefused(r)
        self.assertIn("signature", r.err)
        self.assertNoOutput(mp4)

    def test_deleted_clips_are_reported_as_gap_or_rollback(self):
        events = self.events()  # pins the newest verified clip of the camera
        by_seq = sorted(events, key=lambda e: e["sequence"])
        newest = by_seq[-1]

        def delete(clip_id):
            def change(db):
                db.execute("DELETE FROM clips WHERE clip_id = ?", (clip_id,))
            path = self.blob_path(clip_id)
            self.with_server_stopped(change)
            path.unlink(missing_ok=True)

        if len(by_seq) >= 3:
            middle = by_seq[1]
            delete(middle["id"])
            s = middle["sequence"]
            self.events(expect_warning=f'warning: camera "{CAMERA}": clip {s} is missing '
                                       f'(sequence gap after {s - 1})')
        # Hiding the newest clip is a rollback against this device's pin.
        delete(newest["id"])
        r = self.owner.run("events", "list", "--json", timeout=300)
        self.assertOk(r)
        self.assertIn(f'warning: camera "{CAMERA}": ', r.err)
        self.assertIn("rollback", r.err)

    def test_swapped_blobs_are_the_wrong_clip(self):
        events = self.events()
        if len(events) < 2:
            self.skipTest("the test video gave one clip; swapping needs two")
        a, b = events[0], events[1]
        pa, pb = self.blob_path(a["id"]), self.blob_path(b["id"])
        da, db_ = pa.read_bytes(), pb.read_bytes()

        def change(db):
            # The rows follow the blobs, so the server serves them consistently.
            rows = {cid: db.execute("SELECT size_bytes, sha256 FROM clips WHERE clip_id = ?",
                                    (cid,)).fetchone() for cid in (a["id"], b["id"])}
            for cid, other in ((a["id"], b["id"]), (b["id"], a["id"])):
                db.execute("UPDATE clips SET size_bytes = ?, sha256 = ? WHERE clip_id = ?",
                           (rows[other][0], rows[other][1], cid))
        self.with_server_stopped(change)
        pa.write_bytes(db_)
        pb.write_bytes(da)
        mp4 = self.out / "swapped.mp4"
        r = self.get(a["id"], mp4)
        self.assertRefused(r)
        self.assertIn(f"clip {a['id']} failed verification: wrong clip", r.err)
        self.assertNoOutput(mp4)

    def test_export_and_verify_the_evidence_bundle(self):
        clip = self.events()[0]["id"]
        bundle = self.out / "bundle"
        r = self.owner.run("clip", "export", clip, "-o", str(bundle), timeout=300)
        self.assertOk(r)
        for name in ("clip.mp4", "thumbnail.jpg", "clip.vgcl", "manifest.bin", "metadata.json",
                     "camera-key.txt", "key.txt", "README.txt"):
            self.assertTrue((bundle / name).is_file(), name)
        self.assertEqual((bundle / "clip.vgcl").read_bytes(), self.blob_path(clip).read_bytes())
        self.assertIn("pairing code", (bundle / "camera-key.txt").read_text())

        # Offline: another folder, no server, no profile.
        offline = harness.Result(subprocess.run(
            [str(harness.BIN / "vigil"), "clip", "verify", str(bundle)],
            capture_output=True, text=True, timeout=300,
            env=dict(os.environ, VIGIL_HOME=str(self.root / "nobody"))))
        self.assertOk(offline)
        self.assertIn("OK clip.mp4", offline.out)

        for name, at in (("clip.mp4", 2000), ("clip.vgcl", 100), ("manifest.bin", 20)):
            copy = self.out / f"bundle-{name}"
            shutil.copytree(bundle, copy)
            data = bytearray((copy / name).read_bytes())
            data[at] ^= 0x01
            (copy / name).write_bytes(bytes(data))
            bad = self.owner.run("clip", "verify", str(copy))
            self.assertRefused(bad)
            self.assertIn(f": {name}:", bad.err)

    def test_another_device_must_verify_the_camera_key(self):
        """A device that did not add the camera never trusts the key the server
        lists; without a verifiable owner claim its clips are 'not verified'."""
        self.events()
        other = self.profile("laptop")
        self.assertOk(other.run("login", "--email", "owner@example.com", "--kit", str(self.kit),
                                "--password-stdin", stdin=PASSWORD, timeout=120))
        r = other.run("events", "list", "--json", timeout=300)
        self.assertOk(r)
        listed = r.json()
        self.assertTrue(listed)
        if all(e["verified"] for e in listed):
            return  # vigild returned the owner claims and they verified
        self.assertTrue(all("camera key not verified" in e["problem"] for e in listed), listed)
        mp4 = self.out / "laptop.mp4"
        got = other.run("clip", "get", listed[0]["id"], "-o", str(mp4))
        self.assertRefused(got)
        self.assertIn("camera key not verified", got.err)
        self.assertNoOutput(mp4)


if __name__ == "__main__":
    harness.main()
