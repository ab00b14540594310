#!/usr/bin/env python3
"""Draw the integration's brand icon: a bullet camera with a signal arc.

Usage: .venv/bin/python scripts/make_icon.py [OUTPUT]
(Pillow comes with Home Assistant, so any project venv has it.)

Drawn at 4x and downscaled so edges are anti-aliased; Pillow's primitives
are not.
"""

from __future__ import annotations

from pathlib import Path
import sys

from PIL import Image, ImageDraw

SIZE = 256
SCALE = 4  # supersampling factor
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "custom_components" / "cgi_camera" / "brand" / "icon.png"

# Palette: Home Assistant-ish blue accents on a light housing, readable on
# both light and dark UI themes thanks to the dark outline.
OUTLINE = (38, 50, 56, 255)
HOUSING = (236, 239, 241, 255)
HOUSING_SHADE = (197, 206, 212, 255)
ACCENT = (3, 169, 244, 255)
LENS_DARK = (21, 32, 43, 255)
LENS_GLASS = (13, 71, 161, 255)
GLINT = (255, 255, 255, 230)
LED = (244, 67, 54, 255)


def s(v: float) -> int:
    """Scale a 256-px design coordinate to the supersampled canvas."""
    return round(v * SCALE)


# The design spans y 14..214; shift it down to centre it vertically.
DY = 14


def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
    return (s(x0), s(y0 + DY), s(x1), s(y1 + DY))


def draw_icon() -> Image.Image:
    img = Image.new("RGBA", (SIZE * SCALE, SIZE * SCALE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    w = s(7)  # outline width

    # Wall mount: plate and arm, drawn first so the housing overlaps the arm.
    d.rounded_rectangle(box(40, 196, 112, 214), radius=s(6), fill=HOUSING_SHADE,
                        outline=OUTLINE, width=w)
    d.rounded_rectangle(box(66, 150, 86, 200), radius=s(4), fill=HOUSING_SHADE,
                        outline=OUTLINE, width=w)

    # Housing (the bullet), with a darker underside band for some depth.
    d.rounded_rectangle(box(22, 98, 178, 158), radius=s(22), fill=HOUSING,
                        outline=OUTLINE, width=w)
    d.rounded_rectangle(box(30, 136, 170, 151), radius=s(7), fill=HOUSING_SHADE)
    # Sun hood on top, in the accent colour.
    d.rounded_rectangle(box(14, 82, 196, 108), radius=s(12), fill=ACCENT,
                        outline=OUTLINE, width=w)

    # Status LED.
    d.ellipse(box(40, 116, 54, 130), fill=LED, outline=OUTLINE, width=s(3))

    # Lens: bezel, glass, iris and a glint, at the front of the housing.
    cx, cy = 182, 128
    d.ellipse(box(cx - 44, cy - 44, cx + 44, cy + 44), fill=LENS_DARK,
              outline=OUTLINE, width=w)
    d.ellipse(box(cx - 30, cy - 30, cx + 30, cy + 30), fill=LENS_GLASS)
    d.ellipse(box(cx - 14, cy - 14, cx + 14, cy + 14), fill=LENS_DARK)
    d.ellipse(box(cx - 22, cy - 24, cx - 8, cy - 10), fill=GLINT)

    # Signal arcs above the lens: the camera talks over the network.
    ax, ay = 200, 62
    for r in (16, 32, 48):
        d.arc(box(ax - r, ay - r, ax + r, ay + r), start=225, end=315,
              fill=ACCENT, width=s(9))
    d.ellipse(box(ax - 7, ay - 7, ax + 7, ay + 7), fill=ACCENT)

    return img.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    draw_icon().save(out, format="PNG", optimize=True)
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
