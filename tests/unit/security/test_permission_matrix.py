"""The permission matrix, role by role: the table itself, every service action that exists,
and every read of the complainant's identity — through the services, the audit viewer and the
printed forms (PDF text read back)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database
from effdesk.db.models import AuditEntry, Complaint, ProblemCategory, User
from effdesk.enums import (
    AssessmentCategory,
    AuditAction,
    CampaignKind,
    Channel,
    DocumentType,
    HandlingMode,
    Role,
    UnitKind,
)
from effdesk.errors import EffDeskError, PermissionDenied, ValidationErrors
from effdesk.permissions import Permission, allowed, require
from effdesk.reports.documents import render_document_bytes
from effdesk.security import backup, keys
from effdesk.services import audit_view, directory, users

C, INSP, L, A = "clerk", "inspector", "leader", "admin"
ROLE = {C: Role.CLERK, INSP: Role.INSPECTOR, L: Role.LEADER, A: Role.ADMIN}

# The specification, written out again on purpose: changing the matrix in
# effdesk/permissions.py must be confirmed here.
EXPECTED: dict[Permission, set[str]] = {
    Permission.VIEW_DIRECTORY: {C, INSP, L, A},
    Permission.EDIT_DIRECTORY: {C, L, A},
    Permission.VIEW_COMPLAINTS: {C, INSP, L, A},
    Permission.VIEW_COMPLAINANT_IDENTITY: {C, L, A},
    Permission.REGISTER_COMPLAINT: {C, L},
    Permission.HANDLE_COMPLAINT: {C, L},
    Permission.INSTRUCT_COMPLAINT: {L},
    Permission.APPROVE_EXTENSION: {L},
    Permission.SIGN_OFF_CONCLUSION: {L},
    Permission.VIEW_INSPECTIONS: {C, INSP, L, A},
    Permission.MANAGE_CAMPAIGNS: {INSP, L},
    Permission.RECORD_FINDINGS: {INSP, L},
    Permission.VERIFY_FINDINGS: {INSP, L},
    Permission.IMPORT_FIELD_PACKAGE: {INSP, L, A},
    Permission.VIEW_ACCOUNTABILITY: {C, INSP, L, A},
    Permission.DECIDE_MEASURES: {L},
    Permission.MANAGE_RECTIFICATION: {C, INSP, L},
    Permission.VOID_MEASURES: {L},
    Permission.VIEW_DOCUMENTS: {C, INSP, L, A},
    Permission.DRAFT_DOCUMENTS: {C, INSP, L},
    Permission.ISSUE_DOCUMENTS: {L},
    Permission.VOID_DOCUMENTS: {L},
    Permission.VIEW_STATISTICS: {C, INSP, L, A},
    Permission.EXPORT_LEDGERS: {C, INSP, L, A},
    Permission.EXPORT_WITH_IDENTITY: {C, L, A},
    Permission.IMPORT_LEDGERS: {C, A},
    Permission.COMPUTE_ASSESSMENT: {C, L, A},
    Permission.CLOSE_ASSESSMENT: {L, A},
    Permission.EDIT_ASSESSMENT_RULES: {L, A},
    Permission.MANAGE_USERS: {A},
    Permission.MANAGE_SETTINGS: {A},
    Permission.MANAGE_CALENDAR: {A},
    Permission.VIEW_AUDIT: {L, A},
    Permission.BACKUP: {A},
    Permission.RESTORE: {A},
}


def test_matrix_is_fully_specified() -> None:
    assert set(EXPECTED) == set(Permission)


@pytest.mark.parametrize("permission", list(Permission), ids=lambda p: p.name)
@pytest.mark.parametrize("role", [C, INSP, L, A])
def test_matrix_cell(permission: Permission, role: str) -> None:
    actor = Actor(None, role, frozenset({ROLE[role]}))
    expected = role in EXPECTED[permission]
    assert allowed(actor, permission) is expected
    if expected:
        require(actor, permission)
    else:
        with pytest.raises(PermissionDenied) as exc:
            require(actor, permission)
        assert permission.label in str(exc.value)


def test_several_roles_add_up() -> None:
    both = Actor(None, "x", frozenset({Role.INSPECTOR, Role.ADMIN}))
    assert allowed(both, Permission.RECORD_FINDINGS) and allowed(both, Permission.MANAGE_USERS)
    assert not allowed(both, Permission.ISSUE_DOCUMENTS)
    nobody = Actor(None, "y", frozenset())
    assert not any(allowed(nobody, p) for p in Permission)


# --------------------------------------------------------------------------- a small world


class World:
    def __init__(self, session: Session, actors: dict[str, Actor]) -> None:
        self.session = session
        self.actors = actors
        self.unit = directory.create_unit(
            session,
            SYSTEM,
            directory.UnitInput("县公安局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
        ).id
        cat = ProblemCategory(code="attitude", name="服务态度差")
        session.add(cat)
        session.flush()
        self.category = cat.id
        self.counter = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter

    def complaint_input(self, **kw: Any) -> Any:
        from effdesk.services import complaints

        base: dict[str, Any] = {
            "received_at": datetime(2026, 3, 2, 9, 30),
            "channel": Channel.PHONE,
            "summary": "窗口工作人员服务态度生硬，推诿不办",
            "category_id": self.category,
            "unit_id": self.unit,
            "content": "来电人称在户籍窗口办理迁移，工作人员态度生硬，让其来回跑了三趟。",
            "complainant_name": "张三丰",
            "complainant_phone": "13812345678",
            "complainant_company": "三丰商贸有限公司",
        }
        return complaints.ComplaintInput(**(base | kw))

    def register(self, **kw: Any) -> Complaint:
        from effdesk.services import complaints

        return complaints.register_complaint(
            self.session,
            self.actors[C],
            self.complaint_input(**kw),
            at=datetime(2026, 3, 2, 9, 30),
        )


@pytest.fixture
def world(session: Session, actors: dict[str, Actor]) -> World:
    return World(session, actors)


def _campaign(w: World, actor: Actor) -> object:
    from effdesk.services import inspections

    return inspections.create_campaign(
        w.session,
        actor,
        inspections.CampaignInput(
            name=f"窗口服务暗访{w.next()}",
            kind=CampaignKind.UNDERCOVER,
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 6),
            target_unit_ids=[w.unit],
        ),
    )


def _draft(w: World, actor: Actor) -> object:
    from effdesk.services import documents

    return documents.create_draft(
        w.session,
        actor,
        documents.DocumentInput(
            doc_type=DocumentType.NOTICE, title=f"关于作风建设的通知{w.next()}"
        ),
    )


def _calendar(w: World, actor: Actor) -> object:
    from effdesk.services import calendar_admin

    return calendar_admin.save_year(
        w.session, actor, 2031, [calendar_admin.HolidayDay(date(2031, 1, 1), False, "元旦")]
    )


# Every service action that exists now, with the permission it needs.
ACTIONS: list[tuple[str, Permission, Callable[[World, Actor], object]]] = [
    ("list units", Permission.VIEW_DIRECTORY, lambda w, a: directory.list_units(w.session, a)),
    (
        "create unit",
        Permission.EDIT_DIRECTORY,
        lambda w, a: directory.create_unit(
            w.session,
            a,
            directory.UnitInput(f"新单位{w.next()}", UnitKind.TOWN, AssessmentCategory.THIRD),
        ),
    ),
    (
        "change a setting",
        Permission.MANAGE_SETTINGS,
        lambda w, a: settings.put(w.session, a, "office.phone", "0571-88886666"),
    ),
    ("list users", Permission.MANAGE_USERS, lambda w, a: users.list_users(w.session, a)),
    (
        "create user",
        Permission.MANAGE_USERS,
        lambda w, a: users.create_user(
            w.session, a, users.UserInput(f"user{w.next()}", "新用户", {Role.CLERK})
        ),
    ),
    (
        "reset a password",
        Permission.MANAGE_USERS,
        lambda w, a: users.reset_password(w.session, a, w.actors[C].user_id or 0),
    ),
    (
        "read the audit log",
        Permission.VIEW_AUDIT,
        lambda w, a: audit_view.list_entries(w.session, a),
    ),
    ("register a complaint", Permission.REGISTER_COMPLAINT, None),  # type: ignore[list-item]
    ("search complaints", Permission.VIEW_COMPLAINTS, None),  # type: ignore[list-item]
    ("draft a document", Permission.DRAFT_DOCUMENTS, _draft),
    ("plan a campaign", Permission.MANAGE_CAMPAIGNS, _campaign),
    ("enter holidays", Permission.MANAGE_CALENDAR, _calendar),
]


def _complaint_action(name: str) -> Callable[[World, Actor], object]:
    from effdesk.services import complaints

    if name == "register a complaint":
        return lambda w, a: complaints.register_complaint(
            w.session, a, w.complaint_input(), at=datetime(2026, 3, 2, 9, 30)
        )
    return lambda w, a: complaints.search_complaints(w.session, a, complaints.ComplaintFilter())


@pytest.mark.parametrize("role", [C, INSP, L, A])
@pytest.mark.parametrize(("name", "permission", "call"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_service_action(
    world: World,
    role: str,
    name: str,
    permission: Permission,
    call: Callable[[World, Actor], object] | None,
) -> None:
    fn = call or _complaint_action(name)
    actor = world.actors[role]
    nested = world.session.begin_nested()
    try:
        if role in EXPECTED[permission]:
            fn(world, actor)
        else:
            with pytest.raises(PermissionDenied):
                fn(world, actor)
    finally:
        nested.rollback()


@pytest.mark.parametrize("role", [C, INSP, L, A])
def test_backup_and_restore_need_admin(
    db: Database, tmp_path: Path, role: str, actors: dict[str, Actor], session: Session
) -> None:
    session.commit()
    key = keys.generate_key()
    actor = actors[role]
    if role in EXPECTED[Permission.BACKUP]:
        archive = backup.create_backup(db, tmp_path / "bk", key, actor=actor).path
        assert archive.exists()
    else:
        with pytest.raises(PermissionDenied):
            backup.create_backup(db, tmp_path / "bk", key, actor=actor)
        archive = backup.create_backup(db, tmp_path / "bk", key).path
    if role not in EXPECTED[Permission.RESTORE]:
        with pytest.raises(PermissionDenied):
            backup.restore_backup(archive, key, db.url, actor=actor)


# --------------------------------------------------------------------------- confidential reads


def _identity_entries(session: Session) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.READ_IDENTITY))
    )


@pytest.mark.parametrize("role", [C, INSP, L, A])
def test_case_detail_identity_by_role(world: World, role: str) -> None:
    from effdesk.services import complaints

    case = world.register()
    before = len(_identity_entries(world.session))
    detail = complaints.get_complaint_detail(world.session, world.actors[role], case.id)
    shown = role in EXPECTED[Permission.VIEW_COMPLAINANT_IDENTITY]
    values = [
        detail.complainant_name,
        detail.complainant_phone,
        detail.complainant_company,
    ]
    if shown:
        assert values == ["张三丰", "13812345678", "三丰商贸有限公司"]
        assert len(_identity_entries(world.session)) == before + 1  # the read is audited
    else:
        assert "张三丰" not in str(values) and "13812345678" not in str(values)
        assert len(_identity_entries(world.session)) == before
    # The history never leaks it either.
    history = " ".join(str(vars(e)) for e in detail.events)
    assert ("张三丰" in history) is False or shown


@pytest.mark.parametrize("role", [C, INSP, L, A])
def test_list_and_search_identity_by_role(world: World, role: str) -> None:
    from effdesk.services import complaints

    world.register()
    actor = world.actors[role]
    page = complaints.search_complaints(world.session, actor, complaints.ComplaintFilter())
    assert page.total == 1
    row_text = str(vars(page.rows[0]))
    shown = role in EXPECTED[Permission.VIEW_COMPLAINANT_IDENTITY]
    assert ("张三丰" in row_text) is shown
    # Searching by the complainant's name finds nothing for roles that may not see it.
    found = complaints.search_complaints(
        world.session, actor, complaints.ComplaintFilter(text="张三丰")
    )
    assert (found.total == 1) is shown


@pytest.mark.parametrize("role", [C, INSP, L, A])
def test_anonymous_complainant_never_named(world: World, role: str) -> None:
    from effdesk.services import complaints

    case = world.register(
        anonymous=True, complainant_name="", complainant_company="", complainant_phone=""
    )
    detail = complaints.get_complaint_detail(world.session, world.actors[role], case.id)
    assert not detail.complainant_name or detail.complainant_name == complaints.ANONYMOUS


def test_audit_viewer_masks_identity_keys() -> None:
    value = {
        "complainant_name": ["张三丰", "李四"],
        "summary": "x",
        "nested": [{"complainant_phone": "1"}],
    }
    masked = audit_view.mask_identity(value)
    assert masked["complainant_name"] == audit_view.MASK
    assert masked["nested"][0]["complainant_phone"] == audit_view.MASK
    assert masked["summary"] == "x"


def _pdf_text(data: bytes) -> str:
    pdfplumber = pytest.importorskip("pdfplumber")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "")


@pytest.mark.parametrize("role", [C, INSP, L, A])
def test_printed_registration_form_identity_by_role(world: World, role: str) -> None:
    forms = pytest.importorskip("effdesk.reports.complaint_forms")
    case = world.register()
    out = io.BytesIO()
    result = forms.render_complaint_form(
        world.session, world.actors[role], case.id, forms.ComplaintForm.REGISTRATION, out
    )
    text = _pdf_text(out.getvalue())
    shown = role in EXPECTED[Permission.VIEW_COMPLAINANT_IDENTITY]
    assert "投诉受理登记表" in text
    assert ("张三丰" in text) is shown
    assert ("13812345678" in text) is shown
    assert result.identity_printed is shown
    printed = world.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.EXPORT)
    ).all()
    assert printed and printed[-1].after == {"form": "registration", "identity_printed": shown}


def test_assignment_form_for_units_never_carries_identity(world: World) -> None:
    forms = pytest.importorskip("effdesk.reports.complaint_forms")
    from effdesk.services import complaints

    s = world.session
    # The clerk typed the caller's name into the content: it must be blotted out too.
    case = world.register(content="张三丰来电反映：户籍窗口推诿，13812345678可联系。")
    complaints.submit_for_instruction(s, world.actors[C], case.id, expected_version=None)
    complaints.instruct(s, world.actors[L], case.id, "请县公安局核查。", expected_version=None)
    complaints.route(
        s,
        world.actors[L],
        case.id,
        mode=HandlingMode.ASSIGNED,
        handler_unit_id=world.unit,
        expected_version=None,
    )
    out = io.BytesIO()
    forms.render_complaint_form(s, world.actors[L], case.id, forms.ComplaintForm.ASSIGNMENT, out)
    text = _pdf_text(out.getvalue())
    assert "交办单" in text
    assert "张三丰" not in text and "13812345678" not in text and "三丰商贸" not in text


def test_document_naming_the_complainant_cannot_be_issued(db: Database, world: World) -> None:
    from effdesk.services import documents

    s = world.session
    case = world.register()
    doc = documents.create_draft(
        s,
        world.actors[L],
        documents.DocumentInput(
            doc_type=DocumentType.CIRCULAR,
            title="关于县公安局户籍窗口服务态度问题的通报",
            main_recipients="县直各单位",
            body="经查，群众张三丰反映的问题属实。",
            issuer="××县机关效能建设领导小组办公室",
        ),
        [documents.SourceRef(complaint_id=case.id)],
    )
    with pytest.raises((ValidationErrors, EffDeskError)) as exc:
        documents.issue_document(
            s, world.actors[L], doc.id, None, db.files_dir, renderer=render_document_bytes
        )
    assert "投诉人" in str(exc.value)


def test_users_never_expose_password_hashes(world: World) -> None:
    rows = users.list_users(world.session, world.actors[A])
    assert rows and all(not hasattr(r, "password_hash") for r in rows)
    entries = world.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "user"))
    user = world.session.scalars(select(User)).first()
    assert user is not None
    for e in entries:
        assert "scrypt$" not in str(e.before) + str(e.after)
