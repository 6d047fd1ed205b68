#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/agent: CPU seconds per minute of 1080p H.264 video for the whole
camera pipeline (vigil-agent: demux, decode, motion detection, clip cutting,
sealing, upload to a real vigild), against references measured in the same run:

  (a) `ffmpeg -i vtest-1080p.mp4 -f null -` — decoding the same file, nothing else;
  (b) `vigil-agent run --fast` on the same file, paired to a real vigild;
  (c) vigil-agent and the `motion` daemon (Debian 4.5.x) connected at once to
      the same real-time RTSP stream of the same file, each one's CPU read
      from /proc over the same wall window;
  (d) `motion` alone on that stream with Debian's default movie settings
      (re-encoding its movies instead of passing the camera's H.264 through).

(a) and (b) run interleaved, --repeat times each (default 3), and the table
shows medians. Prints a table and two target checks (agent <= 1.2x decode-only; agent <
motion) as PASS/MISS lines. It reports; it exits 0 on a miss, non-zero only
if something broke.

    VIGIL_BIN=build/bin /usr/bin/python3 bench/agent/agent_bench.py
        [--repeat 3] [--rtsp-seconds 60] [--skip-rtsp] [--skip-motion-encode]
        [--media FILE] [--keep]

Python 3 standard library only (the RTSP server needs Debian's python3-gi,
hence /usr/bin/python3). CPU is user + system time: resource.getrusage
(RUSAGE_CHILDREN) deltas around the processes this script waits for, and
/proc/<pid>/stat utime+stime (+ cutime+cstime) for the long-running ones.
"""
import argparse
import os
import pathlib
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import camera_sim  # noqa: E402
import harness  # noqa: E402  (reads VIGIL_BIN)
import media  # noqa: E402
import rtsp  # noqa: E402

PASSWORD = "agent bench password 1\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")
DECODE_TARGET = 1.2  # agent CPU per video minute <= 1.2 x ffmpeg decode-only


# ---------------------------------------------------------------- measuring
def children_cpu() -> float:
    """User + system seconds of every child waited for so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def proc_cpu(pid: int) -> float:
    """User + system seconds of a running process (all its threads, and its
    children it has waited for), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after "pid (comm)": state=0 ... utime=11 stime=12 cutime=13 cstime=14
    return sum(int(x) for x in fields[11:15]) / CLK_TCK


def run_measured(cmd, **kw) -> tuple[float, float, subprocess.CompletedProcess]:
    """Runs cmd to completion; returns (CPU s of it and its children, wall s, result)."""
    cpu0, t0 = children_cpu(), time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return children_cpu() - cpu0, time.monotonic() - t0, res


def probe_duration(path: pathlib.Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "format=duration", "-of", "default=nw=1:nk=1", str(path)],
                         capture_output=True, text=True, timeout=60, check=True)
    return float(out.stdout.strip())


def probe_video(path: pathlib.Path) -> str:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=codec_name,width,height,avg_frame_rate", "-of", "csv=p=0",
                          str(path)], capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path: pathlib.Path, pattern: str, timeout: float, proc=None) -> bool:
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern)
    while time.monotonic() < deadline:
        if path.exists() and rx.search(path.read_text(errors="replace")):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.2)
    return False


def stop(proc: subprocess.Popen, timeout: float = 60) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Row:
    def __init__(self, name, cpu, video_s, note="", runs=None):
        self.name, self.cpu, self.video_s, self.note, self.runs = name, cpu, video_s, note, runs

    @property
    def per_min(self) -> float:
        return self.cpu / self.video_s * 60.0


# ---------------------------------------------------------------- scenarios
def decode_once(path, threads=None) -> float:
    """CPU seconds of one `ffmpeg ... -f null -` decode of the whole file."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error"]
    if threads:
        cmd += ["-threads", str(threads)]
    cmd += ["-i", str(path), "-f", "null", "-"]
    cpu, _, res = run_measured(cmd, timeout=600)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {res.returncode}: {res.stderr[-2000:]}")
    return cpu


