#!/usr/bin/env python3
"""Pick the README's pictures out of a browser-check run and make them small.

scripts/browser_check.py writes full-size PNGs to ``.demo/screenshots/``; this copies the
ones the README shows to ``docs/screenshots/`` with the colours reduced (PNG palette)
until each is at most :data:`MAX_BYTES`.
"""

from __future__ import annotations

import io
from pathlib import Path
import sys

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / ".demo" / "screenshots"
OUT = ROOT / "docs" / "screenshots"
MAX_BYTES = 300 * 1024

# README picture -> the browser check's file it comes from.
PICTURES: dict[str, str] = {
    "device-uid_xml.png": "device-uid_xml-000.png",
    "device-param_cgi.png": "device-param_cgi-ipc.png",
    "device-cgi_message.png": "device-cgi_message-digest.png",
    "device-cgi_action.png": "device-cgi_action-cbt.png",
    "recorder-channel.png": "device-param_cgi-nvr-channel01.png",
    "dashboard.png": "dashboard.png",
    "ptz-buttons.png": "ptz-left.png",
    "media-browser.png": "media-browser.png",
}
# Fewer colours until the picture fits; screenshots of a UI stay readable at 64.
PALETTES = (256, 128, 64, 32)


def shrink(source: Path) -> bytes:
    """``source`` as a palette PNG of at most MAX_BYTES, or raise."""
    with Image.open(source) as image:
        rgb = image.convert("RGB")
    for colours in PALETTES:
        buffer = io.BytesIO()
        rgb.quantize(colors=colours).save(buffer, format="PNG", optimize=True)
        if buffer.tell() <= MAX_BYTES:
            return buffer.getvalue()
    raise ValueError(f"{source.name} stays above {MAX_BYTES // 1024} KB at {PALETTES[-1]} colours")


def main() -> int:
    missing = [src for src in PICTURES.values() if not (RUN / src).is_file()]
    if missing:
        print(f"error: the run in {RUN} has no {', '.join(missing)}"
              " (run scripts/screenshots without --reuse)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for name, src in PICTURES.items():
        data = shrink(RUN / src)
        (OUT / name).write_bytes(data)
        print(f"{OUT.relative_to(ROOT) / name}: {len(data) // 1024} KB (from {src})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
