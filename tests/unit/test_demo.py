"""The demo office generator: contents, invariants per state, determinism, evidence, search, CLI.

Most tests read one default build (500 complaints, fixed seed and date) made once per module.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import SYSTEM
from effdesk.calendar import WorkCalendar, compute_deadline
from effdesk.cli import main
from effdesk.db.base import Base
from effdesk.db.engine import Database, open_database
from effdesk.db.models import (
    AccountabilityMeasure,
    Attachment,
    AuditEntry,
    Campaign,
    Complaint,
    ComplaintEvent,
    Document,
    Finding,
    NumberSeries,
    Person,
    ProblemCategory,
    Rectification,
    RectificationCheck,
    RectificationItem,
    StoredFile,
    Unit,
    User,
)
from effdesk.demo import DemoRefused, DemoSummary, build_demo
from effdesk.demo import complaints as demo_complaints
from effdesk.demo import generator as demo_generator
from effdesk.demo._common import WorkDays, insert_prepared, prepare_rows, section_rng, table
from effdesk.demo.directory import DEMO_PASSWORD, build_directory
from effdesk.enums import (
    AssessmentCategory,
    AuditAction,
    CampaignKind,
    ComplaintEventKind,
    ComplaintState,
    DocumentState,
    EvidenceFlag,
    FindingStatus,
    HandlingMode,
    MeasureType,
    RectificationState,
    Role,
    SubjectKind,
    UnitKind,
)
from effdesk.evidence.media import read_capture_time
from effdesk.security.passwords import verify_password
from effdesk.services.categories import DEFAULT_CATEGORIES, ensure_default_categories
from effdesk.services.complaints.deadlines import scan_overdue
from effdesk.services.directory import UnitInput, create_unit

TODAY = date(2026, 11, 23)
MIDNIGHT = datetime.combine(TODAY, time.min)
S = ComplaintState
K = ComplaintEventKind
CALENDAR = WorkCalendar()
ROUTED_STATES = {S.ROUTED, S.INVESTIGATING, S.AWAITING_REVIEW, S.CONCLUDED, S.ANSWERED}
CONCLUDED_STATES = {S.CONCLUDED, S.ANSWERED}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, DemoSummary]]:
    """The default demo (500 complaints), built once for the module's tests."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    db = open_database(f"sqlite:///{path}", create=True)
    summary = build_demo(db, today=TODAY)
    yield db, summary
    db.dispose()


@pytest.fixture
def s(demo: tuple[Database, DemoSummary]) -> Iterator[Session]:
    db, _summary = demo
    with db.sessions() as session:
        yield session
        session.rollback()


def complaints_by_state(session: Session) -> dict[ComplaintState, list[Complaint]]:
    out: dict[ComplaintState, list[Complaint]] = {}
    for c in session.scalars(select(Complaint).order_by(Complaint.id)):
        out.setdefault(c.state, []).append(c)
    return out


# --------------------------------------------------------------------------- directory


def test_counts_and_every_state(demo: tuple[Database, DemoSummary], s: Session) -> None:
    _db, summary = demo
    assert summary.complaints == 500
    assert s.scalar(select(func.count(Complaint.id))) == 500
    in_db = Counter(s.scalars(select(Complaint.state)))
    assert set(in_db) == set(ComplaintState)
    assert dict(in_db) == summary.complaint_states
    # A year of cases: most are finished, a realistic few still open.
    assert in_db[S.ARCHIVED] > 250
    assert summary.overdue_open > 0
    assert any("投诉件 500 件" in line for line in summary.lines())


