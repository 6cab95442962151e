"""``effdesk thumbnails``: rebuild the evidence store's thumbnails and print previews.

They are derived data (the originals are only read): after a disk clean-up, a restore of an
older backup, or a change of sizes, this makes every one of them again — one decode per photo.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from effdesk.commands import CommandContext


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "thumbnails",
        help="重建证据照片的缩略图和打印预览图（不改动原始文件）",
        description="删除并重新生成全部照片的缩略图和报告、公文用的打印预览图。"
        "它们由原始文件派生，随时可以重建；原始证据文件只读不改。",
    )
    parser.set_defaults(handler=_rebuild)


def _rebuild(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.database()
    store = db.evidence
    started = time.monotonic()
    last = 0.0

    def progress(done: int, total: int, _name: str) -> None:
        nonlocal last
        now = time.monotonic()
        if total and (now - last >= 2 or done == total):
            last = now
            print(f"  {done}/{total} 个文件", file=sys.stderr)

    built = store.rebuild_thumbnails(progress=progress)
    blobs = sum(1 for _ in store.iter_blobs())
    print(
        f"已重建 {built} 张缩略图和预览图（证据文件 {blobs} 个，"
        f"用时 {time.monotonic() - started:.1f} 秒）；原始文件未改动。"
    )
    return 0