class Household:
    """A vigild, an owner account and one paired camera (a real vigil-agent state)."""

    def __init__(self, root: pathlib.Path):
        self.server = harness.Server(root).start()
        self.owner = harness.Profile(self.server, root / "home-owner")
        made = self.owner.run("account", "create", "--email", "owner@example.com", "--kit",
                              str(self.owner.home / "kit.json"), "--password-stdin",
                              stdin=PASSWORD, timeout=120)
        if made.code != 0:
            raise RuntimeError(f"vigil account create failed: {made!r}")
        camera_sim.pair_camera(self.server, self.owner, root, "bench")
        self.state = root / "agent-bench"

    def close(self):
        self.server.stop()


def agent_once(home: "Household", path) -> tuple[float, float, str]:
    """One `vigil-agent run --fast` of the whole file: (agent CPU s, vigild CPU s, summary)."""
    cmd = [str(harness.BIN / "vigil-agent"), "run", "--state", str(home.state), "--source",
           str(path), "--fast"]
    s0 = proc_cpu(home.server.proc.pid)
    cpu, wall, res = run_measured(cmd, timeout=900)
    time.sleep(0.5)  # let vigild finish the last reply's bookkeeping
    server_cpu = proc_cpu(home.server.proc.pid) - s0
    if res.returncode != 0:
        raise RuntimeError(f"vigil-agent run: exit {res.returncode}: {res.stderr[-3000:]}")
    done = [line for line in res.stderr.splitlines() if "done: " in line]
    if not done:
        raise RuntimeError(f"vigil-agent printed no 'done:' line: {res.stderr[-3000:]}")
    return cpu, server_cpu, done[-1].split("done: ", 1)[1] + f" (wall {wall:.1f} s)"


def file_rows(home: "Household", path, video_s, repeat) -> tuple[list[Row], list[str]]:
    """(a) and (b), interleaved (decode, decode -threads 1, agent; again...) so that a
    change in the machine's load during the run touches every row alike; medians."""
    runs = {"a": [], "a1": [], "b": [], "srv": []}
    notes = []
    for i in range(repeat):
        runs["a"].append(decode_once(path))
        runs["a1"].append(decode_once(path, threads=1))
        cpu, server_cpu, done = agent_once(home, path)
        runs["b"].append(cpu)
        runs["srv"].append(server_cpu)
        notes.append(f"(b) run {i + 1}: {done}")
    med = {k: statistics.median(v) for k, v in runs.items()}
    rows = [Row("(a) ffmpeg decode to null", med["a"], video_s, runs=runs["a"]),
            Row("(a) ffmpeg decode to null, -threads 1", med["a1"], video_s, runs=runs["a1"]),
            Row("(b) vigil-agent run --fast (whole pipeline)", med["b"], video_s, runs=runs["b"]),
            Row("(b) vigild receiving those clips (server side)", med["srv"], video_s,
                runs=runs["srv"])]
    return rows, notes


MOTION_CONF = """\
# bench/agent: motion {version} on the bench's RTSP camera.
daemon off
setup_mode off
log_level 6
log_file {root}/motion.log
target_dir {root}/motion-target
netcam_url {url}
# the stream's own size (no rescaling) and frame rate
width 1920
height 1080
framerate 10
# detection: motion's defaults, written out
threshold 1500
noise_tune on
minimum_motion_frames 1
event_gap 60
pre_capture 0
post_capture 0
# output: movies on motion, like the agent's clips; no pictures (motion's default)
picture_output off
movie_output on
movie_passthrough {passthrough}
movie_codec {codec}
movie_quality {quality}
movie_max_time {max_time}
# no HTTP control or MJPEG stream servers (the agent has none)
webcontrol_port 0
stream_port 0
"""


def motion_version() -> str:
    out = subprocess.run(["motion", "-h"], capture_output=True, text=True, timeout=10)
    m = re.search(r"motion Version (\S+)", out.stdout + out.stderr)
    return m.group(1) if m else "?"


