"""Build the free fallback fonts bundled in resources/fonts/.

Run from the repository root (needs network access to the Debian archive through apt):

    .venv/bin/python resources/fonts/build_fonts.py

What it does, and why:
- downloads the Debian packages holding the fonts (``apt-get download``) and unpacks them;
- subsets each font to what official documents need (GB 2312 or GBK hanzi, full-width
  punctuation, ASCII), so the repository stays small;
- converts CFF-outline OpenType fonts (FandolFang, Noto Serif CJK) to TrueType ``glyf``
  outlines with cu2qu, because ReportLab embeds only TrueType outlines;
- copies each font's licence text beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "resources" / "fonts"


def gb2312_chars() -> set[str]:
    chars: set[str] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([hi, lo]).decode("gb2312"))
    return chars


def gbk_chars() -> set[str]:
    chars: set[str] = set()
    for hi in range(0x81, 0xFF):
        for lo in range(0x40, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([hi, lo]).decode("gbk"))
    return chars


def extra_chars() -> set[str]:
    """ASCII, Latin-1 and the punctuation Chinese documents use beyond GB 2312."""
    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0xA0, 0x100)}
    chars |= set(
        "—–―‘’“”…·•〔〕〈〉《》「」『』【】〖〗（）［］｛｝〇、。，．：；！？％＋－＝／～￥"
    )
    chars |= {chr(c) for c in range(0x2460, 0x2474)}  # ①..⑳
    chars |= {chr(c) for c in range(0xFF01, 0xFF5F)}  # full-width ASCII forms
    return chars


def otf_to_ttf(font: TTFont, max_err: float = 1.0) -> None:
    """Replace the CFF table by quadratic glyf outlines (after fontTools' otf2ttf snippet)."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        tt_pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(tt_pen, max_err, reverse_direction=True))
        glyphs[name] = tt_pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    del font["CFF "]
    for tag in ("VORG",):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        width = hmtx[name][0]
        hmtx[name] = (width, getattr(glyph, "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def subset_font(font: TTFont, chars: set[str]) -> None:
    options = subset.Options()
    options.layout_features = ["vert", "vrt2"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.drop_tables += ["EBDT", "EBLC", "EBSC", "DSIG", "BASE", "VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)


def rename(font: TTFont, family: str, full: str, ps_name: str) -> None:
    """Mark the subset as a modified version so it is never mistaken for the original."""
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 3, 4, 6, 16, 17):
            name.removeNames(nameID=rec.nameID)
    name.setName(family, 1, 3, 1, 0x409)
    name.setName(full, 4, 3, 1, 0x409)
    name.setName(ps_name, 6, 3, 1, 0x409)
    name.setName(f"{ps_name} (EffDesk subset)", 3, 3, 1, 0x409)


def load(path: Path, index: int = 0) -> TTFont:
    if path.suffix.lower() in (".ttc", ".otc"):
        return TTCollection(path, lazy=False).fonts[index]
    return TTFont(path, lazy=False)


FONTS = [
    # (deb, file inside, ttc index, subset, out file, family, full, ps, licence files)
    {
        "deb": "texlive-lang-chinese",
        "file": "usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf",
        "chars": "gbk",
        "out": "FandolFang-Regular-subset.ttf",
        "family": "FandolFang EffDesk",
        "ps": "FandolFang-Regular-EffDesk",
        "licence": [
            ("usr/share/doc/texlive-doc/fonts/fandol/COPYING.gz", "FandolFang-COPYING.txt"),
            ("usr/share/doc/texlive-doc/fonts/fandol/README", "FandolFang-README.txt"),
        ],
    },
    {
        "deb": "fonts-noto-cjk",
        "file": "usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
        "index_family": "Noto Serif CJK SC",
        "chars": "gb2312",
        "out": "NotoSerifSC-Bold-subset.ttf",
        "family": "Noto Serif SC Bold EffDesk",
        "ps": "NotoSerifSC-Bold-EffDesk",
        "licence": [("usr/share/doc/fonts-noto-cjk/copyright", "NotoSerifCJK-LICENSE.txt")],
    },
    {
        "deb": "fonts-wqy-zenhei",
        "file": "usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "index_family": "WenQuanYi Zen Hei",
        "chars": "gbk",
        "out": "WenQuanYiZenHei-subset.ttf",
        "family": "WenQuanYi Zen Hei EffDesk",
        "ps": "WenQuanYiZenHei-EffDesk",
        "licence": [
            ("usr/share/doc/fonts-wqy-zenhei/copyright", "WenQuanYiZenHei-LICENSE.txt"),
            ("/usr/share/common-licenses/GPL-2", "GPL-2.txt"),
        ],
    },
    {
        "deb": "fonts-arphic-gkai00mp",
        "file": "usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf",
        "chars": "gbk",
        "out": "ARPLKaitiMGB-subset.ttf",
        "family": "AR PL KaitiM GB EffDesk",
        "ps": "ARPLKaitiMGB-EffDesk",
        "licence": [("usr/share/doc/fonts-arphic-gkai00mp/copyright", "ARPL-LICENSE.txt")],
    },
    {
        "deb": "fonts-arphic-gbsn00lp",
        "file": "usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
        # Only page numbers and Latin text use 宋体 in documents; its hanzi (GB 2312 only)
        # would add nothing the other bundled fonts lack.
        "chars": "latin",
        "out": "ARPLSungtiLGB-subset.ttf",
        "family": "AR PL SungtiL GB EffDesk",
        "ps": "ARPLSungtiLGB-EffDesk",
        "licence": [("usr/share/doc/fonts-arphic-gbsn00lp/copyright", "ARPL-LICENSE.txt")],
    },
]


def fetch(deb: str, work: Path) -> Path:
    dest = work / deb
    if dest.exists():
        return dest
    subprocess.run(["apt-get", "download", deb], cwd=work, check=True)
    pkg = next(work.glob(f"{deb}_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(pkg), str(dest)], check=True)
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=None, help="download/unpack folder")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="effdesk-fonts-"))
    work.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    charsets = {
        "gb2312": gb2312_chars() | extra_chars(),
        "gbk": gbk_chars() | extra_chars(),
        "latin": extra_chars(),
    }
    for spec in FONTS:
        root = fetch(str(spec["deb"]), work)
        src = root / str(spec["file"])
        index = 0
        if "index_family" in spec:
            for i, f in enumerate(TTCollection(src).fonts):
                if f["name"].getDebugName(1) == spec["index_family"]:
                    index = i
                    break
        font = load(src, index)
        subset_font(font, charsets[str(spec["chars"])])
        if "CFF " in font:
            otf_to_ttf(font)
        rename(font, str(spec["family"]), str(spec["family"]), str(spec["ps"]))
        out = OUT / str(spec["out"])
        font.save(out)
        print(f"{out.name}: {out.stat().st_size / 1e6:.2f} MB", file=sys.stderr)
        for lic_src, lic_dst in spec["licence"]:  # type: ignore[union-attr]
            # An absolute path is a licence text of the build machine (Debian base-files).
            path = Path(lic_src) if lic_src.startswith("/") else root / lic_src
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            (OUT / lic_dst).write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
