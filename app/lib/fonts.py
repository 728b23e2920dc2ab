"""The one font Pillow draws our pictures with (share cards, demo screenshots, comparison images).

DejaVu Sans (Debian's ``fonts-dejavu-core``, installed by the Dockerfile and
`.ci/apt-packages.txt`) covers accented Latin, Greek and Cyrillic names; Pillow's
own scalable default, the fallback where DejaVu is missing, draws a box for
"ú" or "Á".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(FONT_DIR / name), size)
    except OSError:  # no DejaVu on this machine: Pillow's own scalable font
        return ImageFont.load_default(size=size)
