"""``effdesk render complaint-form`` and ``effdesk complaints overdue-scan``.

``render complaint-form --case 效投2026-0012 --form assignment --out 交办单.pdf`` prints one of
the case's forms (the command line acts as the system, so internal forms carry the identity
of a named complainant; forms for units never do). ``complaints overdue-scan`` records the
deadlines that have passed (idempotent; the app runs it at startup too).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effdesk.auth import SYSTEM
from effdesk.commands.common import apply_font_option, font_option, optional_date
from effdesk.errors import EffDeskError

if TYPE_CHECKING:
    from effdesk.commands import CommandContext

FORM_HELP = (
    "表单：registration 受理登记表、instruction 呈批单、assignment 交办单、"
    "forwarding 转办函、reminder 催办通知书、supervision 督办通知书、reply 答复函"
)


def register_render(render_sub: Any) -> None:
    p = render_sub.add_parser("complaint-form", help="输出投诉件的表单（登记表、呈批单、交办单……）")
    p.add_argument("--case", required=True, metavar="编号", help="投诉件编号，如 效投2026-0012")
    p.add_argument("--form", required=True, metavar="表单", help=FORM_HELP)
    p.add_argument("--out", type=Path, required=True, metavar="文件.pdf")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="以哪一天为准（默认：今天）")
    font_option(p)
    p.set_defaults(handler=_render_form)


def register(sub: Any) -> None:
    c = sub.add_parser("complaints", help="投诉件维护")
    c_sub = c.add_subparsers(dest="complaints_command", metavar="操作")
    c_sub.required = True
    scan = c_sub.add_parser("overdue-scan", help="记录已超过办理时限的投诉件（可重复运行）")
    scan.add_argument("--date", metavar="YYYY-MM-DD", help="以哪一天为准（默认：今天）")
    scan.set_defaults(handler=_overdue_scan)


def _render_form(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.reports.complaint_forms import render_complaint_form
    from effdesk.services import complaints
    from effdesk.services.complaints import ComplaintForm

    apply_font_option(args)
    wanted = args.form.strip().lower()
    form = next((f for f in ComplaintForm if wanted in (f.value, f.label.lower())), None)
    if form is None:
        names = "、".join(f"{f.value}（{f.label}）" for f in ComplaintForm)
        raise EffDeskError(f"没有名为「{args.form}」的表单。可用的表单：{names}。")
    today = optional_date(args.date)
    out: Path = args.out
    if out.suffix.lower() != ".pdf":
        raise EffDeskError(f"输出文件「{out}」应以 .pdf 结尾。")
    db = ctx.database()
    tmp = out.with_name(out.name + ".part")
    with db.session() as session:
        case_id = complaints.find_by_number(session, SYSTEM, args.case)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as fh:
                result = render_complaint_form(session, SYSTEM, case_id, form, fh, today=today)
        except OSError as exc:
            raise EffDeskError(f"无法写入「{out}」：{exc.strerror or exc}") from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    os.replace(tmp, out)
    print(f"已生成《{form.label}》：{out}（{result.pages}页）")
    print("字体：" + "、".join(result.fonts_used))
    if form.for_units:
        print("此表单发往承办单位，不含投诉人身份信息。")
    return 0


def _overdue_scan(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.services import complaints

    today = optional_date(args.date)
    db = ctx.database()
    with db.session() as session:
        result = complaints.scan_overdue(session, SYSTEM, today)
    print(f"超期检查完成：新增{result.events}条超期记录（{result.cases}件投诉）。")
    return 0
