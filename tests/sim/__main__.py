"""Run simulated cameras for the demo.

    python -m tests.sim --camera uid_xml:000:8081 --camera uid_xml:002:8082 \
        [--username admin --password PW] [--rtsp-port 8554] \
        [--latency-ms 300 --jitter-ms 50 --serial]

``--latency-ms``/``--jitter-ms`` delay every answer, ``--serial`` answers one request at a
time (the rest queue), as the embedded web servers of these cameras do.

Prints one JSON line per camera, then ``READY``, then a JSON line per PTZ command a
camera receives (``{"ptz": {...}, "port": N}``: what scripts/browser_check.py checks a
button press against); runs until SIGINT/SIGTERM.
A new dialect plugs in with one entry in :data:`DIALECTS`.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time as dt_time
import json
from pathlib import Path
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from typing import Any

from .base import SimServer
from .cgi_action import CgiActionSim
from .cgi_message import CgiMessageSim
from .param_cgi import ParamCgiSim
from .rtsp import DEFAULT_PATHS, RtspServer, gstreamer_available
from .uid_xml import UidXmlSim

# Seed example models first, then made-up ones, so cameras are told apart.
_MODELS = ("MC400L", "MC200J6", "MC800S", "MC100K", "MC300P", "MC500T")


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """One ``--camera dialect:variant:port`` argument, plus its position."""

    dialect: str
    variant: str
    port: int
    index: int


@dataclass(frozen=True, slots=True)
class Common:
    username: str
    password: str
    rtsp_port: int | None


Factory = Callable[[CameraSpec, Common], SimServer]


class _EchoedPtzLog(list[Any]):
    """A simulator's ``ptz_log`` that also prints each command it records."""

    def __init__(self, sim: SimServer) -> None:
        super().__init__()
        self._sim = sim

    def append(self, command: Any) -> None:
        super().append(command)
        print(json.dumps({"ptz": command, "port": self._sim.port}, default=str), flush=True)


def _echo_ptz(sim: SimServer) -> None:
    if hasattr(sim, "ptz_log"):
        sim.ptz_log = _EchoedPtzLog(sim)


def _mac(index: int) -> str:
    # Distinct, stable MACs: the seed's example MAC with the last octet varied.
    return f"F0:00:00:29:06:{(0x9F + index) % 256:02X}"


def _model(index: int) -> str:
    return _MODELS[index] if index < len(_MODELS) else f"SIM{index}"


def _uid_xml(spec: CameraSpec, common: Common) -> SimServer:
    sim = UidXmlSim(
        variant="002" if spec.variant == "002" else "000",
        username=common.username,
        password=common.password,
        mac=_mac(spec.index),
        model=_model(spec.index),
        ptz=spec.variant == "000",  # PTZ on the 1.0.10-era camera only
        rtsp_port=common.rtsp_port or 554,
        port=spec.port,
    )
    if sim.variant == "000":
        _add_recordings(sim)
    return sim


def _add_recordings(sim: UidXmlSim) -> None:
    """A morning of SD-card recordings, playable when ffmpeg can make a real MP4."""
    today = sim.device_time().date()
    for hour, minute, mode in ((7, 30, 2), (9, 12, 4), (11, 45, 8)):
        sim.add_recording(datetime.combine(today, dt_time(hour, minute)), record_mode=mode)
    if shutil.which("ffmpeg") is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clip.mp4"
        done = subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
             "testsrc=duration=3:size=320x180:rate=10", "-pix_fmt", "yuv420p",
             "-movflags", "+faststart", str(out)],
            check=False, timeout=60,
        )
        if done.returncode == 0:
            sim.recording_bytes = out.read_bytes()


def _param_cgi(spec: CameraSpec, common: Common) -> SimServer:
    return ParamCgiSim(
        variant="nvr" if spec.variant == "nvr" else "lite" if spec.variant == "lite" else "ipc",
        username=common.username,
        password=common.password,
        mac=_mac(spec.index),
        rtsp_port=common.rtsp_port or 554,
        port=spec.port,
    )


def _cgi_message(spec: CameraSpec, common: Common) -> SimServer:
    # basic/digest: the XML envelope with that HTTP auth; plain/truncated: the seed's
    # other two answer shapes (value lines; XML without </Message>), with Basic.
    return CgiMessageSim(
        username=common.username,
        password=common.password,
        auth="digest" if spec.variant == "digest" else "basic",
        fmt="plain" if spec.variant == "plain"
        else "truncated" if spec.variant == "truncated" else "xml",
        mac=_mac(spec.index).lower(),
        ptz=spec.variant != "plain",
        rtsp_port=common.rtsp_port or 554,
        port=spec.port,
    )


def _cgi_action(spec: CameraSpec, common: Common) -> SimServer:
    # cbt / h01: the seed's two device families; post: GET refused, POST form works.
    return CgiActionSim(
        variant="h01" if spec.variant == "h01" else "post" if spec.variant == "post"
        else "cbt",
        username=common.username,
        password=common.password,
        mac=_mac(spec.index).lower().replace(":", "-"),
        device_id=f"CBT0001140101000102{spec.index:02d}",  # the unique id: one per camera
        rtsp_port=common.rtsp_port or 554,
        port=spec.port,
    )


