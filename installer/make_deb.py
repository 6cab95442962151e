"""Package the frozen bundle as a .deb in the 统信UOS store layout (also fine on 麒麟 / Debian).

    python3 installer/make_deb.py BUNDLE_DIR VERSION OUT_DIR [--icons ICON_DIR]

Layout (appid = Debian package name, also the .desktop and icon file names)::

    /opt/apps/cn.effdesk.app/info                                      JSON: appid, name, version…
    /opt/apps/cn.effdesk.app/entries/applications/cn.effdesk.app.desktop
    /opt/apps/cn.effdesk.app/entries/icons/hicolor/<size>/apps/cn.effdesk.app.png (and .svg)
    /opt/apps/cn.effdesk.app/files/                                    the PyInstaller bundle
    /usr/share/applications/cn.effdesk.app.desktop  → the entry above  (menus on plain Debian/麒麟)
    /usr/share/icons/hicolor/<size>/apps/cn.effdesk.app.png → the icons above
    /usr/bin/effdesk → /opt/apps/cn.effdesk.app/files/effdesk          (the command line for IT)

No maintainer scripts: installing changes nothing but these files; the data stays in each
user's home (~/.local/share/EffDesk), so removing or upgrading the package never touches it.
xz compression: the dpkg of UOS 20 / older 麒麟 cannot read zstd. Plain Python (stdlib only).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

APPID = "cn.effdesk.app"
NAME_ZH = "效能办桌面工作台"
NAME_EN = "EffDesk"
INSTALL_ROOT = f"/opt/apps/{APPID}"
EXECUTABLE = f"{INSTALL_ROOT}/files/effdesk"
COMMAND_LINK = "/usr/bin/effdesk"

# The system libraries the Qt of the bundle loads from the PC (OpenGL/EGL, X11/xcb, fontconfig,
# D-Bus): the same list as installer/dev.sh (tests/package checks the two agree), without the
# ones only Qt WebEngine / Multimedia need (libnss3, libasound2), which the bundle leaves out.
DEPENDS = (
    "libegl1",
    "libgl1",
    "libopengl0",
    "libglib2.0-0",
    "libdbus-1-3",
    "libfontconfig1",
    "libfreetype6",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libx11-xcb1",
    "libxrender1",
    "libxi6",
    "libsm6",
    "libice6",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xfixes0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libxcb-sync1",
)
# Chinese glyphs for the screens: the bundle has its own font, the system's looks better.
RECOMMENDS = ("fonts-wqy-zenhei | fonts-noto-cjk",)

DESKTOP = f"""[Desktop Entry]
Type=Application
Name={NAME_ZH}
Name[zh_CN]={NAME_ZH}
GenericName=效能投诉与督查
Comment=效能投诉受理、明察暗访督查、公文通报
Comment[zh_CN]=效能投诉受理、明察暗访督查、公文通报
Exec={EXECUTABLE}
Icon={APPID}
Terminal=false
Categories=Office;
StartupNotify=true
StartupWMClass=EffDesk
"""


def numeric_version(version: str) -> str:
    """Debian version for the package: digits and dots only (UOS store rule), e.g. 0.1.0."""
    if not re.fullmatch(r"\d+(\.\d+){1,3}", version):
        raise SystemExit(f"版本号必须是数字形式（如 0.1.0）：{version}")
    return version


def _info(version: str) -> str:
    info = {
        "appid": APPID,
        "name": NAME_ZH,
        "version": version,
        "arch": ["amd64"],
        "permissions": {
            "autostart": False,
            "notification": False,
            "trayicon": False,
            "clipboard": True,
            "account": False,
            "bluetooth": False,
            "camera": False,
            "audio_record": False,
            "installed_apps": False,
        },
    }
    return json.dumps(info, ensure_ascii=False, indent=2) + "\n"


def _du_kib(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return (total + 1023) // 1024


def _control(version: str, installed_kib: int) -> str:
    return (
        f"Package: {APPID}\n"
        f"Version: {version}\n"
        "Architecture: amd64\n"
        "Section: office\n"
        "Priority: optional\n"
        "Maintainer: EffDesk <effdesk@effdesk.cn>\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        f"Description: {NAME_ZH} ({NAME_EN})\n"
        " 县级机关效能办的桌面工作台：效能投诉受理与办理时限、明察暗访督查、\n"
        " 问责与公文通报（GB/T 9704）。安装在 /opt/apps/cn.effdesk.app，\n"
        " 数据保存在各用户的 ~/.local/share/EffDesk，卸载和升级都不会删除。\n"
    )


def _link(link: Path, target: str) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)


def build(bundle: Path, version: str, out: Path, icons: Path, *, xz_level: int = 6) -> Path:
    version = numeric_version(version)
    if not (bundle / "effdesk").is_file():
        raise SystemExit(f"找不到打包好的程序：{bundle / 'effdesk'}")
    stage = out / f"stage-{version}"
    if stage.exists():
        shutil.rmtree(stage)
    app = stage / INSTALL_ROOT.lstrip("/")
    shutil.copytree(bundle, app / "files", symlinks=True)
    (app / "info").write_text(_info(version), encoding="utf-8")
    desktop = app / "entries" / "applications" / f"{APPID}.desktop"
    desktop.parent.mkdir(parents=True)
    desktop.write_text(DESKTOP, encoding="utf-8")
    shutil.copytree(icons / "hicolor", app / "entries" / "icons" / "hicolor")

    # Plain Debian / 麒麟 menus and icon themes look in /usr/share only.
    _link(
        stage / "usr/share/applications" / f"{APPID}.desktop",
        f"{INSTALL_ROOT}/entries/applications/{APPID}.desktop",
    )
    for icon in sorted((app / "entries" / "icons" / "hicolor").rglob(f"{APPID}.*")):
        rel = icon.relative_to(app / "entries" / "icons")
        _link(stage / "usr/share/icons" / rel, f"{INSTALL_ROOT}/entries/icons/{rel.as_posix()}")
    _link(stage / COMMAND_LINK.lstrip("/"), EXECUTABLE)

    debian = stage / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(_control(version, _du_kib(stage)), encoding="utf-8")
    for path in stage.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)

    deb = out / f"{APPID}_{version}_amd64.deb"
    subprocess.run(
        [
            "dpkg-deb",
            "--root-owner-group",
            "-Zxz",
            f"-z{xz_level}",
            "--build",
            str(stage),
            str(deb),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(stage)
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("version")
    parser.add_argument("out", type=Path)
    parser.add_argument("--icons", type=Path, required=True, help="make_icons.py 的输出文件夹")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(build(args.bundle, args.version, args.out, args.icons))
    return 0


if __name__ == "__main__":
    sys.exit(main())
