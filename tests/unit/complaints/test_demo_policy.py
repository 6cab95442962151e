"""The demo's bulk path (effdesk/demo/complaints.py) is a second implementation of the complaint
lifecycle, kept for speed. Hold it against the first:

- every step of every demo history, replayed through the complaint policy (the transition table,
  the acting user's roles, the guards over the case facts at that moment), is legal;
- every demo case's stored search columns equal what the intake service computes for it.

The replay itself is checked on histories the services wrote (they must replay clean), so a
replay that accepted anything could not pass the demo by accident.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from complaint_helpers import T0, World, case_in, visit_unsatisfied
from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.calendar import WorkCalendar, compute_deadline
from effdesk.db.engine import Database, open_database
from effdesk.db.models import Complaint, ComplaintEvent, User, UserRole
from effdesk.demo import complaints as demo_complaints
from effdesk.demo._common import WorkDays, section_rng
from effdesk.demo.directory import build_directory
from effdesk.enums import ComplaintEventKind, ComplaintState, HandlingMode, Satisfaction
from effdesk.errors import EffDeskError
from effdesk.services import complaints as svc
from effdesk.services.complaints import policy
from effdesk.services.complaints.intake import refresh_search_text

TODAY = date(2026, 11, 23)
CALENDAR = WorkCalendar()
DEMO_CASES = 600
K = ComplaintEventKind
S = ComplaintState


# --------------------------------------------------------------------------- the replay


@dataclass(frozen=True)
class Problem:
    number: str
    event_id: int
    kind: ComplaintEventKind
    why: str

    def __str__(self) -> str:
        return f"{self.number} event {self.event_id} ({self.kind.label}): {self.why}"


def _pair_after(changes: dict[str, Any], key: str) -> tuple[bool, Any]:
    value = changes.get(key)
    if isinstance(value, list) and len(value) == 2:
        return True, value[1]
    return False, None


def _next_facts(facts: policy.CaseFacts, event: ComplaintEvent) -> policy.CaseFacts:
    """The case facts after ``event``, from what the event records."""
    changes = dict(event.changes or {})
    new: dict[str, Any] = {"state": event.to_state or facts.state}
    if event.kind == K.REGISTERED:
        # The limit is recorded as its basis (start, working days) at registration.
        basis = changes.get(svc.BASIS_KEY, {}).get("due_date")
        if basis:
            start, days = date.fromisoformat(basis[0]), int(basis[1])
            new["due_date"] = compute_deadline(CALENDAR, start, days).due
    found, after = _pair_after(changes, "due_date")
    if found:
        new["due_date"] = date.fromisoformat(after) if after else None
    found, after = _pair_after(changes, "leader_instruction")
    if found:
        new["has_instruction"] = bool((after or "").strip())
    found, after = _pair_after(changes, "satisfaction")
    if found:
        new["satisfaction"] = Satisfaction(after) if after else None
    found, after = _pair_after(changes, "handling_mode")
    if found:
        new["handling_mode"] = HandlingMode(after) if after else None
    if event.kind == K.EXTENSION_REQUESTED:
        new["extension_pending"] = True
    elif event.kind in (K.EXTENSION_APPROVED, K.EXTENSION_DENIED):
        new["extension_pending"] = False
    elif event.kind == K.REMINDER:
        new["reminded"] = True
    elif event.kind == K.SUPERVISION:
        new["supervised"] = True
    return replace(facts, **new)


def replay(
    number: str, events: Sequence[ComplaintEvent], actors: dict[int, Actor]
) -> list[Problem]:
    """Every step of a history that the policy would have refused, with the reason."""
    problems: list[Problem] = []
    facts: policy.CaseFacts | None = None
    for event in sorted(events, key=lambda e: (e.at, e.id)):

        def problem(why: str, event: ComplaintEvent = event) -> None:
            problems.append(Problem(number, event.id, event.kind, why))

        state = facts.state if facts is not None else None
        if event.from_state != state:
            problem(f"from_state {event.from_state} but the case was {state}")
        merge_note = event.kind == K.MERGED and "merged_from" in (event.changes or {})
        if event.kind in policy.SYSTEM_EVENTS or merge_note:
            # A fact, not a step: it keeps the state.
            if event.to_state != event.from_state:
                problem("a system fact changed the state")
        else:
            action = policy.ACTION_OF_EVENT[event.kind]
            actor = actors.get(event.actor_id or -1)
            try:
                if actor is None:
                    raise EffDeskError(f"no user {event.actor_id} took the step")
                rule = policy.check_transition(actor, state, action)
                if rule.target() != event.to_state:
                    problem(f"to_state {event.to_state}, the table says {rule.target()}")
                if facts is not None:
                    policy.check_guards(actor, facts, action, event.at.date(), number)
            except EffDeskError as exc:
                problem(f"{type(exc).__name__}: {exc}")
        if facts is None:
            facts = policy.CaseFacts(state=event.to_state or ComplaintState.REGISTERED)
        facts = _next_facts(facts, event)
    return problems


def actors_of(session: Session) -> dict[int, Actor]:
    roles: dict[int, set[Any]] = {}
    for user_id, role in session.execute(select(UserRole.user_id, UserRole.role)):
        roles.setdefault(user_id, set()).add(role)
    return {
        u.id: Actor(user_id=u.id, username=u.username, roles=frozenset(roles.get(u.id, set())))
        for u in session.scalars(select(User))
    }


def replay_all(session: Session) -> tuple[int, list[Problem]]:
    actors = actors_of(session)
    problems: list[Problem] = []
    cases = session.scalars(select(Complaint).order_by(Complaint.id)).all()
    for case in cases:
        problems += replay(case.number, case.events, actors)
    return len(cases), problems


# --------------------------------------------------------------------------- the replay is fair


def test_service_histories_replay_clean(world: World) -> None:
    """Histories written by the services, through every state and the side paths."""
    w = world
    for state in ComplaintState:
        case_in(w, state)
    # 延期 asked and approved, asked and denied; 催办/督办; 补充批示; 回访不满意 → 重办.
    c = case_in(w, ComplaintState.INVESTIGATING, T0 + timedelta(days=1))
    at = T0 + timedelta(days=2)
    svc.request_extension(
        w.session, w.clerk, c.id, 5, "需补充调查", expected_version=c.version, at=at
    )
    svc.approve_extension(w.session, w.leader, c.id, expected_version=c.version, at=at)
    svc.request_extension(w.session, w.clerk, c.id, 3, "再延", expected_version=c.version, at=at)
    svc.deny_extension(w.session, w.leader, c.id, "按期办结", expected_version=c.version, at=at)
    svc.remind(w.session, w.clerk, c.id, at=at)
    svc.supervise(w.session, w.clerk, c.id, "请限期报告", at=at)
    svc.instruct(w.session, w.leader, c.id, "抓紧办理", expected_version=c.version, at=at)
    answered = case_in(w, ComplaintState.ANSWERED, T0 + timedelta(days=3))
    visit_unsatisfied(w, answered, date(2026, 3, 6))
    svc.reopen(w.session, w.clerk, answered.id, "不满意重办", expected_version=answered.version)
    w.session.flush()
    count, problems = replay_all(w.session)
    assert count >= len(ComplaintState) + 3
    assert problems == [], "\n".join(map(str, problems))


def test_replay_catches_an_illegal_step(world: World) -> None:
    """Steps the policy refuses are reported: a role without the right, a skipped state, a
    guard (routing before the leader's instruction is on record)."""
    w = world
    case = case_in(w, ComplaintState.INSTRUCTED)
    actors = actors_of(w.session)
    events = sorted(case.events, key=lambda e: e.id)
    assert replay(case.number, events, actors) == []
    instructed = next(e for e in events if e.kind == K.INSTRUCTED)
    instructed.actor_id = w.clerk.user_id  # a clerk cannot instruct
    assert any("领导批示" in p.why for p in replay(case.number, events, actors))
    instructed.actor_id = w.leader.user_id
    instructed.changes = {}  # no instruction on record
    after = instructed.at + timedelta(hours=1)

    def step(kind: ComplaintEventKind, who: Actor, to: ComplaintState) -> ComplaintEvent:
        return ComplaintEvent(
            id=10**6,
            at=after,
            actor_id=who.user_id,
            kind=kind,
            from_state=S.INSTRUCTED,
            to_state=to,
            text="",
            changes={},
        )

    routed = step(K.ROUTED, w.clerk, S.ROUTED)
    why = [p.why for p in replay(case.number, [*events, routed], actors)]
    assert any("尚无领导批示" in x for x in why), why
    skipped = step(K.CONCLUDED, w.leader, S.CONCLUDED)  # 已批示 → 已办结 skips the handling
    why = [p.why for p in replay(case.number, [*events, skipped], actors)]
    assert any("不能审核办结" in x for x in why), why
    w.session.rollback()


# --------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The demo's directory and complaints (full histories) through the bulk path."""
    path: Path = tmp_path_factory.mktemp("demo-policy") / "demo.sqlite"
    db = open_database(f"sqlite:///{path}", create=True)
    with db.engine.connect() as conn:
        directory, _counts = build_directory(
            conn, section_rng(7, "directory"), datetime(2025, 1, 1)
        )
        conn.commit()
        demo_complaints.build_complaints(conn, directory, WorkDays(CALENDAR), 7, TODAY, DEMO_CASES)
    yield db
    db.dispose()


@pytest.fixture
def demo(demo_db: Database) -> Iterator[Session]:
    with demo_db.session() as session:
        yield session
        session.rollback()


def test_every_demo_step_is_legal_under_the_policy(demo: Session) -> None:
    assert DEMO_CASES <= demo_complaints.FULL_HISTORY_RECENT  # every history is complete
    count, problems = replay_all(demo)
    assert count == DEMO_CASES
    kinds = {e.kind for e in demo.scalars(select(ComplaintEvent))}
    # The demo walks the side paths too, so the replay above covered them.
    assert {K.EXTENSION_REQUESTED, K.SENT_BACK, K.REOPENED, K.MERGED, K.REJECTED} <= kinds
    assert problems == [], f"{len(problems)} illegal steps:\n" + "\n".join(map(str, problems[:20]))


def test_demo_search_columns_are_what_the_service_computes(demo: Session) -> None:
    cases = demo.scalars(select(Complaint).order_by(Complaint.id)).all()
    assert len(cases) == DEMO_CASES
    differ = []
    for case in cases:
        stored = (case.search_text, case.search_identity)
        refresh_search_text(demo, case)
        if (case.search_text, case.search_identity) != stored:
            differ.append(
                f"{case.number}: {stored!r} != {(case.search_text, case.search_identity)!r}"
            )
    assert any(c.anonymous for c in cases) and any(c.handler_unit_id for c in cases)
    assert differ == [], "\n".join(differ[:10])
