"""The README's pictures: every one it shows is there, small, and made by scripts/screenshots."""

from __future__ import annotations

import io
from pathlib import Path
import re

from PIL import Image
import pytest

from scripts import screenshots

ROOT = Path(__file__).parent.parent
SHOWN = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", (ROOT / "README.md").read_text())


def test_the_readme_shows_every_picture_the_script_makes() -> None:
    assert sorted(Path(p).name for p in SHOWN) == sorted(screenshots.PICTURES)


@pytest.mark.parametrize("path", SHOWN)
def test_each_picture_is_a_small_png(path: str) -> None:
    data = (ROOT / path).read_bytes()
    assert len(data) <= screenshots.MAX_BYTES
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.width >= 1000  # a full page, not a thumbnail


def test_shrink_refuses_what_cannot_fit(tmp_path: Path) -> None:
    # Noise compresses worst: no palette brings it under the limit, and that is said.
    noisy = Image.effect_noise((1280, 900), 120).convert("RGB")
    source = tmp_path / "noisy.png"
    noisy.save(source)
    with pytest.raises(ValueError, match="stays above 300 KB"):
        screenshots.shrink(source)


def test_shrink_makes_a_palette_png(tmp_path: Path) -> None:
    source = tmp_path / "page.png"
    Image.new("RGB", (1280, 900), (240, 240, 240)).save(source)
    with Image.open(io.BytesIO(screenshots.shrink(source))) as image:
        assert image.mode == "P"
