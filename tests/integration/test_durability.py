# SPDX-License-Identifier: Apache-2.0
"""Nothing acknowledged is lost (brief P6), shown twice against a real vigild:
`kill -9` during 100 uploads, and the syscall order of one upload under strace
(fsync(blob) → rename → fsync(dir) → commit → reply; 002 §Clips)."""
import hashlib
import os
import queue
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import camera_sim  # noqa: E402
import harness  # noqa: E402

PASSWORD = "durable password 1\n"


class DurabilityTest(harness.VigilTestCase):
    def setUp(self):
        super().setUp()
        self.owner = self.profile("owner")
        kit = self.owner.home / "kit.json"
        self.assertOk(self.owner.run("account", "create", "--email", "owner@example.com", "--kit",
                                     str(kit), "--password-stdin", stdin=PASSWORD))
        self.camera = camera_sim.pair_camera(self.server, self.owner, self.root)

    def events(self):
        r = self.owner.run("events", "list", "--json")
        self.assertOk(r)
        return {e["id"]: e for e in r.json()}

    def downloaded(self, clip_id):
        out = self.root / (clip_id + ".bin")
        self.assertOk(self.owner.run("clip", "get", clip_id, "-o", str(out), "--raw"))
        data = out.read_bytes()
        out.unlink()
        return data

    def test_kill_9_during_100_uploads_loses_no_acknowledged_clip(self):
        rng = __import__("random").Random(6)
        clips = {}
        for i in range(100):
            clips[f"clip_{i:03d}_{os.urandom(6).hex()}"] = os.urandom(rng.randint(20_000, 400_000))
        todo = queue.Queue()
        for clip_id in clips:
            todo.put(clip_id)
        acked = {}
        errors = []
        lock = threading.Lock()
        stop = threading.Event()

        def uploader(url):
            cam = camera_sim.CameraSim(url, self.server.ca, self.camera.credential,
                                       self.camera.camera_id)
            while not stop.is_set():
                try:
                    clip_id = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    # Small chunks, so the kill lands inside uploads as well as between them.
                    state = cam.upload(clip_id, clips[clip_id], chunk=64 * 1024)
                except Exception as e:  # the server died under us: retry after restart
                    with lock:
                        errors.append(f"{clip_id}: {e!r}")
                    todo.put(clip_id)
                    return
                if state["committed"]:
                    with lock:
                        acked[clip_id] = hashlib.sha256(clips[clip_id]).hexdigest()
            cam.close()

        threads = [threading.Thread(target=uploader, args=(self.server.url,)) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.time() + 120
        while time.time() < deadline:
            with lock:
                if len(acked) >= 30:
                    break
            time.sleep(0.01)
        self.server.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        with lock:
            acked_before_kill = dict(acked)
        self.assertGreaterEqual(len(acked_before_kill), 30)
        self.assertLess(len(acked_before_kill), 100, "the kill must land during the uploads")

        # Restart on the same data: every acknowledged clip is there, intact.
        self.server.start()
        listed = self.events()
        for clip_id, digest in acked_before_kill.items():
            self.assertIn(clip_id, listed, f"acknowledged clip {clip_id} lost by kill -9")
            self.assertEqual(listed[clip_id]["size_bytes"], len(clips[clip_id]))
        for clip_id in list(acked_before_kill)[:10]:
            self.assertEqual(hashlib.sha256(self.downloaded(clip_id)).hexdigest(),
                             acked_before_kill[clip_id])

        # The camera finishes the rest, resuming interrupted uploads at the
        # offset the server kept.
        stop.clear()
        errors_during_kill = len(errors)
        threads = [threading.Thread(target=uploader, args=(self.server.url,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(len(acked), 100, "after the restart: " + "; ".join(errors[errors_during_kill:]))
        listed = self.events()
        self.assertEqual(set(listed), set(clips))
        for clip_id in list(clips)[-5:]:
            self.assertEqual(self.downloaded(clip_id), clips[clip_id])

    @staticmethod
    def parse_strace(path):
        """Completed syscalls in completion order: (index, name, text)."""
        pending = {}
        calls = []
        line_re = re.compile(r"^(\d+)\s+(.*)$")
        for raw in path.read_text(errors="replace").splitlines():
            m = line_re.match(raw)
            if not m:
                continue
            pid, text = m.group(1), m.group(2)
            if text.endswith("<unfinished ...>"):
                pending[pid] = text[: -len("<unfinished ...>")]
                continue
            resumed = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", text)
            if resumed:
                text = pending.pop(pid, resumed.group(1) + "(") + resumed.group(2)
            name = re.match(r"^(\w+)\(", text)
            if name:
                calls.append((len(calls), name.group(1), text))
        return calls

    def test_one_upload_fsyncs_blob_renames_fsyncs_dir_commits_then_replies(self):
        self.server.stop()
        trace = self.root / "vigild.strace"
        self.server.start(prefix=["strace", "-f", "-yy", "-o", str(trace), "-e",
                                  "trace=fsync,fdatasync,rename,renameat,renameat2,write,"
                                  "writev,sendmsg,sendto,pwrite64"])
        cam = camera_sim.CameraSim(self.server.url, self.server.ca, self.camera.credential,
                                   self.camera.camera_id)
        clip_id = "clip_traced_" + os.urandom(4).hex()
        data = os.urandom(300_000)
        state = cam.upload(clip_id, data, chunk=len(data))
        self.assertTrue(state["committed"])
        cam.close()
        self.server.stop()  # strace exits with vigild and flushes the trace

        calls = self.parse_strace(trace)

        def first(pred, after=-1):
            for index, name, text in calls:
                if index > after and pred(name, text):
                    return index
            self.fail("not in the trace after call %d" % after)

        def is_sync(name):
            return name in ("fsync", "fdatasync")

        rename = first(lambda n, t: n.startswith("rename") and clip_id in t)
        blob_syncs = [i for i, n, t in calls if is_sync(n) and clip_id + ".part" in t and i < rename]
        self.assertTrue(blob_syncs, "the blob is fsync'd before its rename")
        dir_sync = first(lambda n, t: is_sync(n) and "/blobs/" in t and clip_id not in t
                         and "/tmp>" not in t, rename)
        commit = first(lambda n, t: is_sync(n) and "metadata.db" in t, dir_sync)
        reply = first(lambda n, t: n in ("write", "writev", "sendmsg", "sendto") and "TCP" in t,
                      blob_syncs[-1])
        self.assertLess(blob_syncs[-1], rename)
        self.assertLess(rename, dir_sync)
        self.assertLess(dir_sync, commit)
        self.assertLess(commit, reply, "the reply went out before the clip was durable")


if __name__ == "__main__":
    harness.main()
