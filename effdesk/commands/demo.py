"""``effdesk demo``: build the fictional 青岚县 efficiency office into an empty database."""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from effdesk.db.base import now
from effdesk.db.engine import copy_sqlite_file, is_sqlite_url, wipe_sqlite
from effdesk.demo.generator import (
    DEFAULT_COMPLAINTS,
    DEFAULT_SEED,
    DemoRefused,
    DemoSummary,
    build_demo,
    existing_data,
)
from effdesk.paths import default_db_url, evidence_dir_for

if TYPE_CHECKING:
    from effdesk.cli import CommandContext


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "demo",
        help="生成演示数据（虚构的青岚县效能办：单位、投诉件、督查、问责、公文）",
        description="在空数据库中生成一个虚构县效能办一年的演示数据，然后运行 effdesk 即可体验。",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（默认 2026）")
    parser.add_argument(
        "--complaints",
        type=_count,
        default=DEFAULT_COMPLAINTS,
        metavar="N",
        help=f"投诉件数量（默认 {DEFAULT_COMPLAINTS}；压力测试可用 1000000）",
    )
    parser.add_argument(
        "--today",
        type=_day,
        metavar="YYYY-MM-DD",
        help="演示数据的基准日期（默认今天）；投诉件分布在此前12个月内",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="SQLite 数据库已有数据时，先把原文件改名保留，再在新文件中生成",
    )
    parser.set_defaults(handler=_demo)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」不是整数") from None
    if value < 0:
        raise argparse.ArgumentTypeError("投诉件数量不能为负数")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」不是 YYYY-MM-DD 格式的日期") from None


def _demo(args: argparse.Namespace, ctx: CommandContext) -> int:
    url = ctx.db_url or default_db_url()
    db = ctx.database()
    found = existing_data(db)
    if found:
        where = make_url(url).render_as_string()
        if not is_sqlite_url(url):
            raise DemoRefused(
                f"数据库 {where} 已有数据（{'、'.join(found)}）。演示数据只能生成到空数据库中；"
                "为免误删，PostgreSQL 数据库即使加 --force 也不会被清空。请新建一个空数据库再试。"
            )
        if not args.force:
            raise DemoRefused(
                f"数据库 {where} 已有数据（{'、'.join(found)}），演示数据只能生成到空数据库中。"
                "请用 --db 指定新的数据库文件，或加 --force 把现有文件改名保留后重新生成。"
            )
        ctx.close()
        kept = _move_aside(url)
        print(f"原数据库已改名保留：{kept}")
        db = ctx.database()

    printer = _Progress()
    try:
        summary = build_demo(
            db, seed=args.seed, complaints=args.complaints, today=args.today, progress=printer
        )
    except DemoRefused:
        raise
    except BaseException:
        print(
            "演示数据没有生成完，数据库中只有一部分数据：请删除该数据库（或加 --force）后重新生成。",
            file=sys.stderr,
        )
        raise
    printer.done()
    _print_summary(summary, ctx.db_url)
    return 0


def _move_aside(url: str) -> Path:
    """SQLite only: keep the current file (and its evidence folder) under a timestamped name."""
    database = make_url(url).database
    assert database
    path = Path(database)
    stamp = f"{now():%Y%m%d%H%M%S}"
    kept = path.with_name(f"{path.stem}.before-demo-{stamp}{path.suffix}")
    copy_sqlite_file(path, kept)
    wipe_sqlite(path)
    files = evidence_dir_for(url)
    if files.exists():
        shutil.move(str(files), str(evidence_dir_for(f"sqlite:///{kept}")))
    return kept


class _Progress:
    """Prints each stage once and the complaint count every tenth of the way."""

    def __init__(self) -> None:
        self.stage = ""
        self.next_mark = 0.0

    def __call__(self, done: int, total: int, what: str) -> None:
        if what != self.stage:
            self.stage = what
            self.next_mark = 0.1
            if what != "完成":
                print(f"{what}……", flush=True)
        if total > 1000 and done / total >= self.next_mark:
            print(f"  {done}/{total}", flush=True)
            while self.next_mark <= done / total:
                self.next_mark += 0.1

    def done(self) -> None:
        sys.stdout.flush()


def _print_summary(summary: DemoSummary, db_url: str | None) -> None:
    for line in summary.lines():
        print(line)
    print()
    print(f"演示账号（密码均为 {summary.password}，首次登录不要求改密码）：")
    for login in summary.logins:
        roles = "、".join(r.label for r in login.roles)
        print(f"  {login.username:<11} {login.display_name}（{login.title}，角色：{roles}）")
    print()
    start = "effdesk" if db_url is None else f"effdesk --db {db_url}"
    print(f"运行「{start}」打开程序，用以上任一账号登录。")
