"""The complaint forms read back from the PDF: A4, fonts embedded, the right text — and the
complainant's identity only where it belongs (never on forms for units, never for anonymous
complainants, never for roles without identity rights)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from unit.complaints.complaint_helpers import (
    T0,
    World,
    case_in,
    instructed,
    make_world,
    to_awaiting,
)

from effdesk import settings
from effdesk.auth import Actor
from effdesk.cli import main
from effdesk.db.engine import Database
from effdesk.db.models import AuditEntry, User, UserRole
from effdesk.enums import AuditAction, ComplaintState, HandlingMode, Role
from effdesk.errors import EffDeskError
from effdesk.reports.complaint_forms import render_complaint_form
from effdesk.reports.fonts import FontSet
from effdesk.services import complaints as svc
from effdesk.services.complaints import ComplaintForm

A4 = (595.28, 841.89)
NAME, PHONE, COMPANY = "张三丰", "13812345678", "三丰商贸有限公司"
TODAY = date(2026, 3, 10)


@pytest.fixture
def world(session: Session, actors: dict[str, Actor]) -> World:
    w = make_world(session, actors)
    settings.put(session, w.admin, "office.phone", "0571-12345")
    return w


def render(
    w: World, who: Actor, case_id: int, form: ComplaintForm, out: Path, fonts: FontSet
) -> tuple[str, Any]:
    result = render_complaint_form(w.session, who, case_id, form, out, today=TODAY, fonts=fonts)
    with pdfplumber.open(out) as pdf:
        text = "".join(c["text"] for page in pdf.pages for c in page.chars)
        sizes = [(round(float(p.width), 2), round(float(p.height), 2)) for p in pdf.pages]
    assert sizes and all(s == A4 for s in sizes), sizes
    assert result.pages == len(sizes)
    return text, result


def investigating_with_chases(w: World) -> int:
    case = case_in(w, ComplaintState.INVESTIGATING)
    svc.remind(
        w.session, w.clerk, case.id, "请于3月20日前报送办理情况。", at=T0 + timedelta(days=1)
    )
    svc.supervise(
        w.session,
        w.clerk,
        case.id,
        f"来电人{NAME}（{PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}）反映强烈，请主要负责同志亲自过问。",
        report_by=date(2026, 3, 13),
        at=T0 + timedelta(days=2),
    )
    return case.id


@pytest.mark.parametrize("form", list(ComplaintForm), ids=[f.value for f in ComplaintForm])
def test_every_form_renders_a4_with_embedded_fonts(
    world: World, form: ComplaintForm, tmp_path: Path, fonts: FontSet, pdfcheck: Any
) -> None:
    if form == ComplaintForm.REPLY:
        case_id = case_in(world, ComplaintState.ANSWERED).id
    elif form == ComplaintForm.FORWARDING:
        case = case_in(world, ComplaintState.AWAITING_INSTRUCTION)
        instructed(world, case, T0 + timedelta(hours=2))
        svc.route(
            world.session,
            world.clerk,
            case.id,
            mode=HandlingMode.FORWARDED,
            forwarded_to="县人力资源和社会保障局",
            expected_version=case.version,
            at=T0 + timedelta(hours=3),
        )
        case_id = case.id
    else:
        case_id = investigating_with_chases(world)
    out = tmp_path / f"{form.value}.pdf"
    text, result = render(world, world.clerk, case_id, form, out, fonts)
    assert pdfcheck.embedded_font_problems(out) == []
    assert result.pages == 1
    number = svc.get_complaint_detail(world.session, world.inspector, case_id).number
    expected = {
        ComplaintForm.REGISTRATION: ["效能投诉受理登记表", number, "县公安局", "服务态度差"],
        ComplaintForm.INSTRUCTION: ["效能投诉件呈批单", "领导批示", "请县公安局调查核实"],
        ComplaintForm.ASSIGNMENT: ["效能投诉交办单", "承办单位", "2026年3月23日", "签收回执"],
        ComplaintForm.FORWARDING: ["关于转办群众反映问题的函", "县人力资源和社会保障局："],
        ComplaintForm.REMINDER: ["效能投诉催办通知书", "县公安局：", "请于3月20日前报送办理情况"],
        ComplaintForm.SUPERVISION: ["效能投诉督办通知书", "主要负责同志亲自过问", "2026年3月13日"],
        ComplaintForm.REPLY: ["关于您反映问题办理情况的答复", "感谢您", "0571-12345"],
    }[form]
    for piece in expected:
        assert piece in text, (form, piece)
    assert "××县机关效能建设领导小组办公室" in text


def test_internal_forms_show_identity_only_to_permitted_roles(
    world: World, tmp_path: Path, fonts: FontSet
) -> None:
    case = world.register(complainant_address="城关镇解放路1号")
    text, result = render(
        world, world.clerk, case.id, ComplaintForm.REGISTRATION, tmp_path / "c.pdf", fonts
    )
    assert NAME in text and PHONE in text and COMPANY in text and "解放路1号" in text
    assert result.identity_printed
    text, result = render(
        world, world.inspector, case.id, ComplaintForm.REGISTRATION, tmp_path / "i.pdf", fonts
    )
    assert NAME not in text and PHONE not in text and COMPANY not in text
    assert "***" in text
    assert not result.identity_printed
    entries = world.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.EXPORT)
    ).all()
    assert [e.after["identity_printed"] for e in entries] == [True, False]  # type: ignore[index]


def test_forms_for_units_never_carry_the_identity(
    world: World, tmp_path: Path, fonts: FontSet
) -> None:
    # The clerk typed the caller's name and phone into the content, too.
    case_id = investigating_with_chases(world)
    detail_case = svc.get_complaint_detail(world.session, world.clerk, case_id)
    svc.update_complaint(
        world.session,
        world.clerk,
        case_id,
        world.input(content=f"{NAME}来电（电话{PHONE[:3]} {PHONE[3:]}），称窗口推诿。"),
        expected_version=detail_case.version,
        at=T0 + timedelta(days=2, hours=1),
    )
    for form in (ComplaintForm.ASSIGNMENT, ComplaintForm.REMINDER, ComplaintForm.SUPERVISION):
        for who in (world.clerk, world.leader):
            text, result = render(world, who, case_id, form, tmp_path / f"{form}.pdf", fonts)
            assert NAME not in text, form
            assert PHONE[3:7] not in text, form
            assert COMPANY not in text, form
            if form != ComplaintForm.REMINDER:  # content / 督办 text had the identity typed in
                assert "×××" in text, form
            assert not result.identity_printed


def test_anonymous_complainant_is_never_named_in_any_form(
    world: World, tmp_path: Path, fonts: FontSet
) -> None:
    case = world.register(
        anonymous=True, complainant_name="", complainant_company="", complainant_phone=PHONE
    )
    text, _ = render(
        world, world.clerk, case.id, ComplaintForm.REGISTRATION, tmp_path / "r.pdf", fonts
    )
    assert "匿名" in text and NAME not in text and COMPANY not in text
    assert PHONE in text  # kept for the reply, shown to the clerk
    at = T0 + timedelta(hours=1)
    for drive in (to_awaiting, instructed):
        drive(world, case, at)
    text, _ = render(
        world, world.leader, case.id, ComplaintForm.INSTRUCTION, tmp_path / "i.pdf", fonts
    )
    assert "匿名" in text and NAME not in text
    answered = case_in(world, ComplaintState.ANSWERED)
    svc.update_complaint(
        world.session,
        world.clerk,
        answered.id,
        world.input(anonymous=True, complainant_name="", complainant_company=""),
        expected_version=answered.version,
        at=T0 + timedelta(days=1),
    )
    text, _ = render(
        world, world.clerk, answered.id, ComplaintForm.REPLY, tmp_path / "a.pdf", fonts
    )
    assert "投诉人：" in text and NAME not in text


def test_reply_letter_is_addressed_to_the_complainant(
    world: World, tmp_path: Path, fonts: FontSet, pdfcheck: Any
) -> None:
    case = case_in(world, ComplaintState.ANSWERED)
    out = tmp_path / "reply.pdf"
    text, result = render(world, world.clerk, case.id, ComplaintForm.REPLY, out, fonts)
    assert f"{NAME}：" in text
    assert "2026年3月2日" in text
    assert result.identity_printed
    with pdfplumber.open(out) as pdf:
        # 信函格式 (GB/T 9704 §10.1): the office's name in red between two red double lines;
        # everything else black.
        page = pdf.pages[0]
        red = "".join(c["text"] for c in page.chars if pdfcheck.is_red(c.get("non_stroking_color")))
        office = str(settings.get(world.session, "office.name"))
        assert red == office
        red_lines = [ln for ln in page.lines if pdfcheck.is_red(ln.get("stroking_color"))]
        assert len(red_lines) == 4
    text, _ = render(
        world, world.inspector, case.id, ComplaintForm.REPLY, tmp_path / "i.pdf", fonts
    )
    assert NAME not in text and "投诉人：" in text


def test_forms_that_do_not_exist_yet_are_refused(
    world: World, tmp_path: Path, fonts: FontSet
) -> None:
    case = world.register()
    with pytest.raises(EffDeskError, match="办结"):
        render_complaint_form(
            world.session, world.clerk, case.id, ComplaintForm.REPLY, tmp_path / "x.pdf"
        )
    with pytest.raises(EffDeskError, match="不是交办件"):
        render_complaint_form(
            world.session, world.clerk, case.id, ComplaintForm.ASSIGNMENT, tmp_path / "x.pdf"
        )
    with pytest.raises(EffDeskError, match="尚无催办记录"):
        render_complaint_form(
            world.session, world.clerk, case.id, ComplaintForm.REMINDER, tmp_path / "x.pdf"
        )


def test_cli_renders_a_form_and_reports_errors_in_chinese(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with db.session() as s:
        people = {}
        for name, role in (
            ("clerk", Role.CLERK),
            ("inspector", Role.INSPECTOR),
            ("leader", Role.LEADER),
            ("admin", Role.ADMIN),
        ):
            user = User(username=name, display_name=name, must_change_password=False)
            user.roles = [UserRole(role=role)]
            s.add(user)
            s.flush()
            people[name] = Actor(user.id, name, frozenset({role}), name)
        w = make_world(s, people)
        case = case_in(w, ComplaintState.ROUTED)
        number = case.number
    out = tmp_path / "交办单.pdf"
    args = ["--db", db.url, "render", "complaint-form", "--case", number]
    assert main([*args, "--form", "assignment", "--out", str(out), "--no-system-fonts"]) == 0
    assert "交办单" in capsys.readouterr().out
    with pdfplumber.open(out) as pdf:
        text = "".join(c["text"] for c in pdf.pages[0].chars)
    assert number in text and NAME not in text
    assert main([*args, "--form", "nonsense", "--out", str(out)]) == 2
    assert "没有名为「nonsense」的表单" in capsys.readouterr().err
    assert main([*args, "--form", "reply", "--out", str(tmp_path / "r.pdf")]) == 2
    assert "办结" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()
    assert not (tmp_path / "r.pdf.part").exists()
    bad = ["--db", db.url, "render", "complaint-form", "--case", "效投2026-9999"]
    assert main([*bad, "--form", "registration", "--out", str(out)]) == 2
    assert "找不到编号为「效投2026-9999」的投诉件" in capsys.readouterr().err
    assert main(["--db", db.url, "complaints", "overdue-scan", "--date", "2026-06-01"]) == 0
    assert "新增1条超期记录" in capsys.readouterr().out
    assert main(["--db", db.url, "complaints", "overdue-scan", "--date", "2026-06-01"]) == 0
    assert "新增0条超期记录" in capsys.readouterr().out


def test_registration_time_keeps_office_local_time(world: World) -> None:
    case = world.register(at=datetime(2026, 3, 2, 9, 30))
    assert svc.get_complaint_detail(world.session, world.clerk, case.id).received_at == datetime(
        2026, 3, 2, 9, 30
    )