def test_units_in_three_categories_with_staff(s: Session) -> None:
    units = s.scalars(select(Unit)).all()
    assert 100 <= len(units) <= 140
    assert Counter(u.category for u in units).keys() == set(AssessmentCategory)
    names = {u.name for u in units}
    for expected in ("县公安局", "县市场监督管理局", "县不动产登记中心", "县政务服务中心"):
        assert expected in names
    by_id = {u.id: u for u in units}
    centres = [u for u in units if u.name.endswith("便民服务中心")]
    assert len(centres) >= 15
    assert all(by_id[u.parent_id].name.endswith(("镇", "乡", "办事处")) for u in centres)
    counts = Counter(s.scalars(select(Person.unit_id)))
    assert all(6 <= counts[u.id] <= 15 for u in units)
    assert all(u.pinyin and u.contact_person and u.contact_phone for u in units)
    described = s.scalars(select(Person).where(Person.name == "")).all()
    assert described and all(p.description for p in described)
    gaj = s.scalar(select(Unit).where(Unit.name == "县公安局"))
    assert gaj is not None and gaj.pinyin.startswith("xgaj")


def test_users_roles_and_passwords(s: Session) -> None:
    users = s.scalars(select(User).order_by(User.id)).all()
    roles = Counter(r for u in users for r in u.role_set)
    assert roles == {Role.ADMIN: 1, Role.CLERK: 2, Role.INSPECTOR: 2, Role.LEADER: 2}
    assert all(not u.must_change_password and u.active for u in users)
    admin = next(u for u in users if u.username == "admin")
    assert verify_password(DEMO_PASSWORD, admin.password_hash)
    assert len({u.password_hash for u in users}) == len(users)  # a salt of its own each


def test_default_categories(s: Session) -> None:
    codes = list(s.scalars(select(ProblemCategory.code).order_by(ProblemCategory.sort_order)))
    assert codes == [c.code for c in DEFAULT_CATEGORIES]
    assert ensure_default_categories(s, record=False) == 0


def test_categories_on_an_empty_database(session: Session) -> None:
    assert ensure_default_categories(session) == len(DEFAULT_CATEGORIES)
    assert ensure_default_categories(session) == 0
    names = set(session.scalars(select(ProblemCategory.name)))
    assert {"办事拖拉、效率低下", "吃拿卡要", "推诿扯皮", "违反工作纪律"} <= names
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and "问题类别" in entry.summary


# --------------------------------------------------------------------------- complaints


def test_numbers_and_series(s: Session) -> None:
    numbers = list(s.scalars(select(Complaint.number).order_by(Complaint.id)))
    assert len(set(numbers)) == len(numbers)
    pattern = re.compile(r"^青效投(\d{4})-(\d{4,})$")
    last: dict[int, int] = {}
    for number in numbers:
        m = pattern.match(number)
        assert m, number
        year, serial = int(m.group(1)), int(m.group(2))
        assert serial == last.get(year, 0) + 1  # gap-free, in receipt order
        last[year] = serial
    series = {
        r.year: r.last_number
        for r in s.scalars(select(NumberSeries).where(NumberSeries.key == "complaint"))
    }
    assert series == last


