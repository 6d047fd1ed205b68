# SPDX-License-Identifier: Apache-2.0
"""vigil-agent on real video, through the real commands (agent issue):
events on vtest.avi cover the labelled seconds with people walking; a swaying
tree makes no event; the server being down, the network dropping mid-upload
and kill -9 of the agent lose no closed clip; a real RTSP camera (GStreamer)
that drops and comes back is followed; G.711 audio arrives as AAC; and the
server's disk holds no plaintext."""
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import camera_sim  # noqa: E402
import harness  # noqa: E402
import media  # noqa: E402
import rtsp  # noqa: E402

PASSWORD = "agent password 1\n"
LABELS = pathlib.Path(__file__).resolve().parents[1] / "data" / "vtest-person-intervals.json"
OPENCV_DATA = pathlib.Path("/usr/share/doc/opencv-doc/examples/data")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(path: pathlib.Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json",
                          str(path)], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError(f"ffprobe refused {path}: {out.stderr}")
    return json.loads(out.stdout)


def decode_errors(path: pathlib.Path) -> str:
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
                         capture_output=True, text=True, timeout=120)
    return out.stderr if out.returncode == 0 else f"exit {out.returncode}: {out.stderr}"


def covered_fraction(intervals, labelled) -> float:
    """Share of the labelled seconds inside the union of `intervals`."""
    total = sum(b - a for a, b in labelled)
    inside = 0.0
    for a, b in labelled:
        for c, d in intervals:
            lo, hi = max(a, c), min(b, d)
            if hi > lo:
                inside += hi - lo
    return inside / total if total else 1.0


class CuttingProxy:
    """A TCP proxy that cuts every connection after `limit` bytes from the
    client: a network that drops mid-upload."""

    def __init__(self, target_port: int, limit: int):
        self.target_port = target_port
        self.limit = limit
        self.cuts = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src, dst, count):
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if count and sent + len(data) > self.limit:
                    self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.sock.close()