# dialect name -> (allowed variants, factory). Future dialects: one line each,
# e.g. "param_cgi": (("default",), _param_cgi).
DIALECTS: dict[str, tuple[tuple[str, ...], Factory]] = {
    "uid_xml": (("000", "002"), _uid_xml),
    "cgi_message": (("basic", "digest", "plain", "truncated"), _cgi_message),
    "param_cgi": (("ipc", "nvr", "lite"), _param_cgi),
    "cgi_action": (("cbt", "h01", "post"), _cgi_action),
}


def parse_camera(text: str, index: int) -> CameraSpec:
    """``dialect[:variant][:port]``; variant defaults to the dialect's first."""
    parts = text.split(":")
    dialect = parts[0]
    if dialect not in DIALECTS:
        raise argparse.ArgumentTypeError(
            f"unknown dialect {dialect!r} (known: {', '.join(sorted(DIALECTS))})"
        )
    variants, _factory = DIALECTS[dialect]
    variant, port_text = variants[0], "0"
    rest = parts[1:]
    if len(rest) == 2:
        variant, port_text = rest
    elif len(rest) == 1:
        # "uid_xml:002" is a variant, "uid_xml:8081" a port.
        if rest[0] in variants:
            variant = rest[0]
        else:
            port_text = rest[0]
    elif len(rest) > 2:
        raise argparse.ArgumentTypeError(f"bad camera spec {text!r}")
    if not port_text.isdigit() or int(port_text) > 65535:
        raise argparse.ArgumentTypeError(f"bad port in camera spec {text!r}")
    port = int(port_text)
    if variant not in variants:
        raise argparse.ArgumentTypeError(
            f"unknown variant {variant!r} for {dialect} (known: {', '.join(variants)})"
        )
    return CameraSpec(dialect=dialect, variant=variant, port=port, index=index)


# Live paths each dialect's client looks for, all served by the one demo RTSP server
# (every simulated camera shows the same test picture).
RTSP_PATHS: tuple[str, ...] = (
    *DEFAULT_PATHS,  # uid_xml: /stream0 main, /stream1 sub
    *(f"/snl/live/{ch}/{st}" for ch in range(1, 9) for st in (1, 2)),  # param_cgi
    "/stream_0", "/stream_1",  # cgi_action
    "/1/h264major", "/1/h264minor",  # cgi_message
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.sim", description=__doc__)
    parser.add_argument(
        "--camera",
        action="append",
        required=True,
        metavar="DIALECT:VARIANT:PORT",
        help="e.g. uid_xml:000:8081 (PORT 0 or omitted = random)",
    )
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="123456")
    parser.add_argument(
        "--rtsp-port", type=int, default=8554, help="0 = random, -1 = no RTSP server"
    )
    parser.add_argument(
        "--rtsp-no-auth",
        action="store_true",
        help="serve RTSP without credentials (default: same as the cameras)",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="added to every answer (0)"
    )
    parser.add_argument(
        "--jitter-ms", type=float, default=0.0, help="latency varies by up to this (0)"
    )
    parser.add_argument(
        "--serial", action="store_true", help="one request at a time, the others queue"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the jitter (0)")
    return parser


def make_slow(sim: SimServer, args: argparse.Namespace, index: int) -> None:
    """Apply the slow-camera options (each camera its own reproducible jitter)."""
    sim.latency = max(0.0, args.latency_ms) / 1000
    sim.jitter = max(0.0, args.jitter_ms) / 1000
    sim.one_at_a_time = args.serial
    sim.rng = random.Random(args.seed * 1000 + index)


async def run(args: argparse.Namespace) -> int:
    try:
        specs = [parse_camera(text, i) for i, text in enumerate(args.camera)]
    except argparse.ArgumentTypeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    rtsp: RtspServer | None = None
    if args.rtsp_port >= 0:
        reason = gstreamer_available()
        if reason is None:
            rtsp = RtspServer(
                port=args.rtsp_port,
                paths=RTSP_PATHS,
                username=None if args.rtsp_no_auth else args.username,
                password=None if args.rtsp_no_auth else args.password,
            )
        else:
            print(f"WARNING: no RTSP server ({reason}); continuing", file=sys.stderr)

    sims: list[tuple[CameraSpec, SimServer]] = []
    try:
        if rtsp is not None:
            await rtsp.start()
        common = Common(args.username, args.password, rtsp.port if rtsp else None)
        for spec in specs:
            sim = DIALECTS[spec.dialect][1](spec, common)
            _echo_ptz(sim)
            make_slow(sim, args, spec.index)
            await sim.start()
            sims.append((spec, sim))
        for spec, sim in sims:
            line = {
                "dialect": spec.dialect,
                "variant": spec.variant,
                "host": sim.host,
                "port": sim.port,
                "username": args.username,
                "rtsp_port": common.rtsp_port,
                # Extras for humans/scripts; not needed by the integration.
                "rtsp_paths": list(RTSP_PATHS) if rtsp else [],
                "mac": getattr(sim, "mac", None),
                "model": getattr(sim, "model", None),
            }
            if sim.latency or sim.jitter or sim.one_at_a_time:
                line |= {"latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms,
                         "serial": args.serial}
            print(json.dumps(line), flush=True)
        print("READY", flush=True)
        await stop.wait()
    finally:
        for _spec, sim in sims:
            await sim.stop()
        if rtsp is not None:
            await rtsp.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