def test_fields_match_each_state(s: Session) -> None:
    for state, cases in complaints_by_state(s).items():
        for c in cases:
            label = f"{c.number} ({state.label})"
            assert c.acceptance_due == compute_deadline(CALENDAR, c.received_date, 3).due, label
            assert c.summary and c.content and c.search_text.startswith(c.number), label
            assert c.summary in c.search_text, label
            if c.anonymous:
                assert not (c.complainant_name or c.complainant_company), label
                assert c.search_identity == c.complainant_phone, label
            if state in (S.REGISTERED, S.AWAITING_INSTRUCTION, S.MERGED):
                assert c.handling_mode is None and c.routed_at is None, label
            if state in ROUTED_STATES or (state is S.ARCHIVED and not c.rejection_reason):
                assert c.leader_instruction and c.instructed_by_id, label
                assert c.handling_mode is not None and c.handler_user_id, label
                assert c.routed_at is not None and c.routed_at >= c.received_at, label
                if c.handling_mode is HandlingMode.ASSIGNED:
                    assert c.handler_unit_id is not None, label
                if c.handling_mode is HandlingMode.FORWARDED:
                    assert c.forwarded_to, label
            closed = state in CONCLUDED_STATES or (state is S.ARCHIVED and not c.rejection_reason)
            if closed:
                assert c.verification is not None and c.handling_result, label
                assert c.concluded_date is not None and c.concluded_date >= c.received_date
                assert c.reply_due == compute_deadline(CALENDAR, c.concluded_date, 5).due
            if state in (S.ANSWERED, S.ARCHIVED) and closed:
                assert c.reply_date is not None and c.concluded_date is not None, label
                assert c.reply_date >= c.concluded_date, label
                assert c.reply_method is not None and c.reply_text, label
                assert (c.satisfaction is None) == (c.return_visit_date is None), label
            if state is S.ARCHIVED:
                assert c.archived_at is not None and c.archived_at < MIDNIGHT, label
            else:
                assert c.archived_at is None, label
            if state is S.REJECTED:
                assert c.rejection_reason and c.handling_mode is None, label
            if state is S.MERGED:
                assert c.merged_into_id is not None and c.merged_into_id < c.id, label
                target = s.get(Complaint, c.merged_into_id)
                assert target is not None and target.state is not S.MERGED
            else:
                assert c.merged_into_id is None, label
            assert c.deadline_provisional == any(
                d is not None and not CALENDAR.knows(d.year)
                for d in (c.acceptance_due, c.due_date, c.reply_due)
            ), label


def test_overdue_cases_open_and_closed_late(s: Session) -> None:
    open_late = s.scalars(
        select(Complaint).where(
            Complaint.state.in_([S.ROUTED, S.INVESTIGATING, S.AWAITING_REVIEW]),
            Complaint.due_date < TODAY,
        )
    ).all()
    assert open_late and all(c.ever_overdue for c in open_late)
    closed_late = s.scalars(
        select(Complaint).where(
            Complaint.concluded_date > Complaint.due_date, Complaint.ever_overdue.is_(True)
        )
    ).all()
    assert closed_late
    for case in [*open_late, *closed_late]:
        overdue = [e for e in case.events if e.kind is K.OVERDUE]
        assert overdue, case.number
        assert {"deadline", "due"} <= set(overdue[0].changes)


def test_overdue_scan_finds_nothing_left_to_record(s: Session) -> None:
    # The complaint service's own daily scan agrees that every passed deadline is recorded.
    result = scan_overdue(s, today=TODAY, at=MIDNIGHT + timedelta(hours=8))
    assert result.events == 0


def test_histories_follow_the_lifecycle(s: Session) -> None:
    for c in s.scalars(select(Complaint)):
        events = sorted(c.events, key=lambda e: (e.at, e.id))
        assert events[0].kind is K.REGISTERED and events[0].at == c.received_at, c.number
        assert events[0].from_state is None and events[0].to_state is S.REGISTERED
        assert "basis" in events[0].changes
        assert all(c.received_at <= e.at < MIDNIGHT for e in events), c.number
        transitions = [e for e in events if e.from_state != e.to_state]
        assert transitions[-1].to_state is c.state, c.number
        for before, after in itertools.pairwise(transitions):
            assert after.from_state is before.to_state, c.number
        assert all(e.actor_id is not None for e in events if e.kind is not K.OVERDUE)
        kinds = {e.kind for e in events}
        if c.state in ROUTED_STATES:
            assert {K.SUBMITTED, K.INSTRUCTED, K.ROUTED} <= kinds, c.number


def test_channels_categories_and_complainants_vary(s: Session) -> None:
    cases = s.scalars(select(Complaint)).all()
    channels = Counter(c.channel for c in cases)
    assert len(channels) >= 7
    assert channels.most_common(1)[0][1] < len(cases) * 0.5
    assert len({c.category_id for c in cases}) >= 8
    assert any(c.anonymous for c in cases) and any(c.complainant_company for c in cases)
    text_all = "".join(c.summary + c.content for c in cases)
    for phrase in ("办事拖拉", "门难进", "吃拿卡要", "推诿扯皮", "玩游戏"):
        assert phrase in text_all