class AgentTest(harness.VigilTestCase):
    def setUp(self):
        super().setUp()
        self.media = media.media_dir()
        self.owner = self.profile("owner")
        self.assertOk(self.owner.run("account", "create", "--email", "owner@example.com", "--kit",
                                     str(self.owner.home / "kit.json"), "--password-stdin",
                                     stdin=PASSWORD))
        self.camera = camera_sim.pair_camera(self.server, self.owner, self.root, "porch")
        self.state = self.root / "agent-porch"

    # --- helpers -----------------------------------------------------------

    def run_agent(self, source, *args, timeout=600) -> harness.Result:
        cmd = [str(harness.BIN / "vigil-agent"), "run", "--state", str(self.state), "--source",
               str(source), *args]
        return harness.Result(subprocess.run(cmd, capture_output=True, text=True, timeout=timeout))

    def start_agent(self, source, *args) -> subprocess.Popen:
        cmd = [str(harness.BIN / "vigil-agent"), "run", "--state", str(self.state), "--source",
               str(source), *args]
        self.agent_log = self.root / f"agent-{time.time_ns()}.log"
        log = open(self.agent_log, "w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
        log.close()
        return proc

    def wait_log(self, pattern, count=1, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.agent_log.read_text()
            if len(re.findall(pattern, text)) >= count:
                return text
            time.sleep(0.1)
        self.fail(f"agent log never showed {count} x {pattern!r}:\n{self.agent_log.read_text()[-3000:]}")

    def events(self):
        r = self.owner.run("events", "list", "--json")
        self.assertOk(r)
        return sorted(r.json(), key=lambda e: e["sequence"])

    def clip_mp4(self, event_id) -> pathlib.Path:
        out = self.root / f"{event_id}.mp4"
        thumb = self.root / f"{event_id}.jpg"
        self.assertOk(self.owner.run("clip", "get", event_id, "-o", str(out), "--thumbnail",
                                     str(thumb), timeout=120))
        return out

    def media_interval(self, mp4: pathlib.Path):
        """The clip's place in the source video: its fMP4 decode times are
        the source's media time."""
        fmt = probe(mp4)["format"]
        start = float(fmt.get("start_time", 0))
        return start, start + float(fmt["duration"])

    # --- tests -------------------------------------------------------------

    def test_vtest_events_cover_the_labelled_people_and_play(self):
        r = self.run_agent(OPENCV_DATA / "vtest.avi", "--fast")
        self.assertEqual(r.code, 0, r)
        self.assertIn("transcoding msmpeg4v3 to h264", r.err)
        events = self.events()
        self.assertGreater(len(events), 0)
        self.assertEqual([e["sequence"] for e in events], list(range(1, len(events) + 1)))
        # vigild learns each clip's size to 64 KiB (clip.md §Padding).
        self.assertEqual([e["size_bytes"] % 65536 for e in events], [0] * len(events))
        intervals = []
        for e in events:
            mp4 = self.clip_mp4(e["id"])
            info = probe(mp4)
            self.assertEqual([s["codec_name"] for s in info["streams"]], ["h264"])
            self.assertEqual(decode_errors(mp4), "")
            jpeg = probe(self.root / f"{e['id']}.jpg")
            self.assertEqual(jpeg["streams"][0]["codec_name"], "mjpeg")
            intervals.append(self.media_interval(mp4))
        labels = json.loads(LABELS.read_text())
        labelled = [(i["start_s"], i["end_s"]) for i in labels["intervals"]]
        coverage = covered_fraction(intervals, labelled)
        print(f"vtest.avi: {len(events)} events, clips {intervals}, "
              f"coverage of labelled seconds {coverage:.1%}", file=sys.stderr)
        self.assertGreaterEqual(coverage, 0.95)

        # The server's disk: no MP4 boxes, no JPEG, no x264 banner, no name.
        # (the label of a motion event is "motion"; JPEG thumbnails start
        # FF D8 FF; Lavf is the muxer's tag in every MP4 it writes).
        canaries = [b"ftypiso", b"moov", b"mdat", b"moof", b"\xff\xd8\xff\xe0", b"JFIF",
                    b"x264 - core", b"porch", b"Lavf", b"motion"]
        for path in self.server.data.rglob("*"):
            if not path.is_file():
                continue
            data = path.read_bytes()
            for canary in canaries:
                self.assertNotIn(canary, data, f"{canary!r} found in {path}")

    def test_the_python_decoder_turns_an_agent_clip_into_the_same_mp4(self):
        # The second implementation, written from docs/formats/ alone
        # (tests/formats/vigil_clip_formats.py), on a clip the real agent made.
        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "formats"))
        import base64
        import vigil_clip_formats as vcf

        def b64(text):
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

        def fields(path):
            out = {}
            for line in path.read_text().splitlines():
                if line and not line.startswith("#") and ":" in line:
                    k, v = line.split(":", 1)
                    out[k.strip()] = v.strip()
            return out

        r = self.run_agent(self.media / "vtest-h264.mp4", "--fast")
        self.assertEqual(r.code, 0, r)
        event = self.events()[0]
        bundle = self.root / "bundle"
        self.assertOk(self.owner.run("clip", "export", event["id"], "-o", str(bundle)))
        camera = fields(bundle / "camera-key.txt")
        key = b64(fields(bundle / "key.txt")["clip_key"])
        blob = (bundle / "clip.vgcl").read_bytes()
        layout, manifest, _ = vcf.verify_clip(blob, b64(camera["camera_key"]),
                                              event["id"].encode(), camera["camera_id"].encode())
        video = vcf.decrypt_video(manifest, key, vcf.part(blob, layout, "video"))
        self.assertEqual(video, (bundle / "clip.mp4").read_bytes())
        thumbnail = vcf.open_small_part(manifest, key, "thumbnail", vcf.part(blob, layout, "thumbnail"))
        self.assertEqual(thumbnail, (bundle / "thumbnail.jpg").read_bytes())
        metadata = vcf.decode_metadata(
            vcf.open_small_part(manifest, key, "metadata", vcf.part(blob, layout, "metadata")))
        self.assertGreater(metadata["motion_score"], 0)
        # And that MP4 plays.
        mp4 = self.root / "python.mp4"
        mp4.write_bytes(video)
        self.assertEqual(decode_errors(mp4), "")

    def test_a_swaying_tree_makes_no_event(self):
        r = self.run_agent(self.media / "tree-sway.mp4", "--fast")
        self.assertEqual(r.code, 0, r)
        self.assertIn("0 events", r.err)
        self.assertEqual(self.events(), [])

    def test_the_hand_in_tree_avi_is_one_event_after_23_s(self):
        # tree.avi: 23 s of swaying tree, then a hand crosses the lens.
        r = self.run_agent(OPENCV_DATA / "tree.avi", "--fast")
        self.assertEqual(r.code, 0, r)
        events = self.events()
        self.assertEqual(len(events), 1, events)
        start, _ = self.media_interval(self.clip_mp4(events[0]["id"]))
        # The clip begins with its 5 s pre-roll, at a GOP boundary.
        self.assertGreaterEqual(start, 23.0 - 5.0 - 2.0)

    def test_a_server_outage_loses_nothing(self):
        self.server.keep_port()
        self.server.stop()
        proc = self.start_agent(self.media / "vtest-h264.mp4", "--fast", "--retry-max", "2")
        self.wait_log(r"clip evt_\S+ sealed")
        self.wait_log(r"upload of clip \S+ failed", count=2)
        self.assertIsNone(proc.poll())  # waiting for the server, clips in the spool
        spooled = list((self.state / "spool").glob("*.vgcl"))
        self.assertGreater(len(spooled), 0)
        self.server.start()
        self.assertEqual(proc.wait(timeout=120), 0, self.agent_log.read_text()[-3000:])
        events = self.events()
        self.assertEqual([e["sequence"] for e in events], list(range(1, len(events) + 1)))
        self.assertEqual(list((self.state / "spool").glob("*.vgcl")), [])
        for e in events:
            self.assertEqual(decode_errors(self.clip_mp4(e["id"])), "")

    def test_a_network_that_drops_mid_upload_loses_nothing(self):
        port = int(self.server.url.rsplit(":", 1)[1].rstrip("/"))
        proxy = CuttingProxy(port, limit=700 * 1024)
        self.addCleanup(proxy.close)
        doc = json.loads((self.state / "camera.json").read_text())
        doc_text = json.dumps(doc).replace(f"127.0.0.1:{port}", f"127.0.0.1:{proxy.port}")
        (self.state / "camera.json").write_text(doc_text)
        r = self.run_agent(self.media / "vtest-h264.mp4", "--fast", "--retry-max", "1")
        self.assertEqual(r.code, 0, r)
        self.assertGreater(proxy.cuts, 0)
        self.assertIn("failed", r.err)
        events = self.events()
        self.assertGreater(len(events), 0)
        for e in events:
            self.assertEqual(decode_errors(self.clip_mp4(e["id"])), "")

    def test_kill_9_of_the_agent_loses_no_closed_clip(self):
        config = self.root / "cameras.toml"
        config.write_text(f'''
[[camera]]
name = "porch"
state = "{self.state}"
source = "{self.media / 'vtest-h264.mp4'}"
max_length_s = 8
upload_retry_max_s = 1
''')
        self.server.keep_port()
        self.server.stop()  # clips stay in the spool
        cmd = [str(harness.BIN / "vigil-agent"), "run", "--state", str(self.root), "--config",
               str(config)]
        self.agent_log = self.root / "agent-kill.log"
        with open(self.agent_log, "w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        text = self.wait_log(r"clip evt_\S+ sealed", count=3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        sealed = re.findall(r"clip (evt_\S+) sealed: sequence (\d+)", self.agent_log.read_text())
        self.assertGreaterEqual(len(sealed), 3, text)
        # Restart with the server up: every sealed clip arrives, in one
        # unbroken chain, and the clip cut short by the kill is not among them.
        self.server.start()
        r = self.run_agent(self.media / "tree-sway.mp4", "--fast")
        self.assertEqual(r.code, 0, r)
        events = self.events()
        ids = {e["id"] for e in events}
        for clip_id, _ in sealed:
            self.assertIn(clip_id, ids)
        self.assertEqual([e["sequence"] for e in events], list(range(1, len(events) + 1)))
        self.assertEqual(list((self.state / "spool").glob("*.vgcl")), [])

    def test_an_rtsp_camera_that_drops_and_comes_back(self):
        port = free_port()
        rtsp_proc, url = rtsp.start_rtsp_server(self.media / "vtest-h264.mp4", port)
        self.addCleanup(rtsp.stop_rtsp_server, rtsp_proc)
        agent = self.start_agent(url)
        self.addCleanup(lambda: agent.poll() is None and agent.kill())
        self.wait_log(r"source open: h264 768x576")
        self.wait_log(r"event 1 started", timeout=60)
        time.sleep(2)
        rtsp.stop_rtsp_server(rtsp_proc)  # the camera drops
        self.wait_log(r"source dropped|source unavailable", timeout=60)
        rtsp_proc, url = rtsp.start_rtsp_server(self.media / "vtest-h264.mp4", port)
        self.addCleanup(rtsp.stop_rtsp_server, rtsp_proc)
        self.wait_log(r"source open: h264 768x576", count=2, timeout=90)
        self.wait_log(r"event \d+ started", count=2, timeout=60)
        time.sleep(3)
        agent.send_signal(signal.SIGTERM)  # closes the open clip, uploads, exits
        self.assertEqual(agent.wait(timeout=120), 0, self.agent_log.read_text()[-3000:])
        events = self.events()
        self.assertGreaterEqual(len(events), 2)  # one clip before the drop, one after
        for e in events:
            self.assertEqual(decode_errors(self.clip_mp4(e["id"])), "")

    def test_rtsp_over_udp(self):
        port = free_port()
        rtsp_proc, url = rtsp.start_rtsp_server(self.media / "vtest-h264.mp4", port)
        self.addCleanup(rtsp.stop_rtsp_server, rtsp_proc)
        config = self.root / "cameras.toml"
        config.write_text(f'''
[[camera]]
name = "porch"
state = "{self.state}"
source = "{url}"
rtsp_transport = "udp"
''')
        cmd = [str(harness.BIN / "vigil-agent"), "run", "--state", str(self.root), "--config",
               str(config)]
        self.agent_log = self.root / "agent-udp.log"
        with open(self.agent_log, "w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.wait_log(r"event 1 started", timeout=60)
        time.sleep(4)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=120), 0, self.agent_log.read_text()[-3000:])
        events = self.events()
        self.assertEqual(len(events), 1)
        self.assertEqual(decode_errors(self.clip_mp4(events[0]["id"])), "")

    def test_g711_audio_is_recorded_as_aac(self):
        r = self.run_agent(self.media / "vtest-g711.mkv", "--fast")
        self.assertEqual(r.code, 0, r)
        events = self.events()
        self.assertGreater(len(events), 0)
        mp4 = self.clip_mp4(events[0]["id"])
        codecs = sorted(s["codec_name"] for s in probe(mp4)["streams"])
        self.assertEqual(codecs, ["aac", "h264"])
        self.assertEqual(decode_errors(mp4), "")

    def test_alerts_reach_the_owner_within_2_s_and_again_when_the_clip_is_done(self):
        env = dict(os.environ, VIGIL_HOME=str(self.owner.home))
        watch = subprocess.Popen(
            [str(harness.BIN / "vigil"), "--server", self.server.url, "--ca", str(self.server.ca),
             "--profile", self.owner.name, "events", "watch", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.addCleanup(lambda: watch.poll() is None and watch.kill())
        seen = []  # (arrival time, alert)

        def read():
            for line in watch.stdout:
                if line.strip():
                    seen.append((time.time(), json.loads(line)))
        threading.Thread(target=read, daemon=True).start()
        time.sleep(1.5)  # the watcher is connected
        agent = self.start_agent(self.media / "vtest-h264.mp4", "--source-realtime")
        self.addCleanup(lambda: agent.poll() is None and agent.kill())
        self.wait_log(r"event 1 started", timeout=60)
        started_at = time.time()
        deadline = started_at + 5
        while time.time() < deadline and not any(a["kind"] == "event_started" for _, a in seen):
            time.sleep(0.05)
        first = [(t, a) for t, a in seen if a["kind"] == "event_started"]
        self.assertTrue(first, f"no event_started alert within 5 s; saw {seen}")
        latency = first[0][0] - started_at
        print(f"event_started alert printed {latency:.2f} s after the agent logged the event",
              file=sys.stderr)
        self.assertLess(latency, 2.0)
        self.assertTrue(first[0][1]["verified"])
        self.assertEqual(first[0][1]["camera"], "porch")
        clip_id = first[0][1]["clip_id"]
        agent.send_signal(signal.SIGTERM)  # the event's clip closes now
        self.assertEqual(agent.wait(timeout=120), 0, self.agent_log.read_text()[-3000:])
        deadline = time.time() + 10
        while time.time() < deadline and not any(a["kind"] == "clip_complete" for _, a in seen):
            time.sleep(0.05)
        done = [a for _, a in seen if a["kind"] == "clip_complete"]
        self.assertEqual(len(done), 1, seen)
        self.assertEqual(done[0]["clip_id"], clip_id)
        self.assertEqual(done[0]["sequence"], 1)
        self.assertEqual([e["id"] for e in self.events()], [clip_id])

    def test_one_agent_runs_several_cameras_from_cameras_toml(self):
        # A home hub: two cameras, each with its own identity, chain and spool.
        camera_sim.pair_camera(self.server, self.owner, self.root, "garden")
        garden = self.root / "agent-garden"
        config = self.root / "cameras.toml"
        config.write_text(f'''
[[camera]]
name = "porch"
state = "{self.state}"
source = "{self.media / 'vtest-h264.mp4'}"

[[camera]]
name = "garden"
state = "{garden}"
source = "{OPENCV_DATA / 'tree.avi'}"
audio = "drop"
''')
        cmd = [str(harness.BIN / "vigil-agent"), "run", "--state", str(self.root), "--config",
               str(config)]
        r = harness.Result(subprocess.run(cmd, capture_output=True, text=True, timeout=600))
        self.assertEqual(r.code, 0, r)
        self.assertIn("porch: done:", r.err)
        self.assertIn("garden: done:", r.err)
        events = self.events()
        by_camera = {}
        for e in events:
            by_camera.setdefault(e["camera"], []).append(e["sequence"])
        self.assertEqual(sorted(by_camera), ["garden", "porch"])
        for sequences in by_camera.values():
            self.assertEqual(sorted(sequences), list(range(1, len(sequences) + 1)))
        self.assertTrue((garden / "spool" / "chain.json").is_file())

    def test_a_camera_clock_that_drifts_is_warned_about(self):
        r = self.run_agent(self.media / "tree-sway.mp4", "--fast")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("clock", r.err)
        # vigild's clock an hour ahead is the camera's an hour behind.
        self.server.keep_port()
        self.server.stop()
        self.server.extra_args = ["--testing-clock-offset", "3600"]
        self.server.start()
        r = self.run_agent(self.media / "tree-sway.mp4", "--fast")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.err, r"warning: this camera's clock is 36\d\d s behind vigild's")

    def test_bad_sources_and_flags_are_clear_errors(self):
        r = self.run_agent(self.root / "no-such.mp4", "--fast")
        self.assertEqual(r.code, 1, r)
        self.assertIn("no-such.mp4", r.err)
        junk = self.root / "junk.mp4"
        junk.write_bytes(os.urandom(100000))
        r = self.run_agent(junk, "--fast")
        self.assertEqual(r.code, 1, r)
        r = self.run_agent(junk, "--fast", "--source-realtime")
        self.assertEqual(r.code, 2, r)
        r = self.run_agent(junk, "--retry-max", "0")
        self.assertEqual(r.code, 2, r)
        # With --config, per-camera flags would be silently ignored: refused.
        cmd = [str(harness.BIN / "vigil-agent"), "run", "--state", str(self.root), "--config",
               str(junk), "--loop"]
        r = harness.Result(subprocess.run(cmd, capture_output=True, text=True, timeout=60))
        self.assertEqual(r.code, 2, r)
        self.assertIn("--config and --loop exclude each other", r.err)
        self.assertEqual(self.events(), [])


if __name__ == "__main__":
    harness.main()
