"""``effdesk field export|open|pack|import`` and ``effdesk render inspection-report``.

The field laptop round trip from the command line (the GUI's 明察暗访 menu does the same):

* office: ``effdesk field export --campaign ID --out 任务包.zip``
* laptop: ``effdesk --db sqlite:///laptop.sqlite field open 任务包.zip`` (field mode)
* laptop: ``effdesk --db sqlite:///laptop.sqlite field pack --out 现场数据.zip``
* office: ``effdesk field import 现场数据.zip``

The command line acts as the system user (all permissions), as every admin command does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effdesk.auth import SYSTEM
from effdesk.commands.common import apply_font_option, font_option

if TYPE_CHECKING:
    from effdesk.commands import CommandContext


def register(sub: Any) -> None:
    field = sub.add_parser("field", help="现场笔记本：导出任务包、现场模式、现场数据包导入")
    fsub = field.add_subparsers(dest="field_command", metavar="操作")
    fsub.required = True

    e = fsub.add_parser("export", help="（办公室）把督查活动导出为任务包，带到现场笔记本")
    e.add_argument("--campaign", required=True, metavar="ID", help="督查活动编号或 UUID")
    e.add_argument("--out", type=Path, required=True, metavar="文件.zip")
    e.set_defaults(handler=_export)

    o = fsub.add_parser("open", help="（笔记本）打开任务包，本数据库进入现场模式")
    o.add_argument("file", type=Path, metavar="任务包.zip")
    o.set_defaults(handler=_open)

    p = fsub.add_parser("pack", help="（笔记本）把现场记录的问题和证据打包，带回办公室")
    p.add_argument("--out", type=Path, required=True, metavar="文件.zip")
    p.add_argument("--campaign", metavar="ID", help="督查活动编号或 UUID（本机只有一个时可省略）")
    p.set_defaults(handler=_pack)

    i = fsub.add_parser("import", help="（办公室）导入现场数据包（全部校验通过才写入）")
    i.add_argument("file", type=Path, metavar="现场数据.zip")
    i.add_argument("--campaign", metavar="ID", help="只接受属于此督查活动的数据包")
    i.set_defaults(handler=_import)


def register_render(render_sub: Any) -> None:
    r = render_sub.add_parser("inspection-report", help="督查情况报告（按单位列出问题及照片）")
    r.add_argument("--campaign", required=True, metavar="ID", help="督查活动编号或 UUID")
    r.add_argument("--out", type=Path, required=True, metavar="文件.pdf")
    r.add_argument("--include-dismissed", action="store_true", help="包括不予认定的问题")
    font_option(r)
    r.set_defaults(handler=_render_report)


def _progress(label: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int, text: str) -> None:
        print(f"\r{label} {done}/{total} {text[:40]:<40}", end="", file=sys.stderr, flush=True)
        if total and done >= total:
            print(file=sys.stderr)

    return report


def _export(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.services import inspections
    from effdesk.services.inspections.field_export import export_campaign

    _check_out_file(args.out)
    db = ctx.database()
    with db.session() as s:
        campaign = inspections.find_campaign(s, SYSTEM, args.campaign)
        result = export_campaign(s, SYSTEM, campaign.id, args.out)
    print(result.summary())
    return 0


def _check_out_file(out: Path) -> None:
    from effdesk.errors import EffDeskError

    if out.is_dir():
        raise EffDeskError(
            f"--out 指定的 {out} 是一个文件夹，需要的是要写出的文件路径（如 {out / '任务包.zip'}）。"
            "未做任何改动。"
        )


def _open(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.services.inspections.field_import import open_campaign_package

    # Setting up a field laptop makes its database, on an explicitly named path only.
    db = ctx.database(create=ctx.db_url is not None)
    with db.session() as s:
        result = open_campaign_package(s, SYSTEM, args.file)
    print(result.summary())
    return 0


def _pack(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.services.inspections.field_export import pack_findings

    _check_out_file(args.out)
    db = ctx.database()
    with db.session() as s:
        result = pack_findings(
            s,
            SYSTEM,
            db.evidence,
            args.out,
            args.campaign,
            progress=_progress("打包"),
        )
    print(result.summary())
    return 0


def _import(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.services import inspections
    from effdesk.services.inspections.field_import import import_findings_package

    db = ctx.database()
    with db.session() as s:
        expected = None
        if args.campaign:
            expected = inspections.find_campaign(s, SYSTEM, args.campaign).id
        result = import_findings_package(
            s,
            SYSTEM,
            db.evidence,
            args.file,
            expected_campaign_id=expected,
            progress=_progress("导入"),
        )
    print(result.summary())
    return 0


def _render_report(args: argparse.Namespace, ctx: CommandContext) -> int:
    apply_font_option(args)
    from effdesk.reports.inspection_report import render_inspection_report
    from effdesk.services import inspections

    db = ctx.database()
    with db.session() as s:
        campaign = inspections.find_campaign(s, SYSTEM, args.campaign)
        info = render_inspection_report(
            s,
            SYSTEM,
            db.evidence,
            campaign.id,
            args.out,
            include_dismissed=args.include_dismissed,
        )
    print(info.summary(args.out))
    if info.missing_chars:
        print(f"警告：以下字符没有任何字体可以显示：{''.join(sorted(info.missing_chars))}")
    return 0