def test_full_text_search_finds_a_summary_phrase(s: Session) -> None:
    for case in s.scalars(select(Complaint).order_by(Complaint.id).limit(40)):
        phrase = case.summary[2:5]
        hits = s.scalars(
            text("SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH :q"),
            {"q": f'"{phrase}"'},
        ).all()
        assert case.id in hits, phrase


# --------------------------------------------------------------------------- inspections


def test_campaigns_and_findings(s: Session) -> None:
    campaigns = s.scalars(select(Campaign)).all()
    assert len(campaigns) == 10
    assert {c.kind for c in campaigns} == set(CampaignKind)
    assert all(c.targets and c.members for c in campaigns)
    findings = s.scalars(select(Finding)).all()
    assert 110 <= len(findings) <= 200
    assert {f.status for f in findings} == set(FindingStatus)
    for f in findings:
        campaign = next(c for c in campaigns if c.id == f.campaign_id)
        assert campaign.start_date <= f.observed_at.date() <= campaign.end_date
        assert f.observed_at < MIDNIGHT
        assert f.unit_id in {t.unit_id for t in campaign.targets}
    assert any(p.person_id for f in findings for p in f.persons)
    assert any(p.description for f in findings for p in f.persons)


def test_evidence_files_hashes_exif_and_flags(
    demo: tuple[Database, DemoSummary], s: Session
) -> None:
    db, summary = demo
    files = s.scalars(select(StoredFile)).all()
    assert len(files) == summary.evidence_files > 100
    for f in files:
        path = db.files_dir / "objects" / f.sha256[:2] / f.sha256
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == f.sha256
        assert len(data) == f.size
        with Image.open(path) as im:
            assert im.size == (f.width, f.height)
            assert read_capture_time(im.getexif()) == f.captured_at
    assert any(f.captured_at is None for f in files)
    assert any(f.gps_lat is not None for f in files)
    flags = Counter(code for a in s.scalars(select(Attachment)) for code in a.flags)
    assert flags[EvidenceFlag.NO_CAPTURE_TIME.value] > 0
    assert flags[EvidenceFlag.OUTSIDE_CAMPAIGN.value] > 0
    for a in s.scalars(select(Attachment)):
        finding = a.finding
        assert finding is not None and finding.campaign is not None
        captured = a.file.captured_at
        outside = captured is not None and not (
            finding.campaign.start_date <= captured.date() <= finding.campaign.end_date
        )
        assert (EvidenceFlag.OUTSIDE_CAMPAIGN.value in a.flags) == outside


# --------------------------------------------------------------------------- accountability


def test_accountability_measures(s: Session) -> None:
    measures = s.scalars(select(AccountabilityMeasure)).all()
    assert 100 <= len(measures) <= 150
    assert {m.measure for m in measures} == set(MeasureType)
    assert any(m.voided and m.void_reason and m.voided_at for m in measures)
    assert {m.subject_kind for m in measures} == set(SubjectKind)
    for m in measures:
        assert (m.complaint_id is None) != (m.finding_id is None)
        assert m.decided_date < TODAY
        if m.subject_kind is SubjectKind.PERSON:
            person = s.get(Person, m.person_id)
            assert person is not None and person.unit_id == m.unit_id
        if m.measure is MeasureType.PAY_DEDUCTION:
            assert m.amount is not None and m.amount > 0
        if m.complaint_id:
            complaint = s.get(Complaint, m.complaint_id)
            assert complaint is not None and complaint.concluded_date is not None
            assert m.decided_date >= complaint.concluded_date


def test_rectifications_in_every_state(s: Session) -> None:
    rows = s.scalars(select(Rectification)).all()
    assert {r.state for r in rows} == set(RectificationState)
    for r in rows:
        items = s.scalars(
            select(RectificationItem).where(RectificationItem.rectification_id == r.id)
        )
        assert len(items.all()) >= 2
        checks = s.scalars(
            select(RectificationCheck).where(RectificationCheck.rectification_id == r.id)
        ).all()
        if r.state is RectificationState.DONE:
            assert r.completed_date is not None and checks and checks[-1].passed
        else:
            assert r.completed_date is None and not any(c.passed for c in checks)
        if r.state is RectificationState.OVERDUE:
            assert r.deadline < TODAY and r.ever_overdue


