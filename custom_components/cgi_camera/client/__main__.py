"""``python -m custom_components.cgi_camera.client probe --host H --user U``.

Prints the dialect, device info and capabilities of a camera, for users and bug
reports. The password is asked for without echo, or read from the environment
variable ``CGI_CAMERA_PASSWORD`` (for scripts); there is deliberately no command-line
flag for it, since arguments show in ``ps`` and the shell history. It is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from typing import Any

import aiohttp

from .detect import detect
from .errors import CameraError
from .transport import Credentials

PASSWORD_ENV = "CGI_CAMERA_PASSWORD"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m custom_components.cgi_camera.client")
    sub = parser.add_subparsers(dest="command", required=True)
    probe = sub.add_parser(
        "probe", help="detect the dialect and list what the camera offers",
        epilog=f"The password is asked for without echo, or taken from ${PASSWORD_ENV}.",
    )
    probe.add_argument("--host", required=True)
    probe.add_argument("--port", type=int, default=80)
    probe.add_argument("--user", default="admin")
    probe.add_argument("--https", action="store_true")
    probe.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    probe.add_argument("--debug", action="store_true", help="log every request (redacted)")
    return parser


async def probe(args: argparse.Namespace, password: str) -> dict[str, Any]:
    """Detect the camera and describe it as JSON-ready data."""
    connector = aiohttp.TCPConnector(ssl=False) if args.insecure else None
    async with aiohttp.ClientSession(connector=connector) as session:
        camera = await detect(
            session, args.host, args.port, Credentials(args.user, password), https=args.https,
            verify_ssl=not args.insecure,
        )
        try:
            caps = camera.capabilities
            state = await camera.read_state(reuse_discovery=True)
            return {
                "dialect": camera.dialect,
                "device": {k: v for k, v in vars_of(camera.info).items() if v},
                "settings": {
                    str(key): {
                        "kind": str(s.kind),
                        **({"range": [s.minimum, s.maximum]} if s.minimum is not None else {}),
                        **({"options": list(s.options)} if s.options else {}),
                        **({"assumed_state": True} if s.assumed_state else {}),
                        "value": _jsonable(state.get(key)),
                    }
                    for key, s in sorted(caps.settings.items())
                },
                "actions": sorted(str(a) for a in caps.actions),
                "ptz": None
                if caps.ptz is None
                else {
                    "moves": sorted(str(m) for m in caps.ptz.moves),
                    "speed": [caps.ptz.speed_min, caps.ptz.speed_max],
                    "presets": [caps.ptz.preset_min, caps.ptz.preset_max],
                },
                "alarms": sorted(a.key for a in caps.alarms),
                "alarm_push": caps.alarm_push,
            }
        finally:
            await camera.close()


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _password() -> str:
    """From the environment when set (scripts), else asked for without echo."""
    from_env = os.environ.get(PASSWORD_ENV)
    return from_env if from_env is not None else getpass.getpass()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    password = _password()
    try:
        result = asyncio.run(probe(args, password))
    except CameraError as err:
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
