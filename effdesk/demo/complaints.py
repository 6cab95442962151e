"""Demo complaints: a year of cases walked through the lifecycle up to ``today``.

Each case is simulated step by step (登记 → 呈批 → 批示 → 交办/转办/不予受理 → 调查 → 拟办结 →
办结 → 反馈/回访 → 归档, with 合并, 延期, 退回重办, 重办 and 超期 on the way) with the times,
actors and deadlines the complaint services would have recorded, following the transition table
in :mod:`effdesk.services.complaint_rules` and the event conventions of
:mod:`effdesk.services.complaints` (``from_state``/``to_state`` on every event, deadline bases
under ``changes["basis"]``, one OVERDUE event per passed deadline). A case stops where ``today``
cuts it, so recent cases are open and old ones archived; a few stall (overdue open cases).

Bulk-friendly: rows are plain dicts inserted with Core ``insert()`` in batches, one transaction
per batch; deadlines come from a cache over :func:`effdesk.calendar.compute_deadline`.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Table, insert

from effdesk.db.models import Complaint, ComplaintEvent, ComplaintPerson, NumberSeries
from effdesk.demo import vocab
from effdesk.demo._common import (
    Progress,
    Rand,
    Row,
    WorkDays,
    cumulative,
    office_time,
    record_columns,
    table,
)
from effdesk.demo.directory import Directory, PersonInfo, UnitInfo
from effdesk.enums import (
    Channel,
    ComplainantKind,
    ComplaintEventKind,
    ComplaintState,
    Complexity,
    DeadlineKind,
    HandlingMode,
    ReplyMethod,
    Role,
    Satisfaction,
    UnitKind,
    Verification,
)

S = ComplaintState
K = ComplaintEventKind
NUMBER_SERIES_KEY = "complaint"

CHANNEL_WEIGHTS = (
    (Channel.PHONE, 35),
    (Channel.HOTLINE_12345, 22),
    (Channel.WEB, 15),
    (Channel.VISIT, 10),
    (Channel.LETTER, 6),
    (Channel.SUPERVISOR, 5),
    (Channel.LEADER_ASSIGNED, 4),
    (Channel.MEDIA, 2),
    (Channel.OTHER, 1),
)
CATEGORY_WEIGHTS = (
    ("slow", 24),
    ("attitude", 22),
    ("inaction", 12),
    ("discipline", 12),
    ("buck_passing", 10),
    ("arbitrary_charges", 8),
    ("extortion", 5),
    ("defiance", 3),
    ("other", 3),
    ("meeting_style", 1),
)
VERIFICATION_WEIGHTS = (
    (Verification.SUBSTANTIATED, 38),
    (Verification.PARTLY, 22),
    (Verification.UNFOUNDED, 28),
    (Verification.UNVERIFIABLE, 12),
)
REPLY_WEIGHTS = (
    (ReplyMethod.PHONE, 55),
    (ReplyMethod.SMS, 15),
    (ReplyMethod.LETTER, 10),
    (ReplyMethod.IN_PERSON, 10),
    (ReplyMethod.WEB, 10),
)
SATISFACTION_WEIGHTS = (
    (Satisfaction.SATISFIED, 70),
    (Satisfaction.BASICALLY, 21),
    (Satisfaction.UNSATISFIED, 9),
)
# Which states a case may be stuck in (an overdue open case), and how often.
STALL_STATES = ((S.ROUTED, 15), (S.INVESTIGATING, 60), (S.AWAITING_REVIEW, 10), (S.CONCLUDED, 15))
# Persons in the complaint about these categories are named more often.
PERSONAL_CATEGORIES = {"attitude", "extortion", "discipline", "slow"}
# Complaints whose history is kept in full even in a million-case build (the recent ones, which
# the demo user opens); older ones keep the state changes and deadline facts only.
FULL_HISTORY_RECENT = 20_000
_DETAIL_KINDS = {K.NOTE, K.REMINDER, K.SUPERVISION, K.RETURN_VISIT}


@dataclass
class Policy:
    acceptance_days: int = 3
    conclusion_days: dict[Complexity, int] = field(
        default_factory=lambda: {
            Complexity.SIMPLE: 5,
            Complexity.NORMAL: 15,
            Complexity.COMPLEX: 30,
        }
    )
    reply_days: int = 5


@dataclass
class ConcludedCase:
    """A substantiated case an accountability measure or a document may cite."""

    id: int
    number: str
    unit_id: int
    person_ids: list[int]
    concluded_date: date
    category_code: str
    summary: str
    verification: Verification


@dataclass
class ComplaintStats:
    total: int = 0
    states: Counter[ComplaintState] = field(default_factory=Counter)
    overdue_open: int = 0
    ever_overdue: int = 0
    events: int = 0
    persons: int = 0
    concluded: list[ConcludedCase] = field(default_factory=list)
    seen_concluded: int = 0
    answered: list[tuple[int, str, int | None, date]] = field(default_factory=list)
    number_series: int = 0  # rows written to number_series (ids 1..n)


def _table(weights: tuple[tuple[Any, int], ...]) -> tuple[list[Any], list[float]]:
    return [w[0] for w in weights], cumulative(w[1] for w in weights)


class _Case:
    """One case being walked through its life: its row, its events, its running deadline."""

    __slots__ = ("b", "events", "full", "overdue", "row", "state")

    def __init__(self, builder: ComplaintBuilder, row: Row, full: bool) -> None:
        self.b = builder
        self.row = row
        self.state: ComplaintState | None = None
        self.events: list[Row] = []
        self.overdue: set[tuple[str, date]] = set()
        self.full = full

    def running(self) -> tuple[DeadlineKind, date] | None:
        state, row = self.state, self.row
        if state in (S.REGISTERED, S.AWAITING_INSTRUCTION):
            due = row["acceptance_due"]
            kind = DeadlineKind.ACCEPTANCE
        elif state in (S.ROUTED, S.INVESTIGATING, S.AWAITING_REVIEW):
            due, kind = row["due_date"], DeadlineKind.CONCLUSION
        elif state is S.CONCLUDED:
            due, kind = row["reply_due"], DeadlineKind.REPLY
        else:
            return None
        return (kind, due) if due is not None else None

    def note_overdue(self, before: date, at: datetime | None) -> None:
        """Record the running deadline as passed if it ended before ``before``; the daily scan
        would have noted it the morning after, a step taken earlier notes it at the step."""
        running = self.running()
        if running is None:
            return
        kind, due = running
        if due >= before or (kind.value, due) in self.overdue:
            return
        self.overdue.add((kind.value, due))
        scan = datetime.combine(due + timedelta(days=1), time(8, 30, int(self.b.rng.random() * 60)))
        when = scan if at is None or scan < at else at
        self.row["ever_overdue"] = True
        self._event(
            when,
            K.OVERDUE,
            None,
            self.state,
            f"{kind.label}{due:%Y-%m-%d}已过，{when:%Y-%m-%d}时仍未完成。",
            {"deadline": kind.value, "due": due.isoformat()},
        )

    def step(
        self,
        at: datetime,
        kind: ComplaintEventKind,
        actor: int | None,
        to_state: ComplaintState | None = None,
        text: str = "",
        changes: dict[str, Any] | None = None,
    ) -> None:
        if self.state is not None:
            self.note_overdue(at.date(), at)
        if self.full or kind not in _DETAIL_KINDS:
            self._event(at, kind, actor, to_state or self.state, text, changes or {})
        else:
            self.row["updated_at"] = at
        if to_state is not None:
            self.state = to_state

    def _event(
        self,
        at: datetime,
        kind: ComplaintEventKind,
        actor: int | None,
        to_state: ComplaintState | None,
        text: str,
        changes: dict[str, Any],
    ) -> None:
        b = self.b
        self.events.append(
            {
                "uuid": b.rng.uuid(),
                "created_at": at,
                "updated_at": at,
                "version": 1,
                "complaint_id": self.row["id"],
                "at": at,
                "actor_id": actor,
                "kind": kind,
                "from_state": self.state,
                "to_state": to_state,
                "text": text,
                "changes": changes,
            }
        )
        if at > self.row["updated_at"]:
            self.row["updated_at"] = at


class ComplaintBuilder:
    """Generates ``n`` complaints received in the 12 months before ``today``."""

    def __init__(
        self,
        directory: Directory,
        workdays: WorkDays,
        rng: Rand,
        today: date,
        policy: Policy | None = None,
        prefix: str = vocab.COMPLAINT_PREFIX,
    ) -> None:
        self.d = directory
        self.wd = workdays
        self.rng = rng
        self.today = today
        self.horizon = datetime.combine(today, time.min)
        self.policy = policy or Policy()
        self.prefix = prefix
        self.clerks = directory.user_ids(Role.CLERK)
        self.inspectors = directory.user_ids(Role.INSPECTOR)
        self.leaders = directory.user_ids(Role.LEADER)
        self.units = [u for u in directory.units]
        self.unit_cum = cumulative(u.weight for u in self.units)
        self.departments = [u for u in self.units if u.kind is UnitKind.DEPARTMENT]
        self.channels = _table(CHANNEL_WEIGHTS)
        self.categories = _table(CATEGORY_WEIGHTS)
        self.verifications = _table(VERIFICATION_WEIGHTS)
        self.replies = _table(REPLY_WEIGHTS)
        self.satisfactions = _table(SATISFACTION_WEIGHTS)
        self.stalls = _table(STALL_STATES)
        self.complexities = _table(
            ((Complexity.SIMPLE, 25), (Complexity.NORMAL, 60), (Complexity.COMPLEX, 15))
        )
        self.serials: Counter[int] = Counter()
        self.recent_by_unit: dict[int, list[Row]] = {}
        self.stats = ComplaintStats()
        self._units_by_id = {u.id: u for u in self.units}
        self._full_from = 0
        self._last: Row = {}

    # ------------------------------------------------------------------ times

    def received_times(self, n: int) -> list[datetime]:
        """``n`` receipt times over the working days of the last 12 months, sorted; the two
        newest fall on the last working day before ``today``."""
        rng, wd = self.rng, self.wd
        first = self.today - timedelta(days=365)
        days = [
            first + timedelta(days=i)
            for i in range((self.today - first).days)
            if wd.is_workday(first + timedelta(days=i))
        ]
        month_factor = {m: 0.8 + 0.4 * rng.random() for m in range(1, 13)}
        cum = cumulative(month_factor[d.month] for d in days)
        picked = sorted(rng.choices(days, cum_weights=cum, k=n))
        last = wd.previous(self.today)
        for i in range(max(0, n - 2), n):
            picked[i] = last
        # Morning receipts for the newest two: they are registered and submitted that same day.
        times = sorted(office_time(rng, d, morning_only=i >= n - 2) for i, d in enumerate(picked))
        return times

    def later(self, at: datetime, workdays: int) -> datetime:
        """A moment ``workdays`` working days after ``at`` (0: later the same day)."""
        rng = self.rng
        if workdays <= 0:
            moved = at + timedelta(minutes=10 + int(rng.random() * 150))
            if moved.time() <= time(17, 50):
                return moved
            workdays = 1
        return office_time(rng, self.wd.add(at.date(), workdays))

    # ------------------------------------------------------------------ one case

    def _forced_states(self, times: list[datetime]) -> dict[int, ComplaintState]:
        """Cases that must end in a given state, so that even a small demo shows every state.

        Each is the newest case received at least so many working days before ``today`` that
        the state is reachable (new cases are the open ones, old ones the archived ones).
        """
        n = len(times)
        if n < 12:
            return {}
        targets = (
            (S.REGISTERED, 0),
            (S.AWAITING_INSTRUCTION, 0),
            (S.ROUTED, 1),
            (S.INVESTIGATING, 2),
            (S.AWAITING_REVIEW, 4),
            (S.CONCLUDED, 6),
            (S.ANSWERED, 12),
            (S.MERGED, 40),
            (S.REJECTED, 60),
            (S.ARCHIVED, 120),
        )
        forced: dict[int, ComplaintState] = {}
        for state, workdays_back in targets:
            limit = self.today
            for _ in range(workdays_back + 1):
                limit = self.wd.previous(limit)
            i = bisect.bisect_right(times, datetime.combine(limit, time.max)) - 1
            while i in forced:
                i -= 1
            if i >= 1:
                forced[i] = state
        return forced

    def _complainant(self, row: Row, channel: Channel) -> None:
        rng = self.rng
        anonymous_p = {Channel.LETTER: 0.3, Channel.WEB: 0.25, Channel.HOTLINE_12345: 0.12}
        anonymous = channel not in (Channel.SUPERVISOR, Channel.MEDIA) and rng.chance(
            anonymous_p.get(channel, 0.08)
        )
        r = rng.random()
        kind = (
            ComplainantKind.CITIZEN
            if r < 0.78
            else ComplainantKind.ENTERPRISE
            if r < 0.96
            else ComplainantKind.OTHER
        )
        name, company, address = _name(rng), "", ""
        town = rng.pick(vocab.TOWNS)[0]
        if channel is Channel.SUPERVISOR:
            kind, company = ComplainantKind.OTHER, "县效能监督员"
        elif channel is Channel.MEDIA:
            kind, company = ComplainantKind.OTHER, f"{vocab.COUNTY}融媒体中心"
        elif kind is ComplainantKind.ENTERPRISE:
            company = (
                f"{vocab.COUNTY}{rng.pick(vocab.ENTERPRISE_BRANDS)}"
                f"{rng.pick(vocab.ENTERPRISE_TRADES)}"
            )
            address = f"{vocab.COUNTY}工业园区{rng.pick(vocab.STREETS)}{rng.randint(1, 99)}号"
        elif kind is ComplainantKind.OTHER:
            company = f"{town}{rng.pick(vocab.VILLAGES)}村民委员会"
        if not address:
            address = (
                f"{vocab.COUNTY}{town}{rng.pick(vocab.VILLAGES)}村{rng.randint(1, 12)}组"
                if rng.chance(0.5)
                else f"{vocab.COUNTY}城关镇{rng.pick(vocab.STREETS)}{rng.randint(1, 300)}号"
            )
        phone = _mobile(rng) if rng.chance(0.4 if anonymous else 0.92) else ""
        if anonymous:
            # An anonymous case stores no name, company or address (the intake service refuses
            # them); a phone may be kept so the office can answer.
            name, company, address = "", "", ""
        row["complainant_kind"] = kind
        row["complainant_name"] = name
        row["complainant_phone"] = phone
        row["complainant_company"] = company
        row["complainant_address"] = address
        row["anonymous"] = anonymous

    def _subject(self, unit: UnitInfo, category: str) -> tuple[list[PersonInfo], list[str], str]:
        """Directory persons and descriptions named in the complaint, and how the text says it."""
        rng = self.rng
        r = rng.random()
        named_p = 0.65 if category in PERSONAL_CATEGORIES else 0.3
        if r < named_p:
            persons = [rng.pick(unit.frontline)]
            if rng.chance(0.1):
                other = rng.pick(unit.persons)
                if other is not persons[0]:
                    persons.append(other)
            return persons, [], persons[0].label
        if r < named_p + 0.2:
            desc = rng.pick(vocab.DESCRIPTIONS).format(n=rng.randint(1, 9))
            return [], [desc], desc
        return [], [], "工作人员"

    def _text(
        self, unit: UnitInfo, category: str, person: str, received: date, channel: Channel
    ) -> tuple[str, str]:
        rng = self.rng
        summaries, contents = vocab.COMPLAINT_TEXT[category]
        other = rng.pick(self.departments)
        if other.id == unit.id:
            other = (
                self.departments[0] if unit.id != self.departments[0].id else self.departments[1]
            )
        when = received - timedelta(days=int(rng.random() * 20))
        hour = rng.pick((8, 8, 9, 9, 10, 14, 15))
        values = {
            "unit": unit.name if len(unit.name) <= 10 else unit.short,
            "full": unit.name,
            "matter": rng.pick(unit.matters),
            "person": person,
            "other": other.name,
            "date": f"{when.month}月{when.day}日",
            "n": rng.randint(2, 6),
            "k": rng.randint(3, 8),
            "amount": rng.pick((50, 80, 100, 120, 200, 300, 500, 800)),
            "time": _clock_words(hour, rng.pick((0, 10, 20, 30, 40, 50))),
            "window": rng.pick(("办事窗口", f"{rng.randint(1, 12)}号窗口", "导办台", "收费窗口")),
        }
        summary = rng.pick(summaries).format(**values)
        content = vocab.CHANNEL_PREFIX.get(channel.value, "") + rng.pick(contents).format(**values)
        return summary, content

    def build_case(self, index: int, received_at: datetime, forced: ComplaintState | None) -> _Case:
        rng, p = self.rng, self.policy
        year = received_at.year
        self.serials[year] += 1
        number = f"{self.prefix}{year}-{self.serials[year]:04d}"
        cid = index + 1
        received = received_at.date()
        row: Row = record_columns(rng, cid, received_at)
        channel = rng.weighted(*self.channels)
        unit = rng.weighted(self.units, self.unit_cum)
        category = rng.weighted(*self.categories)
        complexity = rng.weighted(*self.complexities)
        clerk = rng.pick(self.clerks)
        row.update(
            number=number,
            received_at=received_at,
            received_date=received,
            channel=channel,
            registered_by_id=clerk,
            unit_id=unit.id,
            subject_description="",
            category_id=self.d.categories[category][0],
            complexity=complexity,
            state=S.REGISTERED,
            leader_instruction="",
            instructed_by_id=None,
            instructed_at=None,
            handling_mode=None,
            handler_unit_id=None,
            handler_user_id=clerk,
            forwarded_to="",
            routed_at=None,
            rejection_reason="",
            acceptance_due=None,
            limit_days=None,
            due_date=None,
            extension_days=0,
            reply_due=None,
            deadline_provisional=False,
            ever_overdue=False,
            verification=None,
            handling_result="",
            concluded_date=None,
            reply_date=None,
            reply_method=None,
            reply_text="",
            return_visit_date=None,
            return_visit_notes="",
            satisfaction=None,
            archived_at=None,
            merged_into_id=None,
            reopen_count=0,
            remarks="",
        )
        self._complainant(row, channel)
        merge_into = None
        recent = self.recent_by_unit.get(unit.id)
        if forced is S.MERGED or (forced is None and recent and rng.chance(0.03)):
            candidates = [
                c
                for c in (recent or [])
                if c["state"] is not S.MERGED and (received - c["received_date"]).days <= 30
            ]
            if not candidates and forced is S.MERGED and index > 0:
                candidates = [self._last]
            if candidates:
                merge_into = rng.pick(candidates)
        if merge_into is not None:
            row["unit_id"] = merge_into["unit_id"]
            row["category_id"] = merge_into["category_id"]
            row["summary"] = merge_into["summary"]
            row["content"] = vocab.MERGE_CONTENT.format(number=merge_into["number"])
            persons, descriptions = merge_into["_persons"], merge_into["_descriptions"]
            unit = next(u for u in self.units if u.id == row["unit_id"])
        else:
            persons, descriptions, label = self._subject(unit, category)
            row["summary"], row["content"] = self._text(unit, category, label, received, channel)
        if rng.chance(0.02) and merge_into is None:
            # The complainant could not say which unit: only a description of the subject.
            row["unit_id"] = None
            row["subject_description"] = f"{vocab.COUNTY}{rng.pick(unit.matters)}经办单位工作人员"
            persons = []
        row["_persons"], row["_descriptions"] = persons, descriptions
        limit = p.conclusion_days[complexity]
        acceptance = self.wd.add(received, p.acceptance_days)
        row["acceptance_due"] = acceptance
        row["limit_days"] = limit
        row["due_date"] = self.wd.add(received, limit)
        full = index >= self._full_from
        case = _Case(self, row, full)
        case.step(
            received_at,
            K.REGISTERED,
            clerk,
            S.REGISTERED,
            f"登记投诉：{row['summary']}",
            {
                "basis": {
                    "acceptance_due": [received.isoformat(), p.acceptance_days],
                    "due_date": [received.isoformat(), limit],
                }
            },
        )
        self._walk(case, unit, category, clerk, merge_into, forced)
        self._finish(case, unit, persons, descriptions)
        return case

    def _walk(
        self,
        case: _Case,
        unit: UnitInfo,
        category: str,
        clerk: int,
        merge_into: Row | None,
        forced: ComplaintState | None,
    ) -> None:
        rng, row, horizon = self.rng, case.row, self.horizon
        if forced is S.REGISTERED:
            return
        t = self.later(row["received_at"], 0)
        if t >= horizon:
            return
        if merge_into is not None:
            case.step(
                t,
                K.MERGED,
                clerk,
                S.MERGED,
                vocab.MERGE_TEXT.format(number=merge_into["number"]),
                {"merged_into_id": [None, merge_into["id"]]},
            )
            row["merged_into_id"] = merge_into["id"]
            return
        case.step(t, K.SUBMITTED, clerk, S.AWAITING_INSTRUCTION, "呈领导批示。")
        if forced is S.AWAITING_INSTRUCTION:
            return
        stall = None
        if forced is None:
            age = (self.today - row["received_date"]).days
            stall_p = 0.1 if age <= 60 else 0.03 if age <= 180 else 0.01
            if rng.chance(stall_p):
                stall = rng.weighted(*self.stalls)
        leader = self.leaders[1] if category in ("extortion", "discipline") else self.leaders[0]
        fast = forced is not None  # a forced case moves without delays so it surely gets there
        t = self.later(t, 0 if fast else rng.pick((0, 0, 0, 1, 1, 2)))
        if t >= horizon:
            return
        r = rng.random()
        reject = forced is S.REJECTED or (forced is None and r < 0.05)
        forward = not reject and r < 0.12 and forced is None
        mode = (
            HandlingMode.FORWARDED
            if forward
            else HandlingMode.SELF
            if rng.chance(0.32)
            else HandlingMode.ASSIGNED
        )
        handler_unit = (
            unit if unit.parent_id is None or rng.chance(0.5) else self._unit(unit.parent_id)
        )
        forward_to = rng.pick(vocab.FORWARD_TARGETS)
        if reject:
            instruction = "不属效能投诉受理范围，请做好解释工作。"
        elif forward:
            instruction = vocab.FORWARD_INSTRUCTION.format(forward=forward_to)
        else:
            instruction = rng.pick(vocab.LEADER_INSTRUCTIONS).format(
                handler=handler_unit.name if mode is HandlingMode.ASSIGNED else "效能投诉中心",
                n=rng.pick((3, 5, 7, 10)),
            )
        case.step(
            t, K.INSTRUCTED, leader, None, instruction, {"leader_instruction": ["", instruction]}
        )
        row.update(leader_instruction=instruction, instructed_by_id=leader, instructed_at=t)
        t = self.later(t, 0 if fast else rng.pick((0, 0, 1)))
        if t >= horizon:
            return
        if reject:
            self._reject(case, t, clerk, forced)
            return
        handler = rng.pick(self.inspectors + self.clerks) if mode is HandlingMode.SELF else clerk
        changes: dict[str, Any] = {
            "handling_mode": [None, mode.value],
            "routed_at": [None, _iso(t)],
        }
        if mode is HandlingMode.ASSIGNED:
            row["handler_unit_id"] = handler_unit.id
            changes["handler_unit_id"] = [None, handler_unit.id]
            text = f"交{handler_unit.name}办理，限{row['due_date']:%Y-%m-%d}前办结。"
        elif mode is HandlingMode.FORWARDED:
            row["forwarded_to"] = forward_to
            changes["forwarded_to"] = ["", forward_to]
            text = f"转{forward_to}办理，附转办函。"
        else:
            text = "效能办自办，调查核实。"
        if handler != row["handler_user_id"]:
            changes["handler_user_id"] = [row["handler_user_id"], handler]
        row.update(handling_mode=mode, routed_at=t, handler_user_id=handler)
        case.step(t, K.ROUTED, clerk, S.ROUTED, text, changes)
        if forced is S.ROUTED or stall is S.ROUTED:
            self._chase(case, t, clerk, handler_unit)
            return
        t = self.later(t, 0 if fast else rng.pick((0, 1, 1, 2)))
        if t >= horizon:
            return
        starter = handler if mode is HandlingMode.SELF else clerk
        start_text = (
            "开始调查核实。"
            if mode is HandlingMode.SELF
            else f"{handler_unit.name if mode is HandlingMode.ASSIGNED else forward_to}已签收，开始办理。"
        )
        case.step(t, K.STARTED, starter, S.INVESTIGATING, start_text)
        for round_no in range(2):
            outcome = self._investigate(
                case, t, unit, handler_unit, starter, leader, clerk, mode, forced, stall, round_no
            )
            if outcome is None:
                return
            t, reopened = outcome
            if not reopened:
                break
        if forced is S.ANSWERED:
            return
        t = office_time(rng, self.wd.add(t.date(), rng.randint(5, 25)))
        if t >= horizon:
            return
        case.step(
            t, K.ARCHIVED, clerk, S.ARCHIVED, "办结材料整理归档。", {"archived_at": [None, _iso(t)]}
        )
        row["archived_at"] = t

    def _reject(self, case: _Case, t: datetime, clerk: int, forced: ComplaintState | None) -> None:
        rng, row = self.rng, case.row
        reason = rng.pick(vocab.REJECT_REASONS)
        case.step(t, K.REJECTED, clerk, S.REJECTED, reason, {"rejection_reason": ["", reason]})
        row["rejection_reason"] = reason
        t = self.later(t, rng.randint(1, 3))
        if t >= self.horizon:
            return
        method = ReplyMethod.PHONE if row["complainant_phone"] else ReplyMethod.NONE
        text = vocab.REJECT_REPLY if method is ReplyMethod.PHONE else vocab.REPLY_TEXTS["none"]
        case.step(t, K.REPLIED, clerk, None, text, {"reply_method": [None, method.value]})
        row.update(reply_date=t.date(), reply_method=method, reply_text=text)
        if forced is S.REJECTED:
            return
        t = office_time(rng, self.wd.add(t.date(), rng.randint(5, 25)))
        if t >= self.horizon:
            return
        case.step(
            t, K.ARCHIVED, clerk, S.ARCHIVED, "不予受理材料归档。", {"archived_at": [None, _iso(t)]}
        )
        row["archived_at"] = t

    def _chase(self, case: _Case, t: datetime, clerk: int, unit: UnitInfo) -> None:
        """A stuck case: reminders (催办), then supervision (督办) once it is overdue."""
        rng = self.rng
        for _ in range(rng.randint(1, 3)):
            t = self.later(t, rng.randint(3, 10))
            if t >= self.horizon:
                return
            overdue = case.row["due_date"] is not None and t.date() > case.row["due_date"]
            if overdue:
                text = rng.pick(vocab.SUPERVISIONS).format(unit=unit.name)
                case.step(t, K.SUPERVISION, clerk, None, text)
            else:
                deadline = case.row["due_date"] or t.date()
                text = rng.pick(vocab.REMINDERS).format(unit=unit.name, date=f"{deadline:%m月%d日}")
                case.step(t, K.REMINDER, clerk, None, text)

    def _investigate(
        self,
        case: _Case,
        t: datetime,
        unit: UnitInfo,
        handler_unit: UnitInfo,
        worker: int,
        leader: int,
        clerk: int,
        mode: HandlingMode,
        forced: ComplaintState | None,
        stall: ComplaintState | None,
        round_no: int,
    ) -> tuple[datetime, bool] | None:
        """调查 → 拟办结 → 办结 → 反馈 → 回访 (→ 重办). Returns the last step's time and whether
        the case was reopened, or None when ``today`` (or a stall) stops it."""
        rng, row, wd, horizon = self.rng, case.row, self.wd, self.horizon
        if forced is S.INVESTIGATING or (stall is S.INVESTIGATING and round_no == 0):
            self._chase(case, t, clerk, handler_unit)
            return None
        start = t.date()
        available = max(1, self._workdays_between(start, row["due_date"]))
        if forced is not None:
            steps = 1
        elif rng.chance(0.1):
            steps = available + rng.randint(1, 8)  # concluded late
        else:
            steps = rng.randint(max(1, int(available * 0.3)), max(1, available - 2))
        complexity = row["complexity"]
        if (
            round_no == 0
            and complexity is not Complexity.SIMPLE
            and forced is None
            and rng.chance(0.07)
        ):
            ask = self.later(t, max(1, steps // 2))
            if ask >= horizon:
                return None
            extra = rng.pick((5, 10, 15))
            case.step(
                ask,
                K.EXTENSION_REQUESTED,
                worker,
                None,
                rng.pick(vocab.EXTENSION_REASONS).format(n=extra),
            )
            ok = self.later(ask, rng.pick((0, 1)))
            if ok >= horizon:
                return None
            if rng.chance(0.85):
                received = row["received_date"]
                new_due = wd.add(received, row["limit_days"] + extra)
                case.step(
                    ok,
                    K.EXTENSION_APPROVED,
                    leader,
                    None,
                    f"同意延期{extra}个工作日。",
                    {
                        "extension_days": [0, extra],
                        "due_date": [_iso(row["due_date"]), new_due.isoformat()],
                        "basis": {"due_date": [received.isoformat(), row["limit_days"] + extra]},
                    },
                )
                row["extension_days"] = extra
                row["due_date"] = new_due
                steps += extra // 2
            else:
                case.step(ok, K.EXTENSION_DENIED, leader, None, "不同意延期，请按期办结。")
        if case.full:
            for _ in range(rng.randint(1, 2)):
                note_at = self.later(t, rng.randint(0, max(0, steps - 1)))
                if note_at < horizon:
                    note = rng.pick(vocab.NOTES).format(unit=unit.name)
                    case.step(note_at, K.NOTE, worker, None, note)
            if mode is HandlingMode.ASSIGNED and steps > available * 0.6:
                remind_at = self.later(t, max(1, int(available * 0.6)))
                if remind_at < horizon:
                    deadline = row["due_date"]
                    text = rng.pick(vocab.REMINDERS).format(
                        unit=handler_unit.name, date=f"{deadline:%m月%d日}"
                    )
                    case.step(remind_at, K.REMINDER, clerk, None, text)
        case.events.sort(key=lambda e: e["at"])
        t = self.later(t, steps)
        if t >= horizon:
            return None
        verification = rng.weighted(*self.verifications)
        result = self._result(case, unit, verification, mode)
        case.step(
            t,
            K.CONCLUSION_DRAFTED,
            worker,
            S.AWAITING_REVIEW,
            result,
            {"verification": [_val(row["verification"]), verification.value]},
        )
        row.update(verification=verification, handling_result=result)
        if forced is S.AWAITING_REVIEW or (stall is S.AWAITING_REVIEW and round_no == 0):
            return None
        if rng.chance(0.04) and forced is None:
            t = self.later(t, rng.pick((0, 1)))
            if t >= horizon:
                return None
            case.step(t, K.SENT_BACK, leader, S.INVESTIGATING, rng.pick(vocab.SENT_BACK_REASONS))
            t = self.later(t, rng.randint(2, 4))
            if t >= horizon:
                return None
            case.step(t, K.CONCLUSION_DRAFTED, worker, S.AWAITING_REVIEW, result)
        t = self.later(t, 0 if forced else rng.pick((0, 0, 1, 1, 2)))
        if t >= horizon:
            return None
        concluded = t.date()
        reply_due = wd.add(concluded, self.policy.reply_days)
        case.step(
            t,
            K.CONCLUDED,
            leader,
            S.CONCLUDED,
            "同意办结。",
            {
                "concluded_date": [_iso(row["concluded_date"]), concluded.isoformat()],
                "reply_due": [_iso(row["reply_due"]), reply_due.isoformat()],
                "basis": {"reply_due": [concluded.isoformat(), self.policy.reply_days]},
            },
        )
        row.update(concluded_date=concluded, reply_due=reply_due)
        if forced is S.CONCLUDED or (stall is S.CONCLUDED and round_no == 0):
            return None
        late = rng.chance(0.04) and not forced
        t = self.later(t, rng.randint(6, 9) if late else 1 if forced else rng.pick((0, 1, 2, 3, 4)))
        if t >= horizon:
            return None
        method = rng.weighted(*self.replies) if row["complainant_phone"] else ReplyMethod.NONE
        if row["anonymous"] and method in (ReplyMethod.LETTER, ReplyMethod.IN_PERSON):
            method = ReplyMethod.PHONE
        reply_text = vocab.REPLY_TEXTS[method.value]
        case.step(
            t, K.REPLIED, clerk, S.ANSWERED, reply_text, {"reply_method": [None, method.value]}
        )
        row.update(reply_date=t.date(), reply_method=method, reply_text=reply_text)
        if method is ReplyMethod.NONE:
            return t, False
        t = self.later(t, 1 if forced else rng.randint(1, 5))
        if t >= horizon:
            return None
        satisfaction = rng.weighted(*self.satisfactions)
        if round_no == 1 and satisfaction is Satisfaction.UNSATISFIED:
            satisfaction = Satisfaction.BASICALLY
        notes = rng.pick(vocab.RETURN_VISITS[satisfaction.value])
        case.step(
            t, K.RETURN_VISIT, clerk, None, notes, {"satisfaction": [None, satisfaction.value]}
        )
        row.update(return_visit_date=t.date(), return_visit_notes=notes, satisfaction=satisfaction)
        if satisfaction is Satisfaction.UNSATISFIED and round_no == 0 and rng.chance(0.5):
            if forced is not None:
                return t, False
            t = self.later(t, 1)
            if t >= horizon:
                return None
            new_due = wd.add(t.date(), 10)
            case.step(
                t,
                K.REOPENED,
                clerk,
                S.INVESTIGATING,
                vocab.REOPEN_TEXT,
                {
                    "reopen_count": [0, 1],
                    "due_date": [_iso(row["due_date"]), new_due.isoformat()],
                    "basis": {"due_date": [t.date().isoformat(), 10]},
                },
            )
            row.update(reopen_count=1, due_date=new_due)
            return t, True
        return t, False

    def _result(
        self, case: _Case, unit: UnitInfo, verification: Verification, mode: HandlingMode
    ) -> str:
        rng, row = self.rng, case.row
        if mode is HandlingMode.FORWARDED:
            return rng.pick(vocab.FORWARD_RESULTS).format(forward=row["forwarded_to"])
        persons: list[PersonInfo] = row["_persons"]
        person = persons[0].label if persons else "相关工作人员"
        return rng.pick(vocab.HANDLING_RESULTS[verification.value]).format(
            unit=unit.name,
            person=person,
            measure=rng.pick(vocab.MEASURE_WORDS),
            date=f"{self.later(row['received_at'], 3):%m月%d日}",
        )

    def _workdays_between(self, start: date, end: date | None) -> int:
        if end is None or end <= start:
            return 0
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.wd.is_workday(day):
                count += 1
        return count

    def _unit(self, unit_id: int) -> UnitInfo:
        return self._units_by_id[unit_id]

    def _finish(
        self, case: _Case, unit: UnitInfo, persons: list[PersonInfo], descriptions: list[str]
    ) -> None:
        row = case.row
        case.note_overdue(self.today, None)
        case.events.sort(key=lambda e: e["at"])
        row["state"] = case.state
        row["version"] = max(1, len(case.events))
        known = self.wd.calendar.knows
        row["deadline_provisional"] = any(
            d is not None and not known(d.year)
            for d in (row["acceptance_due"], row["due_date"], row["reply_due"])
        )
        handler = self._units_by_id.get(row["handler_unit_id"]) if row["handler_unit_id"] else None
        subject = self._units_by_id.get(row["unit_id"]) if row["unit_id"] else None
        parts = [
            row["number"],
            row["summary"],
            row["content"],
            subject.name if subject else "",
            subject.short if subject else "",
            row["subject_description"],
            *[p.display for p in persons],
            *descriptions,
            handler.name if handler else "",
            row["forwarded_to"],
        ]
        row["search_text"] = " ".join(p for p in parts if p)
        identity = [row["complainant_phone"]]
        if not row["anonymous"]:
            identity += [
                row["complainant_name"],
                row["complainant_company"],
                row["complainant_address"],
            ]
        row["search_identity"] = " ".join(p for p in identity if p)

    # ------------------------------------------------------------------ bulk

    def build(self, conn: Connection, n: int, progress: Progress | None, batch: int = 5000) -> None:
        """Generate and insert ``n`` complaints with their persons and events."""
        self._full_from = max(0, n - FULL_HISTORY_RECENT)
        times = self.received_times(n)
        forced = self._forced_states(times)
        complaints: list[Row] = []
        persons: list[Row] = []
        events: list[Row] = []
        ctable: Table = table(Complaint)
        ptable: Table = table(ComplaintPerson)
        etable: Table = table(ComplaintEvent)
        for index, received_at in enumerate(times):
            case = self.build_case(index, received_at, forced.get(index))
            row = case.row
            for person in row["_persons"]:
                persons.append(self._link(row, person.id, ""))
            for desc in row["_descriptions"]:
                persons.append(self._link(row, None, desc))
            events.extend(case.events)
            self._remember(row)
            self._tally(row, case)
            complaints.append({k: v for k, v in row.items() if not k.startswith("_")})
            if len(complaints) >= batch:
                self._write(conn, ctable, ptable, etable, complaints, persons, events)
                if progress:
                    progress(index + 1, n, "生成投诉件")
        self._write(conn, ctable, ptable, etable, complaints, persons, events)
        self._write_series(conn)
        if progress:
            progress(n, n, "生成投诉件")

    def _link(self, row: Row, person_id: int | None, description: str) -> Row:
        at = row["received_at"]
        return {
            "uuid": self.rng.uuid(),
            "created_at": at,
            "updated_at": at,
            "version": 1,
            "complaint_id": row["id"],
            "person_id": person_id,
            "description": description,
        }

    def _remember(self, row: Row) -> None:
        self._last = row
        if row["unit_id"] is None:
            return
        recent = self.recent_by_unit.setdefault(row["unit_id"], [])
        recent.append(row)
        if len(recent) > 4:
            del recent[0]

    def _tally(self, row: Row, case: _Case) -> None:
        stats = self.stats
        state: ComplaintState = row["state"]
        stats.total += 1
        stats.states[state] += 1
        stats.events += len(case.events)
        stats.persons += len(row["_persons"]) + len(row["_descriptions"])
        if row["ever_overdue"]:
            stats.ever_overdue += 1
        running = case.running()
        if running is not None and running[1] < self.today:
            stats.overdue_open += 1
        if (
            row["concluded_date"] is not None
            and row["unit_id"] is not None
            and state in (S.CONCLUDED, S.ANSWERED, S.ARCHIVED)
            and row["verification"] in (Verification.SUBSTANTIATED, Verification.PARTLY)
        ):
            # Reservoir sample: a fair, bounded choice among a million cases.
            stats.seen_concluded += 1
            item = ConcludedCase(
                id=row["id"],
                number=row["number"],
                unit_id=row["unit_id"],
                person_ids=[p.id for p in row["_persons"]],
                concluded_date=row["concluded_date"],
                category_code=_category_code(self.d, row["category_id"]),
                summary=row["summary"],
                verification=row["verification"],
            )
            if len(stats.concluded) < 400:
                stats.concluded.append(item)
            else:
                j = int(self.rng.random() * stats.seen_concluded)
                if j < 400:
                    stats.concluded[j] = item
        if state in (S.ANSWERED, S.ARCHIVED) and len(stats.answered) < 50 and row["unit_id"]:
            stats.answered.append((row["id"], row["number"], row["unit_id"], row["reply_date"]))

    def _write(
        self,
        conn: Connection,
        ctable: Table,
        ptable: Table,
        etable: Table,
        complaints: list[Row],
        persons: list[Row],
        events: list[Row],
    ) -> None:
        if complaints:
            conn.execute(insert(ctable), complaints)
        if persons:
            conn.execute(insert(ptable), persons)
        if events:
            conn.execute(insert(etable), events)
        conn.commit()
        complaints.clear()
        persons.clear()
        events.clear()

    def _write_series(self, conn: Connection) -> None:
        rng = self.rng
        at = self.horizon
        rows = [
            {
                **record_columns(rng, i, at),
                "key": NUMBER_SERIES_KEY,
                "year": year,
                "prefix": self.prefix,
                "last_number": last,
            }
            for i, (year, last) in enumerate(sorted(self.serials.items()), start=1)
        ]
        self.stats.number_series = len(rows)
        if rows:
            conn.execute(insert(table(NumberSeries)), rows)
        conn.commit()


def _clock_words(hour: int, minute: int) -> str:
    """9, 20 → "上午9时20分"; 14, 0 → "下午2时"."""
    half = "上午" if hour < 12 else "下午"
    h = hour if hour <= 12 else hour - 12
    return f"{half}{h}时{minute}分" if minute else f"{half}{h}时"


def _category_code(directory: Directory, category_id: int) -> str:
    for code, (cid, _name) in directory.categories.items():
        if cid == category_id:
            return code
    return "other"


def _name(rng: Rand) -> str:
    surname = vocab.SURNAMES[int(len(vocab.SURNAMES) * rng.random() ** 2)]
    chars = vocab.GIVEN_CHARS_FEMALE if rng.random() < 0.45 else vocab.GIVEN_CHARS_MALE
    given = rng.pick(chars) + (rng.pick(chars) if rng.random() < 0.7 else "")
    return surname + given


def _mobile(rng: Rand) -> str:
    head = rng.pick(("13", "15", "18", "17", "19"))
    return f"{head}{int(rng.random() * 10)}{int(rng.random() * 100_000_000):08d}"


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def _val(value: Any) -> Any:
    return value.value if value is not None else None
