"""``effdesk render document`` and ``effdesk render sample-circular``.

``render document --id ID`` writes an issued document's stored PDF (after checking its SHA-256)
or renders a draft as a preview; ``render sample-circular`` composes a circular from the
campaign with the most findings in the chosen database (a demo office) without saving anything.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effdesk.auth import SYSTEM
from effdesk.commands.common import apply_font_option, font_option, optional_date
from effdesk.db.models import Campaign
from effdesk.enums import DocumentState
from effdesk.errors import EffDeskError

if TYPE_CHECKING:
    from effdesk.commands import CommandContext


def register_render(render_sub: Any) -> None:
    p = render_sub.add_parser("document", help="输出一件公文的 PDF（已印发的输出存档原件）")
    p.add_argument("--id", type=int, required=True, metavar="编号", help="公文的内部编号（ID）")
    p.add_argument("--out", type=Path, required=True, metavar="文件.pdf")
    font_option(p)
    p.set_defaults(handler=_render_document)

    s = render_sub.add_parser(
        "sample-circular", help="用当前数据库（演示单位）中发现问题最多的督查活动生成通报样张"
    )
    s.add_argument("--out", type=Path, required=True, metavar="文件.pdf")
    s.add_argument("--campaign", type=int, metavar="编号", help="指定督查活动（默认：问题最多的）")
    s.add_argument("--date", metavar="YYYY-MM-DD", help="成文日期（默认：今天）")
    font_option(s)
    s.set_defaults(handler=_render_sample)


def write_pdf(out: Path, data: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, out)


def print_fonts(info: Any) -> None:
    print("字体：" + "；".join(info.fonts))
    if info.fallback_chars:
        chars = "".join(sorted(info.fallback_chars))[:40]
        print(f"以下字符由其他字体代替显示：{chars}")
    if info.missing_chars:
        print(f"警告：以下字符没有任何字体可以显示：{''.join(sorted(info.missing_chars))}")


def _render_document(args: argparse.Namespace, ctx: CommandContext) -> int:
    apply_font_option(args)
    from effdesk.reports.documents import render_document
    from effdesk.services import documents as docs

    db = ctx.database()
    with db.session() as session:
        doc = docs.get_document(session, SYSTEM, args.id)
        if doc.state is not DocumentState.DRAFT and doc.pdf_file_id is None:
            rendered = render_document(session, doc, db.files_dir)
            write_pdf(args.out, rendered.pdf)
            print(
                f"注意：公文 {doc.number}「{doc.title}」没有存档的印发原件，"
                f"已按登记内容重新排版生成副本：{args.out}（{rendered.info.pages}页）",
                file=sys.stderr,
            )
            print_fonts(rendered.info)
            return 0
        if doc.state is not DocumentState.DRAFT:
            check = docs.stored_pdf(session, SYSTEM, doc.id, db.files_dir)
            if not check.ok:
                raise EffDeskError(check.problem)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(check.path, args.out)
            state = f"{doc.state.label}，{doc.number}"
            if doc.state is DocumentState.VOIDED:
                state += f"，作废原因：{doc.void_reason}"
            print(f"已输出存档原件：{args.out}（{state}，SHA-256 {check.sha256[:16]}… 校验一致）")
            return 0
        started = time.perf_counter()
        rendered = render_document(session, doc, db.files_dir)
        write_pdf(args.out, rendered.pdf)
        took = time.perf_counter() - started
    print(f"已生成草稿预览：{args.out}（{rendered.info.pages}页，未编号，用时{took:.1f}秒）")
    print_fonts(rendered.info)
    return 0


def _render_sample(args: argparse.Namespace, ctx: CommandContext) -> int:
    apply_font_option(args)
    from effdesk.reports.documents import render_document
    from effdesk.services import composition
    from effdesk.services import documents as docs

    today = optional_date(args.date, "成文日期") or date.today()
    db = ctx.database()
    with db.session() as session:
        campaign_id = args.campaign or composition.campaign_with_most_findings(session)
        if campaign_id is None:
            raise EffDeskError(
                "当前数据库中没有已核实的督查发现问题，无法生成通报样张。"
                "请用 --db 指定演示数据库（先运行 effdesk demo 生成）。"
            )
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise EffDeskError(f"找不到编号为 {campaign_id} 的督查活动。")
        campaign_name = campaign.name
        finding_ids = composition.usable_finding_ids(session, campaign_id)
        if not finding_ids:
            raise EffDeskError(f"督查活动「{campaign.name}」没有已核实的问题。")
        comp = composition.compose_from_findings(session, SYSTEM, finding_ids, today=today)
        number = docs.next_number_preview(session, comp.data.doc_type, today.year)
        doc = docs.transient_document(comp.data, number)
        started = time.perf_counter()
        rendered = render_document(session, doc, db.files_dir, today=today)
        took = time.perf_counter() - started
        session.rollback()  # a sample leaves no trace
    write_pdf(args.out, rendered.pdf)
    photos = sum(len(a.attachment_ids) for a in comp.data.attachments)
    print(
        f"已生成通报样张：{args.out}\n"
        f"督查活动：{campaign_name}（{len(finding_ids)}个问题，{photos}张照片）\n"
        f"样张编号：{number}（未占用编号）；{rendered.info.pages}页；"
        f"{len(rendered.pdf) / 1e6:.1f} MB；用时{took:.1f}秒"
    )
    print_fonts(rendered.info)
    return 0
