"""Writes the README's example folder: a few photos to try `catscan scan` and the web UI with.

The pictures are scikit-image's sample data (installed with the local cloud, BSD licence), so the
repository carries no image files: chelsea (a cat), astronaut, coffee and rocket (no cat), plus the
files catscan refuses (a GIF, a text file named .jpg, a 60x60 PNG).

    .venv/bin/python scripts/sample_photos.py [FOLDER]      (default: photos; `make samples`)
"""

from __future__ import annotations

import sys
from pathlib import Path

import skimage.data
from PIL import Image


def write_samples(folder: Path) -> list[Path]:
    data = Path(skimage.data.__file__).parent
    holiday = folder / "holiday"
    holiday.mkdir(parents=True, exist_ok=True)
    written = []
    for source, target in (
        ("chelsea.png", folder / "chelsea.png"),
        ("astronaut.png", folder / "astronaut.png"),
        ("rocket.jpg", holiday / "rocket.jpg"),
        ("coffee.png", holiday / "coffee.png"),
    ):
        Image.open(data / source).save(target)
        written.append(target)
    frames = [Image.new("P", (120, 120), color) for color in (1, 2)]
    frames[0].save(holiday / "anim.gif", save_all=True, append_images=frames[1:], duration=200)
    (folder / "notes.jpg").write_text("not a picture, a shopping list\n" * 40)
    Image.new("RGB", (60, 60), (90, 90, 90)).save(folder / "icon.png")
    return [*written, holiday / "anim.gif", folder / "notes.jpg", folder / "icon.png"]


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "photos")
    for path in write_samples(target):
        print(path)
