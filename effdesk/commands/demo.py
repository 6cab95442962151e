"""``effdesk demo``: build the fictional 青岚县 efficiency office into an empty database."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from effdesk.db import presence
from effdesk.db.base import now
from effdesk.db.engine import copy_sqlite_file, open_database, sqlite_file, wipe_sqlite
from effdesk.db.restore_journal import fsync_dir, fsync_tree
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
    from effdesk.commands import CommandContext


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
    path = sqlite_file(url)
    if path is not None:
        from effdesk.security.housekeeping import clean_leftovers

        with contextlib.suppress(OSError):
            clean_leftovers(path)  # a killed earlier build's folder
    if path is not None and path.exists() and path.stat().st_size:
        # An existing file: it must be empty of data, or moved aside with --force.
        db = ctx.database()
        found = existing_data(db)
        if found:
            if not args.force:
                where = make_url(url).render_as_string()
                raise DemoRefused(
                    f"数据库 {where} 已有数据（{'、'.join(found)}），演示数据只能生成到空数据库中。"
                    "请用 --db 指定新的数据库文件，或加 --force 把现有文件改名保留后重新生成。"
                )
            ctx.close()
            kept = _move_aside(url)
            print(f"原数据库已改名保留：{kept}")
        ctx.close()
    printer = _Progress()
    if path is None:
        summary = _build_in_place(args, ctx, url, printer)
    else:
        summary = _build_staged(args, path, printer)
    printer.done()
    printer.print_summary(summary, ctx.db_url)
    return 0


def _build_in_place(
    args: argparse.Namespace, ctx: CommandContext, url: str, printer: _Progress
) -> DemoSummary:
    """PostgreSQL: straight into the (empty) server database."""
    db = ctx.database()
    found = existing_data(db)
    if found:
        where = make_url(url).render_as_string(hide_password=True)
        raise DemoRefused(
            f"数据库 {where} 已有数据（{'、'.join(found)}）。演示数据只能生成到空数据库中；"
            "为免误删，PostgreSQL 数据库即使加 --force 也不会被清空。请新建一个空数据库再试。"
        )
    try:
        return build_demo(
            db, seed=args.seed, complaints=args.complaints, today=args.today, progress=printer
        )
    except DemoRefused:
        raise
    except BaseException:
        print(
            "演示数据没有生成完，数据库中只有一部分数据：请删除该数据库后重新生成。",
            file=sys.stderr,
        )
        raise


def _build_staged(args: argparse.Namespace, path: Path, printer: _Progress) -> DemoSummary:
    """SQLite: build the whole office in a private folder beside the target and move it in
    only when complete, so a killed or failed build leaves no half-built office (the folder
    is removed at the next start)."""
    stamp = f"{now():%Y%m%d%H%M%S}"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = path.parent / f".effdesk-demo-{stamp}-{os.getpid()}"
    staging.mkdir(mode=0o700)
    staged = staging / path.name
    staged_url = f"sqlite:///{staged}"
    try:
        db = open_database(staged_url, create=True)
        try:
            summary = build_demo(
                db, seed=args.seed, complaints=args.complaints, today=args.today, progress=printer
            )
        finally:
            db.dispose()
        con = sqlite3.connect(str(staged))
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        fsync_tree(staging)
        _move_in(staging, staged, staged_url, path, stamp)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary


def _move_in(staging: Path, staged: Path, staged_url: str, path: Path, stamp: str) -> None:
    url = f"sqlite:///{path}"
    with presence.exclusive(path, "生成演示数据"):
        if path.exists() and path.stat().st_size:
            db = open_database(url, migrate=False)
            try:
                found = existing_data(db)
            finally:
                db.dispose()
            if found:
                raise DemoRefused(
                    f"生成期间数据库 {path} 已被写入数据（{'、'.join(found)}），"
                    "演示数据未放入，原数据未做任何改动。"
                )
        wipe_sqlite(path)
        files = evidence_dir_for(url)
        if files.exists():
            os.replace(files, files.with_name(f"{files.name}.before-demo-{stamp}"))
        # Evidence first: a crash between the two moves leaves no database that lacks its
        # photos (the next `effdesk demo` moves the stray folder aside).
        os.replace(evidence_dir_for(staged_url), files)
        os.replace(staged, path)
        fsync_dir(path.parent)


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
    """Prints each stage once and the complaint count every tenth of the way.

    A closed output (``effdesk demo | head``) must not stop the build halfway: printing
    stops, the office is still built whole."""

    def __init__(self) -> None:
        self.stage = ""
        self.next_mark = 0.0
        self.silent = False

    def _print(self, text: str = "") -> None:
        if self.silent:
            return
        try:
            print(text, flush=True)
        except (BrokenPipeError, ValueError, OSError):
            self.silent = True
            # Further writes (and the interpreter's final flush) go nowhere.
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)

    def __call__(self, done: int, total: int, what: str) -> None:
        if what != self.stage:
            self.stage = what
            self.next_mark = 0.1
            if what != "完成":
                self._print(f"{what}……")
        if total > 1000 and done / total >= self.next_mark:
            self._print(f"  {done}/{total}")
            while self.next_mark <= done / total:
                self.next_mark += 0.1

    def done(self) -> None:
        self._print_flush()

    def _print_flush(self) -> None:
        if self.silent:
            return
        try:
            sys.stdout.flush()
        except (BrokenPipeError, ValueError, OSError):
            self.silent = True

    def print_summary(self, summary: DemoSummary, db_url: str | None) -> None:
        for line in _summary_lines(summary, db_url):
            self._print(line)


def _summary_lines(summary: DemoSummary, db_url: str | None) -> list[str]:
    out = [*summary.lines(), ""]
    out.append(f"演示账号（密码均为 {summary.password}，首次登录不要求改密码）：")
    for login in summary.logins:
        roles = "、".join(r.label for r in login.roles)
        out.append(f"  {login.username:<11} {login.display_name}（{login.title}，角色：{roles}）")
    out.append("")
    start = "effdesk" if db_url is None else f"effdesk --db {db_url}"
    out.append(f"运行「{start}」打开程序，用以上任一账号登录。")
    return out
