"""The recovery key sheet: one A4 page the admin prints and locks away.

The same text as :func:`effdesk.security.keys.recovery_sheet`, laid out for paper: the office,
the database id, the date, the 14 groups of the recovery key large and spaced, and what to do
with the sheet. CJK text goes through the bundled fonts (:mod:`effdesk.reports.fonts`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from effdesk.reports.fonts import FontRole, FontSet, default_fontset
from effdesk.security import keys

MM = 72 / 25.4

NOTES = (
    "用途：本机系统密钥环或密钥文件丢失（重装系统、更换电脑）时，用此密钥恢复备份。",
    "保管：请放入保密柜等安全处，不要与备份文件（U盘、移动硬盘）放在一起。",
    "警告：任何同时拿到此密钥和备份文件的人都能读取全部数据，包括投诉人身份信息。",
    "输入：恢复时按组输入，字母不分大小写；输错一个字符时软件会提示校验不通过。",
)


def _text(
    c: Canvas, fonts: FontSet, x: float, y: float, text: str, size: float, role: FontRole
) -> None:
    """Draw ``text`` at (x, y) run by run so every character has a font with its glyph."""
    for run in fonts.split_runs(text, role):
        name = run.face.load().fontName
        c.setFont(name, size)
        c.drawString(x, y, run.text)
        x += c.stringWidth(run.text, name, size)


def write_recovery_sheet(
    path: Path,
    key: bytes,
    database_id: str,
    office_name: str,
    at: datetime,
    *,
    fonts: FontSet | None = None,
) -> Path:
    """Write the one-page PDF sheet to ``path`` and return it."""
    fonts = fonts or default_fontset()
    width, height = A4
    c = Canvas(str(path), pagesize=A4)
    c.setTitle("EffDesk 备份恢复密钥")
    c.setAuthor(office_name)
    left = 25 * MM
    y = height - 35 * MM
    _text(c, fonts, left, y, "EffDesk 备份恢复密钥", 22, FontRole.HEITI)
    y -= 16 * MM
    for line in (
        f"单位：{office_name}",
        f"数据库标识：{database_id}",
        f"生成时间：{at:%Y年%m月%d日 %H:%M}",
    ):
        _text(c, fonts, left, y, line, 12, FontRole.SONG)
        y -= 8 * MM
    y -= 6 * MM
    _text(c, fonts, left, y, "恢复密钥：", 14, FontRole.HEITI)
    y -= 6 * MM
    groups = keys.recovery_key(key).split("-")
    box_top = y
    rows = [groups[i : i + 4] for i in range(0, len(groups), 4)]
    box_h = len(rows) * 12 * MM + 8 * MM
    c.setLineWidth(1.2)
    c.rect(left, box_top - box_h, width - 2 * left, box_h)
    y = box_top - 12 * MM
    for row in rows:
        x = left + 10 * MM
        for group in row:
            c.setFont("Courier-Bold", 20)
            c.drawString(x, y, group)
            x += 38 * MM
        y -= 12 * MM
    y = box_top - box_h - 14 * MM
    for note in NOTES:
        _text(c, fonts, left, y, note, 10.5, FontRole.SONG)
        y -= 8 * MM
    y -= 10 * MM
    _text(
        c,
        fonts,
        left,
        y,
        "保管人签字：________________    日期：________________",
        11,
        FontRole.SONG,
    )
    c.showPage()
    c.save()
    return path