def start_motion(root: pathlib.Path, url: str, passthrough: bool) -> subprocess.Popen:
    root.mkdir(parents=True, exist_ok=True)
    (root / "motion-target").mkdir(exist_ok=True)
    conf = root / "motion.conf"
    # Passthrough: movies are the camera's H.264 packets in MP4, as the agent's
    # clips are. Otherwise Debian's /etc/motion/motion.conf movie settings.
    conf.write_text(MOTION_CONF.format(
        version=motion_version(), root=root, url=url,
        passthrough="on" if passthrough else "off", codec="mkv", quality=45, max_time=60))
    with open(root / "motion.stdout", "w") as out:
        return subprocess.Popen(["motion", "-n", "-c", str(conf)], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)


def motion_summary(root: pathlib.Path) -> str:
    log_path = root / "motion.log"
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    events = len(re.findall(r"starting event", log))
    movies = sorted((root / "motion-target").glob("*"))
    size = sum(p.stat().st_size for p in movies) / 1e6
    return f"{events} events, {len(movies)} movie files, {size:.1f} MB"


def rtsp_window(home: Household, path, seconds, root: pathlib.Path, with_agent: bool,
                passthrough: bool) -> tuple[list[Row], list[str]]:
    """The agent (if with_agent) and motion on one real-time RTSP stream; CPU of each
    over the same `seconds` of wall time once both are receiving."""
    port = free_port()
    server_proc, url = rtsp.start_rtsp_server(path, port)
    procs, rows, notes = {}, [], []
    agent_log = root / "agent-rtsp.log"
    motion_root = root / ("motion-passthrough" if passthrough else "motion-encode")
    try:
        if with_agent:
            with open(agent_log, "w") as log:
                procs["agent"] = subprocess.Popen(
                    [str(harness.BIN / "vigil-agent"), "run", "--state", str(home.state),
                     "--source", url], stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT)
        procs["motion"] = start_motion(motion_root, url, passthrough)
        if with_agent and not wait_for(agent_log, r"source open: ", 60, procs["agent"]):
            raise RuntimeError(f"vigil-agent did not open the stream: "
                               f"{agent_log.read_text(errors='replace')[-3000:]}")
        if not wait_for(motion_root / "motion.log", r"connected", 60, procs["motion"]):
            log = motion_root / "motion.log"
            raise RuntimeError("motion did not connect: "
                               + (log.read_text(errors="replace")[-3000:] if log.exists() else ""))
        time.sleep(3)  # past connection set-up and the first keyframe
        pids = {name: p.pid for name, p in procs.items()}
        pids["rtsp server"] = server_proc.pid
        if with_agent:
            pids["vigild"] = home.server.proc.pid
        c0 = {name: proc_cpu(pid) for name, pid in pids.items()}
        t0 = time.monotonic()
        time.sleep(seconds)
        c1 = {name: proc_cpu(pid) for name, pid in pids.items()}
        wall = time.monotonic() - t0
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited during the window (exit {proc.returncode})")
        cpu = {name: c1[name] - c0[name] for name in pids}
        label = "(c)" if with_agent else "(d)"
        if with_agent:
            rows.append(Row(f"{label} vigil-agent on RTSP (real time)", cpu["agent"], wall))
        movie = ("movie passthrough (stores the camera's H.264)" if passthrough
                 else "Debian default movies (re-encodes, mkv q45)")
        rows.append(Row(f"{label} motion on RTSP, {movie}", cpu["motion"], wall))
        notes.append(f"{label} same window, not in the ratios: RTSP server (GStreamer) "
                     f"{cpu['rtsp server']:.1f} CPU s" +
                     (f", vigild {cpu['vigild']:.1f} CPU s" if with_agent else "") +
                     f"; window {wall:.1f} s")
    finally:
        for name in ("motion", "agent"):
            if name in procs:
                stop(procs[name], timeout=120)
        rtsp.stop_rtsp_server(server_proc)
    if with_agent:
        done = [l for l in agent_log.read_text(errors="replace").splitlines() if "done: " in l]
        notes.append(f"{label} agent: " + (done[-1].split("done: ", 1)[1] if done else
                                          "no 'done:' line"))
    notes.append(f"{label} motion: {motion_summary(motion_root)}")
    return rows, notes


