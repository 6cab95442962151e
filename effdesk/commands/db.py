"""``effdesk db upgrade|status|copy`` and ``effdesk version``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from effdesk import __version__
from effdesk.db.engine import (
    connect,
    current_revision,
    head_revision,
    is_known_revision,
    upgrade_to_head,
)
from effdesk.errors import DatabaseTooNew

if TYPE_CHECKING:
    from effdesk.commands import CommandContext


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="数据库维护")
    db_sub = db.add_subparsers(dest="db_command", metavar="操作")
    db_sub.required = True
    up = db_sub.add_parser("upgrade", help="把数据库升级到本程序的版本")
    up.set_defaults(handler=_upgrade)
    st = db_sub.add_parser("status", help="显示数据库架构版本")
    st.set_defaults(handler=_status)
    cp = db_sub.add_parser(
        "copy",
        help="把整个数据库（含证据文件）复制到另一个空数据库，例如从 SQLite 文件迁到 PostgreSQL",
    )
    cp.add_argument(
        "--from", dest="source", metavar="地址", help="源数据库（默认：--db 或本机数据库）"
    )
    cp.add_argument(
        "--to", dest="target", metavar="地址", required=True, help="目标数据库（须为空库）"
    )
    cp.set_defaults(handler=_copy)
    ver = sub.add_parser("version", help="显示版本")
    ver.set_defaults(handler=_version)


def _upgrade(args: argparse.Namespace, ctx: CommandContext) -> int:
    # Only an explicit --db may name a new database to create; the default one never appears
    # by accident (the GUI's first start or `effdesk demo` make it).
    engine = connect(ctx.db_url, create=ctx.db_url is not None)
    try:
        before = current_revision(engine)
        backup = upgrade_to_head(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"数据库已是最新版本（{after}）。")
    else:
        print(f"数据库已从 {before or '空库'} 升级到 {after}。")
        if backup:
            print(f"升级前的备份：{backup}")
    return 0


def _status(args: argparse.Namespace, ctx: CommandContext) -> int:
    engine = connect(ctx.db_url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    if current is not None and current != head and not is_known_revision(current):
        raise DatabaseTooNew(
            f"数据库架构版本：{current}；程序版本：{head}。此数据库由更新版本的 EffDesk 创建，"
            "本程序不认识它的架构版本，无法打开或升级它：请在本机安装更新版本的 EffDesk。"
            "数据库未做任何改动。"
        )
    state = "最新" if current == head else ("未初始化" if current is None else "需要升级")
    print(f"数据库架构版本：{current or '无'}；程序版本：{head}；状态：{state}")
    return 0


def _version(args: argparse.Namespace, ctx: CommandContext) -> int:
    print(f"EffDesk {__version__}（数据库架构 {head_revision()}）")
    return 0


class _CopyProgress:
    """Progress on stderr, one line rewritten in place (a terminal only)."""

    def __init__(self) -> None:
        import sys

        self._out = sys.stderr
        self._last = ""

    def report(self, done: int, total: int, text: str = "") -> None:
        if not self._out.isatty():
            return
        line = f"{text} {done}/{total}" if total else text
        if line != self._last:
            self._out.write("\r" + line[:100].ljust((self._last and len(self._last)) or 0))
            self._out.flush()
            self._last = line

    def check(self) -> None:
        return None

    def done(self) -> None:
        if self._last:
            self._out.write("\n")


def _copy(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.db.copy import copy_database
    from effdesk.paths import default_db_url

    source = args.source or ctx.db_url or default_db_url()
    progress = _CopyProgress()
    try:
        report = copy_database(source, args.target, progress=progress)
    finally:
        progress.done()
    print(report.summary())
    return 0
