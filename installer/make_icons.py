"""The launcher icons from resources/icons/app.svg: hicolor PNGs for the .deb, an .ico for
Windows. Run with the project's Python (it uses Qt to draw the SVG and Pillow for the .ico):

    QT_QPA_PLATFORM=offscreen .venv/bin/python installer/make_icons.py OUT_DIR APPID
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QIcon

SIZES = (16, 24, 32, 48, 64, 128, 256)
SOURCE = Path(__file__).resolve().parent.parent / "resources" / "icons" / "app.svg"


def main(out: Path, appid: str) -> None:
    _app = QGuiApplication.instance() or QGuiApplication([])
    icon = QIcon(str(SOURCE))
    pngs = []
    for size in SIZES:
        folder = out / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{appid}.png"
        if not icon.pixmap(QSize(size, size)).save(str(path), "PNG"):
            raise SystemExit(f"cannot draw {SOURCE} at {size}px")
        pngs.append(path)
    scalable = out / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable / f"{appid}.svg")
    with Image.open(pngs[-1]) as biggest:
        biggest.save(out / "effdesk.ico", sizes=[(s, s) for s in SIZES])
    print(f"icons: {len(SIZES)} PNG sizes, scalable SVG, effdesk.ico in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
