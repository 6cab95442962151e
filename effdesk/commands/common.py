"""What several subcommands share: dates given on the command line and the fonts option."""

from __future__ import annotations

import argparse
import os
from datetime import date

from effdesk.errors import EffDeskError
from effdesk.reports.fonts import ENV_NO_SYSTEM_FONTS


def iso_date(text: str, what: str = "日期") -> date:
    """``text`` as a date, or an EffDeskError (exit 2) naming ``what`` was mistyped."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EffDeskError(f"{what}「{text}」格式不对，应为 YYYY-MM-DD，如 2026-03-05。") from None


def optional_date(text: str | None, what: str = "日期") -> date | None:
    return iso_date(text, what) if text else None


def font_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-system-fonts",
        action="store_true",
        help="不使用本机安装的字体，只用内置字体（输出在每台电脑上都相同）",
    )


def apply_font_option(args: argparse.Namespace) -> None:
    if args.no_system_fonts:
        os.environ[ENV_NO_SYSTEM_FONTS] = "1"