def test_documents_numbered_drafts_and_voided(s: Session) -> None:
    docs = s.scalars(select(Document)).all()
    issued = [d for d in docs if d.state is not DocumentState.DRAFT]
    assert any(d.state is DocumentState.DRAFT and d.number is None for d in docs)
    voided = [d for d in docs if d.state is DocumentState.VOIDED]
    assert voided and all(d.void_reason and d.number for d in voided)
    assert any(d.supersedes_id == voided[0].id for d in docs)
    for d in issued:
        assert d.number is not None and d.series is not None and d.year and d.serial
        assert re.fullmatch(r"青效.〔\d{4}〕\d+号", d.number), d.number
        assert d.series.key == f"document:{d.doc_type.value}"
        assert d.serial <= d.series.last_number
    assert len({d.number for d in issued}) == len(issued)


def test_one_audit_entry_for_the_build(s: Session) -> None:
    entries = s.scalars(select(AuditEntry)).all()
    assert len(entries) == 1
    assert entries[0].action is AuditAction.IMPORT and "演示数据" in entries[0].summary
    assert audit.verify_chain(s) == []


# --------------------------------------------------------------------------- determinism


def _rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for t in Base.metadata.sorted_tables:
        if t.name == "audit_log":
            continue
        cols = [c for c in t.c if not (t.name == "users" and c.name == "password_hash")]
        order = list(t.primary_key.columns)
        out[t.name] = [tuple(r) for r in conn.execute(select(*cols).order_by(*order))]
    return out


def test_same_seed_and_date_give_identical_data(
    demo: tuple[Database, DemoSummary], tmp_path: Path
) -> None:
    first, _summary = demo
    again = open_database(f"sqlite:///{tmp_path / 'again.sqlite'}", create=True)
    try:
        build_demo(again, today=TODAY)
        with first.engine.connect() as a, again.engine.connect() as b:
            rows_a, rows_b = _rows(a), _rows(b)
        for name in rows_a:
            assert rows_a[name] == rows_b[name], name
        blobs_a = sorted(p.name for p in (first.files_dir / "objects").rglob("*") if p.is_file())
        blobs_b = sorted(p.name for p in (again.files_dir / "objects").rglob("*") if p.is_file())
        assert blobs_a == blobs_b
    finally:
        again.dispose()


