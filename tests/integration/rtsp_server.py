#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A fake IP camera: serves an H.264 file over RTSP, looping it forever.

    /usr/bin/python3 tests/integration/rtsp_server.py --port P --path /cam FILE.mp4 [--audio]

serves rtsp://127.0.0.1:P/cam and prints "rtsp ready <url>" once listening.

The file is demuxed and parsed once into memory (access units, no decoding).
Each RTSP media is `appsrc ! h264parse ! rtph264pay`, and the appsrc is fed
those access units again and again. Every pass shifts the timestamps by the
file's duration, so the stream never ends and never jumps back in time, and
nothing is re-encoded. The RTSP sinks pace it in real time. The media is
shared, like a camera: every client sees the same running stream, and a client
that joins later starts at the next keyframe (SPS/PPS are sent with every IDR).
The stream restarts from the top of the file once all clients have left.
--audio adds a G.711 u-law (PCMU, 8 kHz mono) 440 Hz tone as a second stream.
RTP over UDP and over TCP (interleaved) are both allowed.

Needs Debian's python3-gi and gir1.2-gst-rtsp-server-1.0, so run it with
/usr/bin/python3 (a pyenv/venv python usually lacks `gi`).
"""
import argparse
import array
import math
import signal
import sys
from dataclasses import dataclass

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstApp, GstRtsp, GstRtspServer  # noqa: E402

AUDIO_RATE = 8000
AUDIO_CAPS = f"audio/x-raw,format=S16LE,layout=interleaved,rate={AUDIO_RATE},channels=1"
# The tone comes from an appsrc rather than audiotestsrc: audiotestsrc would
# make the pipeline seekable, and a later client's PLAY (Range: npt=0-) would
# then seek the shared media and fail with 503.
AUDIO_BRANCH = ("appsrc name=asrc format=time stream-type=stream max-bytes=64000 "
                "! mulawenc ! rtppcmupay name=pay1 pt=0")


@dataclass
class AccessUnit:
    """One H.264 access unit (Annex B byte-stream) with its file timestamps."""
    data: bytes
    pts: int
    dts: int
    duration: int
    delta: bool  # not a keyframe


def load_h264(path: str) -> tuple[Gst.Caps, list[AccessUnit], int]:
    """Demuxes and parses FILE's first H.264 stream; returns caps, access units, loop length (ns)."""
    pipeline = Gst.parse_launch(
        "filesrc name=src ! parsebin ! video/x-h264 "
        "! h264parse config-interval=-1 "
        "! video/x-h264,stream-format=byte-stream,alignment=au "
        "! appsink name=sink sync=false emit-signals=false max-buffers=0")
    pipeline.get_by_name("src").set_property("location", path)
    sink = pipeline.get_by_name("sink")
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    units: list[AccessUnit] = []
    caps = None
    msg = None
    while True:
        sample = sink.try_pull_sample(Gst.SECOND // 5)
        if sample is None:
            msg = bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.EOS)
            if msg is not None or sink.is_eos():
                break
            continue
        caps = caps or sample.get_caps()
        buf = sample.get_buffer()
        pts = buf.pts if buf.pts != Gst.CLOCK_TIME_NONE else buf.dts
        dts = buf.dts if buf.dts != Gst.CLOCK_TIME_NONE else pts
        units.append(AccessUnit(buf.extract_dup(0, buf.get_size()), pts, dts,
                                buf.duration if buf.duration != Gst.CLOCK_TIME_NONE else 0,
                                buf.has_flags(Gst.BufferFlags.DELTA_UNIT)))
    pipeline.set_state(Gst.State.NULL)
    if msg is not None and msg.type == Gst.MessageType.ERROR:
        err, dbg = msg.parse_error()
        raise RuntimeError(f"{path}: {err.message} ({dbg})")
    if not units or caps is None:
        raise RuntimeError(f"{path}: no H.264 video found")
    if units[0].delta:
        raise RuntimeError(f"{path}: does not start with a keyframe")
    start = min(u.pts for u in units)
    frame = units[1].pts - units[0].pts if len(units) > 1 else Gst.SECOND // 10
    end = max(u.pts + (u.duration or frame) for u in units)
    return caps, units, end - start


