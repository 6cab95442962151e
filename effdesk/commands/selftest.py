"""``effdesk selftest``: can this installation show EffDesk? The build's smoke test runs it on
the frozen bundle; an IT person runs it on an office PC after installing."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from effdesk.commands import CommandContext

PASSWORD_ENV = "EFFDESK_SELFTEST_PASSWORD"


def register(sub: Any) -> None:
    p = sub.add_parser("selftest", help="安装自检：中文界面、图标、字体、输入法、PDF 预览、主窗口")
    p.add_argument("--user", help="登录并打开主窗口所用的用户名（不给则不打开主窗口）")
    p.add_argument("--pdf", type=Path, help="用 PDF 预览组件打开的 PDF 文件")
    p.add_argument("--quit-after-ms", type=int, default=1500, help="主窗口显示多久后关闭")
    p.set_defaults(handler=_selftest)


def _selftest(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.ui.selftest import run_selftest  # Qt only when asked for

    return run_selftest(
        ctx.db_url,
        username=args.user,
        password=os.environ.get(PASSWORD_ENV),  # never on the command line (ps shows it)
        pdf=args.pdf,
        quit_after_ms=args.quit_after_ms,
    )