# ---------------------------------------------------------------- report
def machine() -> str:
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model})"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_table(rows: list[Row], ref: Row) -> None:
    print()
    print("| scenario | CPU s | video s | CPU s per video minute | ratio to decode-only |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.name} | {r.cpu:.2f} | {r.video_s:.1f} | {r.per_min:.2f} | "
              f"{r.per_min / ref.per_min:.2f} |")
    print()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--media", type=pathlib.Path, help="H.264 file (default: vtest-1080p.mp4 "
                    "from scripts/test-media.sh)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per file measurement (median)")
    ap.add_argument("--rtsp-seconds", type=float, default=60.0, help="RTSP measurement window")
    ap.add_argument("--skip-rtsp", action="store_true", help="no RTSP / motion rows")
    ap.add_argument("--skip-motion-encode", action="store_true",
                    help="no (d) row: motion re-encoding its movies")
    ap.add_argument("--keep", action="store_true", help="keep the temp directory")
    args = ap.parse_args()

    for tool in ("ffmpeg", "ffprobe"):
        if not shutil.which(tool):
            print(f"agent_bench: {tool} not found", file=sys.stderr)
            return 2
    for b in ("vigild", "vigil", "vigil-agent"):
        if not (harness.BIN / b).is_file():
            print(f"agent_bench: {harness.BIN / b} missing (make build, or set VIGIL_BIN)",
                  file=sys.stderr)
            return 2
    have_motion = shutil.which("motion") is not None
    path = args.media or media.media("vtest-1080p.mp4")
    video_s = probe_duration(path)
    started = time.monotonic()
    print(f"bench/agent — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}")
    print(f"binaries: {harness.BIN}")
    print(f"media: {path} ({probe_video(path)}, {video_s:.1f} s)")
    print(f"load average at start: {load()}")
    rows, notes = [], []

    root = pathlib.Path(tempfile.mkdtemp(prefix="vigil-bench-agent-"))
    home = None
    try:
        home = Household(root)
        r, n = file_rows(home, path, video_s, args.repeat)
        rows += r
        notes += n
        ref, ref1, agent = r[:3]  # ref: the ratios' reference, ffmpeg's own threading
        rtsp_agent = rtsp_motion = None
        if args.skip_rtsp:
            pass
        elif not have_motion:
            notes.append("motion not installed (Debian package `motion`): no RTSP rows")
        else:
            r, n = rtsp_window(home, path, args.rtsp_seconds, root, True, True)
            rows += r
            notes += n
            rtsp_agent, rtsp_motion = r
            if not args.skip_motion_encode:
                r, n = rtsp_window(home, path, args.rtsp_seconds, root, False, False)
                rows += r
                notes += n
    finally:
        if home:
            home.close()
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    print_table(rows, ref)
    for r in rows:
        if r.runs and len(r.runs) > 1:
            notes.append(f"{r.name}: runs " + ", ".join(f"{c:.2f}" for c in r.runs) + " CPU s")
    for n in notes:
        print("  " + n)
    print()
    ratio = agent.per_min / ref.per_min
    print(f"{'PASS' if ratio <= DECODE_TARGET else 'MISS'}  agent (file, --fast) "
          f"{agent.per_min:.2f} CPU s/min = {ratio:.3f}x decode-only (target <= {DECODE_TARGET}x; "
          f"{agent.per_min / ref1.per_min:.3f}x ffmpeg -threads 1)")
    if rtsp_agent and rtsp_motion:
        ok = rtsp_agent.per_min < rtsp_motion.per_min
        print(f"{'PASS' if ok else 'MISS'}  agent (RTSP) {rtsp_agent.per_min:.2f} CPU s/min vs "
              f"motion {rtsp_motion.per_min:.2f} "
              f"({rtsp_agent.per_min / rtsp_motion.per_min:.3f}x; target < 1x)")
    else:
        print("SKIP  agent vs motion (no RTSP rows)")
    print(f"load average at end: {load()}; bench took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
