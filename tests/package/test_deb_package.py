"""The .deb from installer/build-linux, installed into a throwaway root with ``dpkg --root``.

The root gets an empty dpkg database; ``--force-depends`` because the root has no Qt system
libraries registered (the checks below compare Depends with what the bundle really loads). The
installed program runs from inside that root with this machine's libraries, offscreen. One
module-wide story: install an older build, use it, upgrade to the new build over it, migrate and
refuse databases, remove it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import effdesk

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "installer"))

import make_deb  # noqa: E402  (installer/ is not a package)
from bundle_facts import elf_files  # noqa: E402

pytestmark = pytest.mark.package

BUILD = ROOT / "build" / "linux"
APPID = make_deb.APPID
APP_DIR = Path(make_deb.INSTALL_ROOT.lstrip("/"))
OLD_VERSION = "0.0.1"
OLD_DB = ROOT / "tests" / "migrations" / "data" / "effdesk-0001.sqlite"


def _new_deb() -> Path:
    debs = sorted(BUILD.glob(f"{APPID}_*_amd64.deb"))
    if not debs or not (BUILD / "effdesk" / "effdesk").is_file():
        pytest.fail("no .deb in build/linux: run installer/build-linux first")
    return debs[-1]


class Installed:
    """A throwaway dpkg root, the user's data folder outside it, and the installed program."""

    def __init__(self, base: Path) -> None:
        self.root = base / "root"
        self.data = base / "home" / ".local" / "share" / "EffDesk"
        for sub in ("info", "updates", "triggers"):
            (self.root / "var/lib/dpkg" / sub).mkdir(parents=True)
        for name in ("status", "available"):
            (self.root / "var/lib/dpkg" / name).touch()

    def dpkg(self, *args: str) -> str:
        done = subprocess.run(
            [
                "dpkg",
                f"--root={self.root}",
                "--force-depends",
                "--force-not-root",
                "--log=/dev/null",
                *args,
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def status(self) -> str:
        return self.dpkg("-s", APPID)

    @property
    def program(self) -> Path:
        return self.root / APP_DIR / "files" / "effdesk"

    def run(
        self, *args: str, db: Path | None = None, ok: bool = True
    ) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "EFFDESK_DATA_DIR": str(self.data),
            "EFFDESK_SELFTEST_PASSWORD": "effdesk123",
        }
        argv = [str(self.program), *(("--db", f"sqlite:///{db}") if db else ()), *args]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
        if ok:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def files_outside_dpkg(self) -> list[str]:
        found = []
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            if rel.startswith("var"):
                continue
            found.append(rel + ("/" if path.is_dir() and not path.is_symlink() else ""))
        return found


@pytest.fixture(scope="module")
def debs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The build's .deb and an older one made from the same bundle (a lower version)."""
    new = _new_deb()
    out = tmp_path_factory.mktemp("older")
    old = make_deb.build(BUILD / "effdesk", OLD_VERSION, out, BUILD / "icons", xz_level=0)
    return {"old": old, "new": new}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    yield Installed(tmp_path_factory.mktemp("dpkg"))


def test_deb_is_xz_with_numeric_version_and_no_maintainer_scripts(debs: dict[str, Path]) -> None:
    assert APPID == effdesk.APP_ID
    members = subprocess.run(
        ["ar", "t", str(debs["new"])], capture_output=True, text=True, check=True
    )
    assert members.stdout.split() == ["debian-binary", "control.tar.xz", "data.tar.xz"]
    control = subprocess.run(
        ["dpkg-deb", "--ctrl-tarfile", str(debs["new"])], capture_output=True, check=True
    )
    listing = subprocess.run(["tar", "-t"], input=control.stdout, capture_output=True, check=True)
    assert sorted(listing.stdout.decode().split()) == ["./", "./control"]
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(debs["new"]), "Package", "Version", "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Package: {APPID}" in fields
    assert re.search(r"^Version: \d+(\.\d+)+$", fields, re.M)
    assert "libxcb-cursor0" in fields


def test_install_older_build_lays_out_the_uos_store_tree(
    installed: Installed, debs: dict[str, Path]
) -> None:
    installed.dpkg("-i", str(debs["old"]))
    assert f"Version: {OLD_VERSION}" in installed.status()
    app = installed.root / APP_DIR
    info = json.loads((app / "info").read_text(encoding="utf-8"))
    assert info["appid"] == APPID and info["version"] == OLD_VERSION and info["arch"] == ["amd64"]
    desktop = app / "entries" / "applications" / f"{APPID}.desktop"
    text = desktop.read_text(encoding="utf-8")
    assert f"Exec=/{APP_DIR}/files/effdesk" in text and f"Icon={APPID}" in text
    assert (app / "entries/icons/hicolor/48x48/apps" / f"{APPID}.png").is_file()
    assert (app / "entries/icons/hicolor/scalable/apps" / f"{APPID}.svg").is_file()
    # Menus of plain Debian / 麒麟: links in /usr/share point into /opt/apps (inside this root).
    for link in (
        installed.root / "usr/share/applications" / f"{APPID}.desktop",
        installed.root / "usr/share/icons/hicolor/256x256/apps" / f"{APPID}.png",
        installed.root / "usr/bin/effdesk",
    ):
        target = os.readlink(link)
        assert target.startswith(f"/{APP_DIR}/"), target
        assert (installed.root / target.lstrip("/")).is_file()
    # Files a normal user can read and run; nothing writable by others.
    assert os.stat(installed.program).st_mode & 0o755 == 0o755
    assert all(not p.stat().st_mode & 0o002 for p in app.rglob("*") if not p.is_symlink())


def test_installed_older_build_starts_and_makes_data(installed: Installed) -> None:
    assert installed.run("version").stdout.startswith("EffDesk")
    installed.run("demo", "--complaints", "60", "--seed", "7")
    shown = installed.run("selftest", "--user", "admin", "--quit-after-ms", "200").stdout
    assert "主窗口打开并关闭" in shown and "全部通过" in shown
    assert (installed.data / "effdesk.sqlite").is_file()


def _complaints(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM complaints").fetchone()[0])


def test_upgrade_over_the_older_build_keeps_the_data(
    installed: Installed, debs: dict[str, Path]
) -> None:
    db = installed.data / "effdesk.sqlite"
    before = _complaints(db)
    installed.dpkg("-i", str(debs["new"]))
    new_version = subprocess.run(
        ["dpkg-deb", "-f", str(debs["new"]), "Version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert f"Version: {new_version}" in installed.status()
    info = json.loads((installed.root / APP_DIR / "info").read_text(encoding="utf-8"))
    assert info["version"] == new_version
    assert _complaints(db) == before > 0
    assert "已是最新版本" in installed.run("db", "upgrade", db=db).stdout


def test_installed_app_backs_up_and_migrates_an_older_database(installed: Installed) -> None:
    db = installed.data / "office-2025.sqlite"
    shutil.copy(OLD_DB, db)
    out = installed.run("db", "upgrade", db=db).stdout
    assert "升级前的备份" in out
    backups = list(installed.data.glob("office-2025.before-0001-*.sqlite"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert "状态：最新" in installed.run("db", "status", db=db).stdout


def test_installed_app_refuses_a_database_from_a_newer_effdesk(installed: Installed) -> None:
    db = installed.data / "from-newer.sqlite"
    shutil.copy(installed.data / "effdesk.sqlite", db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    done = installed.run("db", "upgrade", db=db, ok=False)
    assert done.returncode == 2
    assert "更新版本" in done.stderr
    with sqlite3.connect(db) as conn:  # untouched
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9999"


def test_remove_leaves_nothing_but_the_data_folder(installed: Installed) -> None:
    installed.dpkg("--purge", APPID)
    assert installed.files_outside_dpkg() == []
    assert (installed.data / "effdesk.sqlite").is_file()
    assert _complaints(installed.data / "effdesk.sqlite") > 0


def _dev_sh_packages() -> set[str]:
    text = (ROOT / "installer" / "dev.sh").read_text(encoding="utf-8")
    block = text.split("APT_PACKAGES=(", 1)[1].split(")", 1)[0]
    return set(block.split())


def _package_closure(names: set[str]) -> set[str]:
    """``names`` and every package they depend on, as installed on this machine."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        done = subprocess.run(
            ["dpkg-query", "-W", "-f=${Depends},${Pre-Depends}", name],
            capture_output=True,
            text=True,
        )
        for alternative in re.split(r"[,|]", done.stdout):
            dep = alternative.strip().split(" ")[0].split(":")[0]
            if dep:
                todo.append(dep)
    return seen


def _owner(path: Path) -> str:
    """The package owning a library file (dpkg records /lib or /usr/lib: merged /usr)."""
    real = Path(os.path.realpath(path))
    candidates = {str(path), str(real)}
    for p in list(candidates):
        if p.startswith("/usr/lib/"):
            candidates.add(p.removeprefix("/usr"))
        elif p.startswith("/lib/"):
            candidates.add("/usr" + p)
    for candidate in sorted(candidates):
        done = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.split(":")[0]
    return f"(no package owns {path})"


def test_depends_cover_every_library_the_bundle_loads_from_the_system() -> None:
    assert set(make_deb.DEPENDS) <= _dev_sh_packages()
    bundle = BUILD / "effdesk"
    if not bundle.is_dir():
        pytest.fail("no bundle in build/linux: run installer/build-linux first")
    inside = {p.name for p in bundle.rglob("*")}
    needed: set[str] = set()
    for elf in elf_files(bundle):
        dynamic = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True).stdout
        needed.update(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))
    from_system = sorted(needed - inside)
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    allowed = _package_closure(set(make_deb.DEPENDS)) | {"libc6", "libgcc-s1"}
    owners: dict[str, str] = {}
    for lib in from_system:
        match = re.search(rf"^\s*{re.escape(lib)} \(libc6,x86-64[^)]*\) => (\S+)$", cache, re.M)
        assert match, f"{lib}: not on this system"
        owners[lib] = _owner(Path(match.group(1)))
    assert {lib: o for lib, o in owners.items() if o not in allowed} == {}
