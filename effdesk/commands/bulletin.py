"""``effdesk render bulletin --month 2026-10 --out FILE.pdf``: the monthly bulletin (简报).

Renders the bulletin of a month as the document register would print it, with the number the
next 简报 would get (a sample: no number is taken, nothing is saved). ``--save-draft`` instead
writes the draft into the register (公文通报), to be edited, numbered and issued there.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effdesk.auth import SYSTEM
from effdesk.commands.common import apply_font_option, font_option, optional_date
from effdesk.commands.documents import print_fonts, write_pdf
from effdesk.enums import DocumentType

if TYPE_CHECKING:
    from effdesk.commands import CommandContext


def register_render(render_sub: Any) -> None:
    p = render_sub.add_parser("bulletin", help="生成月度效能建设情况通报（简报）PDF")
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="通报的月份，如 2026-10")
    p.add_argument("--out", type=Path, required=True, metavar="文件.pdf")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="成文日期（默认：今天）")
    p.add_argument(
        "--save-draft",
        action="store_true",
        help="同时在公文登记中保存为简报草稿（在「公文通报」中编号印发）",
    )
    font_option(p)
    p.set_defaults(handler=_render_bulletin)


def _render_bulletin(args: argparse.Namespace, ctx: CommandContext) -> int:
    apply_font_option(args)
    from effdesk.reports.documents import render_document
    from effdesk.services import bulletin, numbering
    from effdesk.services import documents as docs
    from effdesk.services.assessment import check_period

    month = check_period(args.month)
    today = optional_date(args.date, "成文日期") or date.today()
    db = ctx.database()
    started = time.perf_counter()
    with db.session() as session:
        if args.save_draft:
            doc = bulletin.compose_bulletin(session, SYSTEM, month, today=today)
            doc.doc_date = today
            rendered = render_document(session, doc, db.files_dir, today=today)
            note = f"已保存为简报草稿（公文ID {doc.id}），请在「公文通报」中审核、编号、印发。"
        else:
            data = bulletin.bulletin_data(session, SYSTEM, month, today=today)
            serial = numbering.peek_next_number(
                session, docs.series_key(DocumentType.BULLETIN), today.year
            )
            number = docs.next_number_preview(session, DocumentType.BULLETIN, today.year)
            doc = docs.transient_document(
                docs.DocumentInput(
                    doc_type=DocumentType.BULLETIN,
                    title=bulletin.bulletin_title(month),
                    body="\n".join(bulletin.summary_paragraphs(data)),
                    issuer=data.office_name,
                    doc_date=today,
                    copy_to="县委、县人大、县政府、县政协领导，县纪委监委。",
                ),
                number,
            )
            doc.serial = serial
            rendered = render_document(session, doc, db.files_dir, today=today)
            note = f"样张编号：{number}（未占用编号，未保存）"
            session.rollback()
    write_pdf(args.out, rendered.pdf)
    took = time.perf_counter() - started
    print(
        f"已生成{month[:4]}年{int(month[5:])}月通报：{args.out}（{rendered.info.pages}页，用时{took:.1f}秒）"
    )
    print(note)
    print_fonts(rendered.info)
    return 0
