"""``effdesk import complaints|directory FILE [--yes]`` and ``effdesk export KIND``.

Import prints the mapping it found and the report; it refuses (exit 2) with every bad row, or
— without ``--yes`` — when a column mapping is unsure or units would be created, saying what to
confirm. Export writes an .xlsx ledger for a period (the command line acts as the system, so
the complaint ledger carries the complainants' identities; keep the file accordingly).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effdesk.auth import SYSTEM
from effdesk.commands.common import iso_date
from effdesk.errors import EffDeskError

if TYPE_CHECKING:
    from effdesk.commands import CommandContext


def register(sub: Any) -> None:
    imp = sub.add_parser("import", help="导入 Excel 台账（.xlsx、.xls、.ods）")
    imp_sub = imp.add_subparsers(dest="import_kind", metavar="类型")
    imp_sub.required = True
    for name, label in (("complaints", "投诉台账"), ("directory", "单位人员名录")):
        p = imp_sub.add_parser(name, help=f"导入{label}")
        p.add_argument("file", type=Path, metavar="文件")
        p.add_argument(
            "--yes", action="store_true", help="确认不确定的列对应和需新建的单位，直接导入"
        )
        p.add_argument("--errors", type=Path, metavar="文件", help="被拒绝时把错误清单保存到此文件")
        p.set_defaults(handler=_import, ledger_kind=name)
    tpl = imp_sub.add_parser("directory-template", help="保存单位人员名录的 Excel 模板")
    tpl.add_argument("--out", type=Path, required=True, metavar="文件.xlsx")
    tpl.set_defaults(handler=_template)

    exp = sub.add_parser("export", help="导出 Excel 台账")
    exp.add_argument(
        "kind",
        choices=["complaints", "findings", "measures", "rectifications"],
        metavar="类型",
        help="complaints 投诉、findings 督查发现问题、measures 问责、rectifications 整改",
    )
    exp.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    exp.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    exp.add_argument("--out", type=Path, required=True, metavar="文件.xlsx")
    exp.set_defaults(handler=_export)


def _import(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.reports.excel import write_import_problems
    from effdesk.services import ledger_import as li
    from effdesk.services.categories import ensure_default_categories

    kind = next(k for k in li.LedgerKind if k.value == args.ledger_kind)
    db = ctx.database()
    with db.session() as session:
        # As the app does at start: a new office's database gets the default categories.
        ensure_default_categories(session)
        plan = li.analyse(session, SYSTEM, args.file, kind)
        for sheet in plan.sheets:
            print(
                f"工作表「{sheet.name}」（{sheet.role_label}）：表头在第{sheet.header_row_number}行，"
                f"数据{len(sheet.rows)}行"
            )
            for col in sheet.columns:
                mark = "" if col.sure else f"　← 不确定（把握{int(col.confidence * 100)}%）"
                print(f"  {col.letter}列「{col.header}」→ {sheet.label_of(col.field)}{mark}")
        print(plan.skipped_text() + "。")
        if plan.problems:
            rejected = li.ImportRejected(problems=list(plan.problems), source=plan.path.name)
            if args.errors:
                write_import_problems(args.errors, plan.problems, plan.path.name)
                print(f"错误清单已保存：{args.errors}", file=sys.stderr)
            raise rejected
        report = li.commit(session, SYSTEM, plan, confirmed=args.yes)
    for line in report.lines():
        print(line)
    return 0


def _template(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.services.ledger_import import save_directory_template

    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        raise EffDeskError(f"模板文件「{out.name}」应以 .xlsx 结尾。")
    save_directory_template(out)
    print(f"已保存单位人员名录模板：{out}")
    return 0


def _export(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.reports.excel import write_ledger
    from effdesk.services import ledger_export as le

    start, end = iso_date(args.start, "开始日期"), iso_date(args.end, "结束日期")
    kind = next(k for k in le.LedgerExportKind if k.value == args.kind)
    db = ctx.database()
    with db.session() as session:
        ledger = le.build_ledger(session, SYSTEM, kind, start, end)
        result = write_ledger(args.out, ledger)
        le.record_export(session, SYSTEM, ledger, args.out.name)
    print(f"已导出《{ledger.title}》{result.rows}行：{result.path}")
    if ledger.with_identity:
        print("此台账含投诉人身份信息，请妥善保管。")
    return 0
