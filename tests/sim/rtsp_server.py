#!/usr/bin/python3
"""Standalone RTSP test-pattern server built on GStreamer's GstRtspServer.

Run with Debian's ``/usr/bin/python3`` (it has PyGObject and the GStreamer
typelibs; the test venv does not)::

    /usr/bin/python3 tests/sim/rtsp_server.py --port 8554 \
        [--path /stream0 --path /stream1] [--username admin --password secret]

Serves a live H.264 test pattern per mount path (the first path full size,
the others a smaller "sub stream"), prints ``READY <port>`` once listening
and exits cleanly on SIGTERM/SIGINT. This file must stay importable without
the venv, so it uses only the standard library and ``gi``.
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

MAIN_SIZE = (640, 360)
SUB_SIZE = (320, 180)
FRAMERATE = 15


def _has(element: str) -> bool:
    return Gst.ElementFactory.find(element) is not None


def build_launch(path: str, width: int, height: int) -> str:
    """gst-launch description of one stream (must end in a payloader "pay0")."""
    parts = [
        # is-live: frames are produced in real time, like a camera.
        "videotestsrc is-live=true pattern=smpte",
        f"video/x-raw,width={width},height={height},framerate={FRAMERATE}/1",
    ]
    label = path.strip("/").replace('"', "") or "stream"
    if _has("clockoverlay"):
        # A running clock makes a frozen picture obvious in the demo.
        parts.append(
            f'clockoverlay halignment=left valignment=top text="CGI Camera {label}" '
            'time-format="%Y-%m-%d %H:%M:%S" font-desc="Sans 14"'
        )
    elif _has("textoverlay"):
        parts.append(f'textoverlay text="CGI Camera {label}" font-desc="Sans 14"')
    parts += [
        "videoconvert",
        # zerolatency + small GOP: clients (ffprobe, HA stream) start quickly.
        f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={FRAMERATE} "
        "bitrate=800",
        "video/x-h264,profile=baseline",
        "rtph264pay name=pay0 pt=96 config-interval=1",
    ]
    return "( " + " ! ".join(parts) + " )"


def missing_elements() -> list[str]:
    wanted = ("videotestsrc", "videoconvert", "x264enc", "rtph264pay")
    return [name for name in wanted if not _has(name)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8554, help="0 = pick a free port")
    parser.add_argument("--path", action="append", dest="paths", help="mount path")
    parser.add_argument("--username")
    parser.add_argument("--password")
    args = parser.parse_args(argv)
    paths = args.paths or ["/stream0", "/stream1"]

    Gst.init(None)
    missing = missing_elements()
    if missing:
        print(
            f"ERROR missing GStreamer elements: {', '.join(missing)}", file=sys.stderr
        )
        return 2

    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))

    permissions = None
    if args.username is not None:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        # make_basic only base64-encodes "user:pass", so any password works.
        basic = GstRtspServer.RTSPAuth.make_basic(args.username, args.password or "")
        auth.add_basic(basic, token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("user", "media.factory.access", True)
        permissions.add_permission_for_role("user", "media.factory.construct", True)

    mounts = server.get_mount_points()
    for index, path in enumerate(paths):
        width, height = MAIN_SIZE if index == 0 else SUB_SIZE
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(build_launch(path, width, height))
        # Shared: every client sees the same live pipeline (like a camera).
        factory.set_shared(True)
        if permissions is not None:
            factory.set_permissions(permissions)
        mounts.add_factory(path if path.startswith("/") else "/" + path, factory)

    if server.attach(None) == 0:
        print(f"ERROR could not listen on {args.host}:{args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()

    def _quit() -> bool:
        loop.quit()
        return False  # GLib.SOURCE_REMOVE: run once

    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, _quit)

    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