def tone_units(freq: int = 440, chunk_ms: int = 20) -> tuple[list[AccessUnit], int]:
    """One second of a sine tone as S16LE chunks; a whole number of cycles, so it loops seamlessly."""
    samples = array.array("h", (int(0.3 * 32767 * math.sin(2 * math.pi * freq * i / AUDIO_RATE))
                                for i in range(AUDIO_RATE)))
    if sys.byteorder != "little":
        samples.byteswap()
    raw = samples.tobytes()
    step = AUDIO_RATE * chunk_ms // 1000 * 2
    dur = chunk_ms * Gst.MSECOND
    units = [AccessUnit(raw[i:i + step], n * dur, n * dur, dur, False)
             for n, i in enumerate(range(0, len(raw), step))]
    return units, Gst.SECOND


class Feeder:
    """Feeds one media's appsrc with the file's access units, looping forever."""

    def __init__(self, appsrc: GstApp.AppSrc, units: list[AccessUnit], loop_ns: int):
        self.appsrc, self.units, self.loop_ns = appsrc, units, loop_ns
        self.base = min(min(u.pts, u.dts) for u in units)
        self.index = 0
        self.offset = 0
        appsrc.connect("need-data", self.on_need_data)

    def on_need_data(self, src: GstApp.AppSrc, _length: int) -> None:
        """Pushes the next access unit, wrapping to the first one after the last."""
        unit = self.units[self.index]
        buf = Gst.Buffer.new_wrapped(unit.data)
        buf.pts = unit.pts - self.base + self.offset
        buf.dts = unit.dts - self.base + self.offset
        buf.duration = unit.duration or Gst.CLOCK_TIME_NONE
        if unit.delta:
            buf.set_flags(Gst.BufferFlags.DELTA_UNIT)
        self.index += 1
        if self.index == len(self.units):
            self.index = 0
            self.offset += self.loop_ns
        src.push_buffer(buf)


class LoopingFactory(GstRtspServer.RTSPMediaFactory):
    """Media factory whose video source is a looping appsrc."""

    def __init__(self, caps: Gst.Caps, units: list[AccessUnit], loop_ns: int, audio: bool):
        super().__init__()
        self.caps, self.units, self.loop_ns = caps, units, loop_ns
        launch = ("( appsrc name=vsrc is-live=false format=time stream-type=stream "
                  "max-bytes=4000000 "
                  "! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 "
                  + (AUDIO_BRANCH if audio else "") + " )")
        self.set_launch(launch)
        self.set_shared(True)
        self.set_protocols(GstRtsp.RTSPLowerTrans.UDP | GstRtsp.RTSPLowerTrans.TCP)
        self.connect("media-configure", self.on_media_configure)

    def on_media_configure(self, _factory: "LoopingFactory", media: GstRtspServer.RTSPMedia) -> None:
        """Attaches a fresh feeder to each new media (it starts at the top of the file)."""
        bin_ = media.get_element()
        vsrc = bin_.get_by_name("vsrc")
        vsrc.set_caps(self.caps)
        feeders = [Feeder(vsrc, self.units, self.loop_ns)]
        asrc = bin_.get_by_name("asrc")
        if asrc is not None:
            asrc.set_caps(Gst.Caps.from_string(AUDIO_CAPS))
            feeders.append(Feeder(asrc, *tone_units()))
        media.feeders = feeders  # keep them alive with the media


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8554, help="TCP port (0: any free port)")
    parser.add_argument("--path", default="/cam", help="mount point, e.g. /cam")
    parser.add_argument("--audio", action="store_true", help="add a G.711 u-law audio stream")
    parser.add_argument("file", help="H.264 video file (MP4, MKV, ...)")
    args = parser.parse_args()
    if not args.path.startswith("/"):
        parser.error("--path must start with /")

    Gst.init(None)
    caps, units, loop_ns = load_h264(args.file)

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    server.get_mount_points().add_factory(args.path, LoopingFactory(caps, units, loop_ns, args.audio))
    # GstRTSPServer binds with SO_REUSEADDR, so a restart can reuse the port at
    # once even with connections of the killed server still in TIME_WAIT.
    if server.attach(None) == 0:
        print(f"rtsp_server: cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"rtsp ready rtsp://127.0.0.1:{server.get_bound_port()}{args.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
