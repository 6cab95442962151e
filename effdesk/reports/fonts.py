"""Fonts for official documents: the PC's official fonts when installed, bundled free ones otherwise.

GB/T 9704 names four typefaces (仿宋, 楷体, 黑体, 小标宋) plus 宋体 for page numbers. Offices
print with 方正小标宋简体, 仿宋_GB2312 and so on; many PCs (and every Linux desktop) lack some of
them, so each role falls back to a bundled free TrueType font (see resources/fonts/README.md).

No character may print as an empty box: ``FontSet.split_runs`` cuts a string into runs, each in
the first font of the role's chain that has a glyph for it, and marks the runs that fell back.
Every piece of text the report modules draw goes through it.

Set ``EFFDESK_NO_SYSTEM_FONTS=1`` (or pass ``use_system_fonts=False``) to ignore installed fonts,
e.g. in tests, so output is the same on every machine. ``EFFDESK_FONT_DIRS`` (os.pathsep separated)
adds folders searched before the usual ones.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from effdesk.resources import resource_path

ENV_NO_SYSTEM_FONTS = "EFFDESK_NO_SYSTEM_FONTS"
ENV_FONT_DIRS = "EFFDESK_FONT_DIRS"


class FontRole(StrEnum):
    FANGSONG = "fangsong"
    KAITI = "kaiti"
    HEITI = "heiti"
    XIAOBIAOSONG = "xiaobiaosong"
    SONG = "song"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    FontRole.FANGSONG: "仿宋",
    FontRole.KAITI: "楷体",
    FontRole.HEITI: "黑体",
    FontRole.XIAOBIAOSONG: "小标宋",
    FontRole.SONG: "宋体",
}


@dataclass(frozen=True)
class _Candidate:
    """A font file looked for by name; ``index`` picks the face inside a .ttc collection."""

    filename: str
    display: str
    index: int = 0


# File names as installed by Windows, by the 方正/中易 font packs, and by UOS/Kylin, which copy
# the Windows files. Checked case-insensitively, in order of preference.
_SYSTEM_CANDIDATES: dict[FontRole, tuple[_Candidate, ...]] = {
    FontRole.XIAOBIAOSONG: (
        _Candidate("FZXBSJW.TTF", "方正小标宋简体"),
        _Candidate("FZXBSJW--GB1-0.ttf", "方正小标宋简体"),
        _Candidate("方正小标宋简体.ttf", "方正小标宋简体"),
        _Candidate("方正小标宋_GBK.ttf", "方正小标宋_GBK"),
        _Candidate("FZXBSK.TTF", "方正小标宋_GBK"),
    ),
    FontRole.FANGSONG: (
        _Candidate("仿宋_GB2312.ttf", "仿宋_GB2312"),
        _Candidate("FangSong_GB2312.ttf", "仿宋_GB2312"),
        _Candidate("fs_GB2312.ttf", "仿宋_GB2312"),
        _Candidate("simfang.ttf", "仿宋"),
        _Candidate("FZFSJW.TTF", "方正仿宋简体"),
        _Candidate("方正仿宋简体.ttf", "方正仿宋简体"),
        _Candidate("STFANGSO.TTF", "华文仿宋"),
    ),
    FontRole.KAITI: (
        _Candidate("楷体_GB2312.ttf", "楷体_GB2312"),
        _Candidate("KaiTi_GB2312.ttf", "楷体_GB2312"),
        _Candidate("kaiti_GB2312.ttf", "楷体_GB2312"),
        _Candidate("simkai.ttf", "楷体"),
        _Candidate("FZKTJW.TTF", "方正楷体简体"),
        _Candidate("方正楷体简体.ttf", "方正楷体简体"),
        _Candidate("STKAITI.TTF", "华文楷体"),
    ),
    FontRole.HEITI: (
        _Candidate("simhei.ttf", "黑体"),
        _Candidate("FZHTJW.TTF", "方正黑体简体"),
        _Candidate("方正黑体简体.ttf", "方正黑体简体"),
        _Candidate("STHEITI.TTF", "华文黑体"),
    ),
    FontRole.SONG: (
        _Candidate("simsun.ttc", "宋体", 0),
        _Candidate("simsun.ttf", "宋体"),
        _Candidate("FZSSJW.TTF", "方正书宋简体"),
        _Candidate("STSONG.TTF", "华文宋体"),
    ),
}

# Bundled fallbacks: (file, display name). Built by resources/fonts/build_fonts.py.
_BUNDLED: dict[FontRole, tuple[str, str]] = {
    FontRole.FANGSONG: ("FandolFang-Regular-subset.ttf", "FandolFang"),
    FontRole.KAITI: ("ARPLKaitiMGB-subset.ttf", "AR PL KaitiM GB"),
    FontRole.HEITI: ("WenQuanYiZenHei-subset.ttf", "文泉驿正黑"),
    FontRole.XIAOBIAOSONG: ("NotoSerifSC-Bold-subset.ttf", "Noto Serif SC Bold"),
    FontRole.SONG: ("ARPLSungtiLGB-subset.ttf", "AR PL SungtiL GB"),
}

# Which other roles a role borrows glyphs from, nearest in style first. The bundled
# 文泉驿正黑 (GBK and more) always ends the chain.
_FALLBACK_ORDER: dict[FontRole, tuple[FontRole, ...]] = {
    FontRole.FANGSONG: (FontRole.SONG, FontRole.KAITI, FontRole.XIAOBIAOSONG, FontRole.HEITI),
    FontRole.KAITI: (FontRole.FANGSONG, FontRole.SONG, FontRole.XIAOBIAOSONG, FontRole.HEITI),
    FontRole.HEITI: (FontRole.SONG, FontRole.FANGSONG, FontRole.XIAOBIAOSONG, FontRole.KAITI),
    FontRole.XIAOBIAOSONG: (FontRole.SONG, FontRole.HEITI, FontRole.FANGSONG, FontRole.KAITI),
    FontRole.SONG: (FontRole.FANGSONG, FontRole.XIAOBIAOSONG, FontRole.KAITI, FontRole.HEITI),
}

# Characters that never need a glyph of their own: layout handles them.
_INVISIBLE = frozenset("\u200b\u200c\u200d\ufeff")


class FontFace:
    """One concrete font file registered with ReportLab under ``name`` (loaded lazily)."""

    def __init__(self, path: Path, display: str, bundled: bool, index: int = 0) -> None:
        self.path = path
        self.display = display
        self.bundled = bundled
        self.index = index
        stem = re.sub(r"[^A-Za-z0-9]+", "", path.stem) or "font"
        self.name = f"EffDesk-{stem}-{index}-{zlib.crc32(str(path).encode()) % 10_000:04d}"
        self._font: TTFont | None = None
        self._cmap: frozenset[int] = frozenset()
        self._widths: dict[str, float] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FontFace({self.display!r}, {str(self.path)!r})"

    @property
    def label(self) -> str:
        """Name shown to users, e.g. "FandolFang (内置)" or "仿宋_GB2312 (本机)"."""
        return f"{self.display} ({'内置' if self.bundled else '本机'})"

    def load(self) -> TTFont:
        """Parse and register the font; raises ``TTFError`` for fonts ReportLab cannot embed."""
        with self._lock:
            if self._font is None:
                try:
                    font = pdfmetrics.getFont(self.name)
                except KeyError:
                    font = TTFont(self.name, str(self.path), subfontIndex=self.index)
                    pdfmetrics.registerFont(font)
                assert isinstance(font, TTFont)
                self._cmap = frozenset(font.face.charToGlyph)
                self._font = font
            return self._font

    def has_glyph(self, ch: str) -> bool:
        self.load()
        return ord(ch) in self._cmap

    @property
    def ascent(self) -> float:
        """Ascent in em units (1.0 = font size)."""
        return float(self.load().face.ascent) / 1000.0

    @property
    def descent(self) -> float:
        """Descent in em units, negative."""
        return float(self.load().face.descent) / 1000.0

    def char_width(self, ch: str) -> float:
        """Advance width of one character at size 1 (multiply by the font size)."""
        width = self._widths.get(ch)
        if width is None:
            width = float(self.load().stringWidth(ch, 1.0))
            self._widths[ch] = width
        return width

    def string_width(self, text: str, size: float) -> float:
        return sum(self.char_width(ch) for ch in text) * size


@dataclass(frozen=True)
class TextRun:
    """A piece of text drawn in one font. ``fallback`` is set when ``face`` stands in for the
    role's own font; ``missing`` when no available font has these characters."""

    face: FontFace
    text: str
    fallback: bool = False
    missing: bool = False