def test_chunks_are_the_same_with_workers_and_bulk_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several chunks, generated in worker processes and bulk-indexed, give the same rows as
    the plain in-process path; and the schema (indexes, FTS trigger) is restored."""
    monkeypatch.setattr(demo_complaints, "CHUNK", 40)
    results = []
    for name, workers in (("serial", 10**9), ("parallel", 1)):
        monkeypatch.setattr(demo_complaints, "PARALLEL_THRESHOLD", workers)
        db = open_database(f"sqlite:///{tmp_path / name}.sqlite", create=True)
        try:
            with db.engine.connect() as conn:
                rng = section_rng(5, "directory")
                directory, _ = build_directory(conn, rng, datetime(2025, 1, 1, 9))
                conn.commit()
                bulk = name == "parallel"
                with demo_generator._bulk_load(conn, bulk) as loader:
                    stats = demo_complaints.build_complaints(
                        conn,
                        directory,
                        WorkDays(CALENDAR),
                        5,
                        TODAY,
                        130,
                        after_chunk=loader.after_chunk if loader else None,
                    )
                schema = conn.exec_driver_sql(
                    "SELECT type, name, sql FROM sqlite_master ORDER BY name"
                ).all()
                conn.exec_driver_sql(
                    "INSERT INTO complaints_fts(complaints_fts) VALUES ('integrity-check')"
                )
                results.append((_rows(conn), schema, stats))
        finally:
            db.dispose()
    (rows_a, schema_a, stats_a), (rows_b, schema_b, stats_b) = results
    assert schema_a == schema_b
    for table_name in ("complaints", "complaint_events", "complaint_persons", "number_series"):
        assert rows_a[table_name] == rows_b[table_name], table_name
    assert stats_a.states == stats_b.states and set(stats_a.states) == set(ComplaintState)


def test_fast_sqlite_rows_store_what_sqlalchemy_stores(
    demo: tuple[Database, DemoSummary], tmp_path: Path
) -> None:
    """The bulk path converts values itself; they must be stored exactly as Core would."""
    source, _summary = demo
    a = open_database(f"sqlite:///{tmp_path / 'core.sqlite'}", create=True)
    b = open_database(f"sqlite:///{tmp_path / 'fast.sqlite'}", create=True)
    try:
        with source.engine.connect() as conn:
            models = (Unit, Complaint, ComplaintEvent, Finding, StoredFile, Attachment)
            picked = {
                m: [dict(r._mapping) for r in conn.execute(select(table(m)).limit(30))]
                for m in models
            }
        for db, fast in ((a, False), (b, True)):
            with db.engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                for model, rows in picked.items():
                    if fast:
                        insert_prepared(conn, table(model), prepare_rows(table(model), rows, True))
                    else:
                        conn.execute(insert(table(model)), rows)
        for model in picked:
            name = table(model).name
            with a.engine.connect() as ca, b.engine.connect() as cb:
                raw_a = ca.exec_driver_sql(f"SELECT * FROM {name} ORDER BY id").all()
                raw_b = cb.exec_driver_sql(f"SELECT * FROM {name} ORDER BY id").all()
            assert raw_a == raw_b, name
    finally:
        a.dispose()
        b.dispose()


def test_workdays_agree_with_compute_deadline() -> None:
    wd = WorkDays(CALENDAR)
    start = date(2026, 9, 1)
    for offset in range(0, 200, 3):
        day = start + timedelta(days=offset)
        for days in (0, 1, 3, 5, 15, 30):
            assert wd.deadline(day, days) == compute_deadline(CALENDAR, day, days)


# --------------------------------------------------------------------------- backends, CLI


def test_build_on_each_backend_and_refuse_a_second_time(db: Database) -> None:
    summary = build_demo(db, complaints=40, today=TODAY)
    assert set(summary.complaint_states) == set(ComplaintState)
    with pytest.raises(DemoRefused, match="已有数据"):
        build_demo(db, complaints=40, today=TODAY)
    # Ids were given explicitly: the next row the app inserts must still get a fresh one.
    with db.session() as session:
        created = create_unit(
            session,
            SYSTEM,
            UnitInput(
                name="演示后新增单位", kind=UnitKind.DEPARTMENT, category=AssessmentCategory.FIRST
            ),
        )
        assert created.id > summary.table_counts["units"]


def test_cli_builds_refuses_and_moves_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], demo: tuple[Database, DemoSummary]
) -> None:
    target = tmp_path / "cli.sqlite"
    url = f"sqlite:///{target}"
    args = ["--db", url, "demo", "--complaints", "15", "--today", "2026-11-23", "--seed", "7"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "演示数据已生成" in out and "admin" in out and DEMO_PASSWORD in out
    assert main(args) == 2
    assert "已有数据" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    kept = list(tmp_path.glob("cli.before-demo-*.sqlite"))
    assert len(kept) == 1
    assert (tmp_path / f"{kept[0].stem}-files" / "objects").is_dir()
    # Another seed, other people.
    cli_db = open_database(url)
    try:
        with cli_db.engine.connect() as conn:
            names_7 = set(conn.execute(select(Person.name)).scalars())
        with demo[0].engine.connect() as conn:
            names_default = set(conn.execute(select(Person.name)).scalars())
        assert names_7 != names_default
    finally:
        cli_db.dispose()
