"""docs/screenshots/installers-*.png: what the installers' users see that a screen can show here.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_installers.py

- installers-input-method.png: the one-time message on a 统信UOS / 麒麟 session with fcitx 4
  (made from a made-up session: QT_IM_MODULE=fcitx, fcitx running).
- installers-icon.png: the launcher icon of the .deb / Windows installer at 256 px.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from effdesk.input_method import advise, qt_modules
from effdesk.ui.app import create_application
from effdesk.ui.input_notice import notice_box

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    create_application()
    plugins = qt_modules(
        ["libibusplatforminputcontextplugin.so", "libcomposeplatforminputcontextplugin.so"]
    )
    advice = advise(
        {"QT_IM_MODULE": "fcitx", "XMODIFIERS": "@im=fcitx"}, {"fcitx"}, plugins, platform="linux"
    )
    assert advice.message is not None
    box = notice_box(advice.message)
    box.show()
    QApplication.processEvents()
    box.grab().save(str(OUT / "installers-input-method.png"))
    box.close()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, str(ROOT / "installer" / "make_icons.py"), tmp, "cn.effdesk.app"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        icon = Path(tmp) / "hicolor" / "256x256" / "apps" / "cn.effdesk.app.png"
        (OUT / "installers-icon.png").write_bytes(icon.read_bytes())
    print(f"written: {OUT}/installers-*.png")


if __name__ == "__main__":
    main()