@dataclass(frozen=True)
class FontChoice:
    role: FontRole
    face: FontFace

    def describe(self) -> str:
        """E.g. "仿宋 → FandolFang (内置)"."""
        return f"{self.role.label} → {self.face.label}"


@dataclass
class FallbackLog:
    """Characters drawn in a stand-in font (char → font label) or in none at all."""

    fallback: dict[str, str] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    used_fonts: list[str] = field(default_factory=list)

    def record(self, runs: Iterable[TextRun]) -> None:
        for run in runs:
            if run.face.label not in self.used_fonts:
                self.used_fonts.append(run.face.label)
            if run.missing:
                self.missing.update(ch for ch in run.text if not ch.isspace())
            elif run.fallback:
                for ch in run.text:
                    if not ch.isspace():
                        self.fallback.setdefault(ch, run.face.label)


def system_fonts_disabled() -> bool:
    return os.environ.get(ENV_NO_SYSTEM_FONTS, "").strip().lower() in ("1", "true", "yes", "on")


def default_font_dirs() -> list[Path]:
    """Folders where Windows, Linux desktops (UOS, Kylin) and macOS keep fonts."""
    dirs: list[Path] = []
    extra = os.environ.get(ENV_FONT_DIRS, "")
    dirs.extend(Path(p) for p in extra.split(os.pathsep) if p.strip())
    if sys.platform.startswith("win"):
        windir = os.environ.get("WINDIR") or os.environ.get("SYSTEMROOT") or r"C:\Windows"
        dirs.append(Path(windir) / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    else:
        home = Path.home()
        dirs += [
            Path("/usr/share/fonts"),
            Path("/usr/local/share/fonts"),
            home / ".fonts",
            home / ".local" / "share" / "fonts",
            Path("/Library/Fonts"),
            home / "Library" / "Fonts",
        ]
    return dirs


def _index_font_files(dirs: Sequence[Path]) -> dict[str, Path]:
    """Lower-cased file name → path, first folder wins. Sub-folders are searched too."""
    found: dict[str, Path] = {}
    for base in dirs:
        if not base.is_dir():
            continue
        for root, _subdirs, files in os.walk(base):
            for name in files:
                if name.lower().endswith((".ttf", ".ttc", ".otf")):
                    found.setdefault(name.lower(), Path(root) / name)
    return found


class FontSet:
    """The concrete fonts standing for each role, registered with ReportLab.

    ``use_system_fonts=None`` follows the ``EFFDESK_NO_SYSTEM_FONTS`` environment variable.
    ``font_dirs`` replaces the usual system font folders (tests use it to fake installed fonts).
    """

    def __init__(
        self,
        use_system_fonts: bool | None = None,
        font_dirs: Sequence[Path] | None = None,
        bundled_dir: Path | None = None,
    ) -> None:
        if use_system_fonts is None:
            use_system_fonts = not system_fonts_disabled()
        self.use_system_fonts = use_system_fonts
        self._bundled_dir = bundled_dir or resource_path("fonts")
        self.notes: list[str] = []
        self._bundled: dict[FontRole, FontFace] = {
            role: FontFace(self._bundled_dir / fname, display, bundled=True)
            for role, (fname, display) in _BUNDLED.items()
        }
        self._faces: dict[FontRole, FontFace] = {}
        system: dict[FontRole, FontFace] = {}
        if use_system_fonts:
            dirs = list(font_dirs) if font_dirs is not None else default_font_dirs()
            system = self._discover(dirs)
        for role in FontRole:
            self._faces[role] = system.get(role) or self._bundled[role]
        self._chains: dict[FontRole, list[FontFace]] = {}
        for role in FontRole:
            chain = [self._faces[role]]
            chain += [self._faces[r] for r in _FALLBACK_ORDER[role]]
            chain += [self._bundled[role]]
            chain += [self._bundled[r] for r in _FALLBACK_ORDER[role]]
            unique: list[FontFace] = []
            for face in chain:
                if face not in unique:
                    unique.append(face)
            self._chains[role] = unique
        self._char_face: dict[tuple[FontRole, str], tuple[FontFace, bool, bool]] = {}

    def _discover(self, dirs: Sequence[Path]) -> dict[FontRole, FontFace]:
        files = _index_font_files(dirs)
        chosen: dict[FontRole, FontFace] = {}
        for role, candidates in _SYSTEM_CANDIDATES.items():
            for cand in candidates:
                path = files.get(cand.filename.lower())
                if path is None:
                    continue
                face = FontFace(path, cand.display, bundled=False, index=cand.index)
                try:
                    face.load()
                except (TTFError, OSError, ValueError, KeyError, IndexError) as exc:
                    # A CFF-outline or damaged file: note it and keep looking.
                    self.notes.append(f"{path.name} 无法嵌入 PDF（{exc}），已改用其他字体")
                    continue
                chosen[role] = face
                break
        return chosen

    def face(self, role: FontRole) -> FontFace:
        """The font standing for ``role`` (before any per-character fallback)."""
        return self._faces[role]

    def chain(self, role: FontRole) -> list[FontFace]:
        return list(self._chains[role])

    def choices(self) -> list[FontChoice]:
        return [FontChoice(role, self._faces[role]) for role in FontRole]

    def describe(self) -> list[str]:
        """One line per role for the preview, e.g. "仿宋 → FandolFang (内置)"."""
        return [choice.describe() for choice in self.choices()]

    def _face_for(self, role: FontRole, ch: str) -> tuple[FontFace, bool, bool]:
        key = (role, ch)
        hit = self._char_face.get(key)
        if hit is not None:
            return hit
        chain = self._chains[role]
        result = (chain[0], False, True)
        if ch in _INVISIBLE or ch in "\n\r\t":
            result = (chain[0], False, False)
        else:
            for i, face in enumerate(chain):
                try:
                    has = face.has_glyph(ch)
                except (TTFError, OSError):
                    continue
                if has:
                    result = (face, i > 0, False)
                    break
        self._char_face[key] = result
        return result

    def split_runs(self, text: str, role: FontRole) -> list[TextRun]:
        """Cut ``text`` into runs, each drawn in a font that has all its glyphs."""
        runs: list[TextRun] = []
        cur_face: FontFace | None = None
        cur_fb = cur_missing = False
        buf: list[str] = []
        for ch in text:
            face, fb, missing = self._face_for(role, ch)
            if ch == " " and cur_face is not None and cur_face.has_glyph(" "):
                # A space keeps the current run's font: no needless font switch.
                face, fb, missing = cur_face, cur_fb, cur_missing
            if face is not cur_face or fb != cur_fb or missing != cur_missing:
                if buf and cur_face is not None:
                    runs.append(TextRun(cur_face, "".join(buf), cur_fb, cur_missing))
                buf = []
                cur_face, cur_fb, cur_missing = face, fb, missing
            buf.append(ch)
        if buf and cur_face is not None:
            runs.append(TextRun(cur_face, "".join(buf), cur_fb, cur_missing))
        return runs

    def char_face(self, ch: str, role: FontRole) -> FontFace:
        return self._face_for(role, ch)[0]

    def string_width(self, text: str, role: FontRole, size: float) -> float:
        return sum(run.face.string_width(run.text, size) for run in self.split_runs(text, role))

    def coverage_problems(self, text: str, role: FontRole) -> tuple[dict[str, str], set[str]]:
        """(characters that would fall back → font label, characters no font has)."""
        log = FallbackLog()
        log.record(self.split_runs(text, role))
        return log.fallback, log.missing


@lru_cache(maxsize=4)
def _cached_fontset(use_system: bool, dirs_key: str) -> FontSet:
    return FontSet(use_system_fonts=use_system)


def default_fontset() -> FontSet:
    """A shared FontSet for the current environment (parsing CJK fonts takes a moment)."""
    use_system = not system_fonts_disabled()
    return _cached_fontset(use_system, os.environ.get(ENV_FONT_DIRS, ""))
