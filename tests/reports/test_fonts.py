"""Font roles, system font discovery, bundled fallbacks and per-character fallback."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from effdesk.reports.fonts import (
    ENV_FONT_DIRS,
    ENV_NO_SYSTEM_FONTS,
    FallbackLog,
    FontRole,
    FontSet,
    default_font_dirs,
    system_fonts_disabled,
)
from effdesk.resources import resource_path


def _gb2312_hanzi() -> str:
    chars = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.append(bytes([hi, lo]).decode("gb2312"))
    return "".join(chars)


def test_bundled_fonts_and_licences_are_shipped() -> None:
    folder = resource_path("fonts")
    fonts = FontSet(use_system_fonts=False)
    for role in FontRole:
        face = fonts.face(role)
        assert face.bundled
        assert face.path.parent == folder
        assert face.path.exists()
    names = {p.name for p in folder.iterdir()}
    for licence in (
        "FandolFang-COPYING.txt",
        "NotoSerifCJK-LICENSE.txt",
        "WenQuanYiZenHei-LICENSE.txt",
        "GPL-2.txt",
        "ARPL-LICENSE.txt",
        "README.md",
    ):
        assert licence in names
    total = sum(p.stat().st_size for p in folder.glob("*.ttf"))
    assert total < 30e6  # subset: the repository stays reasonable


def test_describe_roles_for_the_preview(fonts: FontSet) -> None:
    assert fonts.describe() == [
        "仿宋 → FandolFang (内置)",
        "楷体 → AR PL KaitiM GB (内置)",
        "黑体 → 文泉驿正黑 (内置)",
        "小标宋 → Noto Serif SC Bold (内置)",
        "宋体 → AR PL SungtiL GB (内置)",
    ]


@pytest.mark.parametrize(
    "role", [FontRole.FANGSONG, FontRole.KAITI, FontRole.HEITI, FontRole.XIAOBIAOSONG]
)
def test_text_roles_cover_all_gb2312_hanzi(role: FontRole, fonts: FontSet) -> None:
    face = fonts.face(role)
    missing = [ch for ch in _gb2312_hanzi() if not face.has_glyph(ch)]
    assert missing == []


def test_page_number_font_has_digits_and_dash(fonts: FontSet) -> None:
    face = fonts.face(FontRole.SONG)
    for ch in "— 0123456789":
        assert face.has_glyph(ch)
    assert face.char_width("1") == pytest.approx(0.5, abs=0.05)  # half-width digits


def test_every_bundled_font_is_truetype_and_embeddable(fonts: FontSet) -> None:
    for role in FontRole:
        tt = fonts.face(role).load()
        assert tt.face.numGlyphs > 50
        assert tt.fontName.startswith("EffDesk-")


def test_split_runs_falls_back_per_character(fonts: FontSet) -> None:
    runs = fonts.split_runs("投诉人王喆反映", FontRole.FANGSONG)
    assert [r.text for r in runs] == ["投诉人王", "喆", "反映"]
    assert [r.fallback for r in runs] == [False, True, False]
    assert runs[1].face.display == "文泉驿正黑"
    assert runs[1].face.has_glyph("喆")
    log = FallbackLog()
    log.record(runs)
    assert log.fallback == {"喆": "文泉驿正黑 (内置)"}
    assert log.missing == set()


def test_split_runs_reports_missing_and_keeps_spaces(fonts: FontSet) -> None:
    runs = fonts.split_runs("A B😀", FontRole.SONG)
    assert "".join(r.text for r in runs) == "A B😀"
    assert runs[0].text == "A B"
    assert runs[-1].missing
    fallback, missing = fonts.coverage_problems("喆😀", FontRole.FANGSONG)
    assert set(fallback) == {"喆"} and missing == {"😀"}


def test_string_width_uses_the_drawn_fonts(fonts: FontSet) -> None:
    assert fonts.string_width("中国", FontRole.FANGSONG, 16) == pytest.approx(32, abs=0.5)
    assert fonts.string_width("12", FontRole.SONG, 14) == pytest.approx(14, abs=1)


def test_env_var_disables_system_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_NO_SYSTEM_FONTS, "1")
    assert system_fonts_disabled()
    assert not FontSet().use_system_fonts
    monkeypatch.setenv(ENV_NO_SYSTEM_FONTS, "0")
    assert not system_fonts_disabled()
    assert FontSet(font_dirs=[]).use_system_fonts


def test_system_fonts_preferred_when_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_NO_SYSTEM_FONTS, raising=False)
    # Pretend 黑体 (simhei.ttf) and 楷体_GB2312 are installed, in a sub-folder as on Linux.
    sub = tmp_path / "truetype" / "win"
    sub.mkdir(parents=True)
    shutil.copy(resource_path("fonts", "WenQuanYiZenHei-subset.ttf"), sub / "SimHei.TTF")
    shutil.copy(resource_path("fonts", "ARPLKaitiMGB-subset.ttf"), sub / "楷体_GB2312.ttf")
    fonts = FontSet(font_dirs=[tmp_path])
    assert not fonts.face(FontRole.HEITI).bundled
    assert fonts.face(FontRole.HEITI).display == "黑体"
    assert fonts.face(FontRole.KAITI).display == "楷体_GB2312"
    assert "黑体 → 黑体 (本机)" in fonts.describe()
    assert "楷体 → 楷体_GB2312 (本机)" in fonts.describe()
    assert fonts.face(FontRole.FANGSONG).bundled  # nothing installed for 仿宋
    # the bundled fonts still back the system ones up, character by character
    assert fonts.face(FontRole.HEITI) is not fonts.chain(FontRole.HEITI)[-1]


def test_unusable_system_font_is_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_NO_SYSTEM_FONTS, raising=False)
    (tmp_path / "simfang.ttf").write_bytes(b"OTTO" + b"\0" * 200)  # a broken/CFF file
    fonts = FontSet(font_dirs=[tmp_path])
    assert fonts.face(FontRole.FANGSONG).bundled
    assert any("simfang.ttf" in note for note in fonts.notes)


def test_font_dirs_env_var_is_searched_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_FONT_DIRS, str(tmp_path))
    assert default_font_dirs()[0] == tmp_path


def test_disabled_system_fonts_ignore_installed_ones(tmp_path: Path) -> None:
    shutil.copy(resource_path("fonts", "WenQuanYiZenHei-subset.ttf"), tmp_path / "simhei.ttf")
    fonts = FontSet(use_system_fonts=False, font_dirs=[tmp_path])
    assert fonts.face(FontRole.HEITI).bundled
