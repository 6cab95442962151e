"""The complaint policy: every rule about what may be done with a case, in one place, as data.

Four kinds of rule live here, each with its Chinese refusal reason, and nothing else decides
them — the lifecycle services, the case view's buttons, the printed forms, the search, intake,
the audit viewer and the demo all ask this module:

- **Transitions** (:data:`TRANSITIONS`): state × action → next state, the permission the step
  needs and the history event it writes. :func:`check_transition` is the single check.
- **Guards** (:data:`GUARDS`): conditions over a plain :class:`CaseFacts` value (the case's
  state, whether the leader has instructed, a pending extension, the limit, the return visit's
  satisfaction …) checked once the table says the step exists. :func:`check_guards` raises the
  guard's error; :func:`offers` tells a screen which buttons to show, and greys the ones a guard
  refuses with the same reason as their tooltip.
- **Forms** (:data:`FORM_RULES`): which printed form a case can have yet.
- **Identity** (:data:`IDENTITY_FIELDS`, :func:`may_see_identity`, :func:`is_identity_key`):
  which fields are the complainant's identity and which actors see them.

Qt-free and SQL-free: the rules see plain values only. :meth:`CaseFacts.of` reads them from a
loaded Complaint (its events included).

``from_state is None`` stands for "no case yet" (registration).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from effdesk.auth import Actor
from effdesk.enums import (
    ComplaintEventKind,
    ComplaintState,
    HandlingMode,
    LabeledEnum,
    Satisfaction,
)
from effdesk.errors import EffDeskError, PermissionDenied, TransitionNotAllowed
from effdesk.permissions import Permission, allowed, require

if TYPE_CHECKING:
    from effdesk.db.models import Complaint

S = ComplaintState
P = Permission
E = ComplaintEventKind

# =========================================================================== transitions


class ComplaintAction(LabeledEnum):
    """What a user can do to a case. The label reads after "不能" in refusal messages."""

    REGISTER = ("register", "登记")
    EDIT = ("edit", "修改登记信息")
    SUBMIT = ("submit", "呈批")
    INSTRUCT = ("instruct", "领导批示")
    ROUTE = ("route", "交办/转办")
    REJECT = ("reject", "不予受理")
    START = ("start", "开始调查")
    NOTE = ("note", "添加办理记录")
    REMIND = ("remind", "催办")
    SUPERVISE = ("supervise", "督办")
    REQUEST_EXTENSION = ("request_extension", "申请延期")
    APPROVE_EXTENSION = ("approve_extension", "批准延期")
    DENY_EXTENSION = ("deny_extension", "不同意延期")
    DRAFT_CONCLUSION = ("draft_conclusion", "拟办结（提交审核）")
    SIGN_OFF = ("sign_off", "审核办结")
    SEND_BACK = ("send_back", "退回重办")
    REPLY = ("reply", "答复投诉人")
    RETURN_VISIT = ("return_visit", "回访")
    REOPEN = ("reopen", "重办")
    ARCHIVE = ("archive", "归档")
    MERGE = ("merge", "合并到其他投诉件")


A = ComplaintAction


@dataclass(frozen=True)
class Transition:
    """One legal step. ``to_state is None`` means the state does not change."""

    from_state: ComplaintState | None
    action: ComplaintAction
    to_state: ComplaintState | None
    permission: Permission
    event: ComplaintEventKind

    def target(self) -> ComplaintState | None:
        """The state after the step (the same state for steps that keep it)."""
        return self.to_state if self.to_state is not None else self.from_state


# States in which work on the case is still going on.
OPEN_STATES = frozenset(
    {
        S.REGISTERED,
        S.AWAITING_INSTRUCTION,
        S.INSTRUCTED,
        S.ROUTED,
        S.INVESTIGATING,
        S.AWAITING_REVIEW,
    }
)
# States after which nothing about the handling changes any more (notes still may be added).
CLOSED_STATES = frozenset({S.CONCLUDED, S.ANSWERED, S.ARCHIVED, S.REJECTED, S.MERGED})
_HANDLING = (S.ROUTED, S.INVESTIGATING)

_ROWS: list[tuple[tuple[ComplaintState | None, ...], A, ComplaintState | None, P, E]] = [
    ((None,), A.REGISTER, S.REGISTERED, P.REGISTER_COMPLAINT, E.REGISTERED),
    (
        (*OPEN_STATES, S.CONCLUDED, S.ANSWERED),
        A.EDIT,
        None,
        P.HANDLE_COMPLAINT,
        E.EDITED,
    ),
    ((S.REGISTERED,), A.SUBMIT, S.AWAITING_INSTRUCTION, P.HANDLE_COMPLAINT, E.SUBMITTED),
    # The first instruction moves the case on; later ones (补充批示) keep its state.
    ((S.AWAITING_INSTRUCTION,), A.INSTRUCT, S.INSTRUCTED, P.INSTRUCT_COMPLAINT, E.INSTRUCTED),
    (
        (S.INSTRUCTED, S.ROUTED, S.INVESTIGATING, S.AWAITING_REVIEW),
        A.INSTRUCT,
        None,
        P.INSTRUCT_COMPLAINT,
        E.INSTRUCTED,
    ),
    ((S.INSTRUCTED,), A.ROUTE, S.ROUTED, P.HANDLE_COMPLAINT, E.ROUTED),
    ((S.INSTRUCTED,), A.REJECT, S.REJECTED, P.HANDLE_COMPLAINT, E.REJECTED),
    ((S.ROUTED,), A.START, S.INVESTIGATING, P.HANDLE_COMPLAINT, E.STARTED),
    (tuple(ComplaintState), A.NOTE, None, P.HANDLE_COMPLAINT, E.NOTE),
    (_HANDLING, A.REMIND, None, P.HANDLE_COMPLAINT, E.REMINDER),
    (_HANDLING, A.SUPERVISE, None, P.HANDLE_COMPLAINT, E.SUPERVISION),
    (_HANDLING, A.REQUEST_EXTENSION, None, P.HANDLE_COMPLAINT, E.EXTENSION_REQUESTED),
    (
        (*_HANDLING, S.AWAITING_REVIEW),
        A.APPROVE_EXTENSION,
        None,
        P.APPROVE_EXTENSION,
        E.EXTENSION_APPROVED,
    ),
    (
        (*_HANDLING, S.AWAITING_REVIEW),
        A.DENY_EXTENSION,
        None,
        P.APPROVE_EXTENSION,
        E.EXTENSION_DENIED,
    ),
    (_HANDLING, A.DRAFT_CONCLUSION, S.AWAITING_REVIEW, P.HANDLE_COMPLAINT, E.CONCLUSION_DRAFTED),
    ((S.AWAITING_REVIEW,), A.SIGN_OFF, S.CONCLUDED, P.SIGN_OFF_CONCLUSION, E.CONCLUDED),
    ((S.AWAITING_REVIEW,), A.SEND_BACK, S.INVESTIGATING, P.SIGN_OFF_CONCLUSION, E.SENT_BACK),
    ((S.CONCLUDED,), A.REPLY, S.ANSWERED, P.HANDLE_COMPLAINT, E.REPLIED),
    # 不予受理 is answered too (逐件反馈); the case stays 不予受理.
    ((S.REJECTED,), A.REPLY, None, P.HANDLE_COMPLAINT, E.REPLIED),
    ((S.ANSWERED,), A.RETURN_VISIT, None, P.HANDLE_COMPLAINT, E.RETURN_VISIT),
    # After an unsatisfied return visit the clerk may reopen (see the guard below);
    # reopening a case nobody complained about again is the leader's decision.
    ((S.ANSWERED,), A.REOPEN, S.INVESTIGATING, P.HANDLE_COMPLAINT, E.REOPENED),
    ((S.CONCLUDED, S.ARCHIVED), A.REOPEN, S.INVESTIGATING, P.INSTRUCT_COMPLAINT, E.REOPENED),
    ((S.ANSWERED, S.REJECTED), A.ARCHIVE, S.ARCHIVED, P.HANDLE_COMPLAINT, E.ARCHIVED),
    (
        (S.REGISTERED, S.AWAITING_INSTRUCTION, S.INSTRUCTED, S.ROUTED, S.INVESTIGATING),
        A.MERGE,
        S.MERGED,
        P.HANDLE_COMPLAINT,
        E.MERGED,
    ),
]


def _build() -> dict[tuple[ComplaintState | None, ComplaintAction], Transition]:
    table: dict[tuple[ComplaintState | None, ComplaintAction], Transition] = {}
    for states, action, to_state, permission, event in _ROWS:
        for state in states:
            key = (state, action)
            if key in table:  # pragma: no cover - a typo in the table above
                raise RuntimeError(f"duplicate transition {key}")
            table[key] = Transition(state, action, to_state, permission, event)
    return table


TRANSITIONS: dict[tuple[ComplaintState | None, ComplaintAction], Transition] = _build()

# Events a step of the table writes, and the action that writes them (for replaying a history).
ACTION_OF_EVENT: dict[ComplaintEventKind, ComplaintAction] = {
    t.event: t.action for t in TRANSITIONS.values()
}
# Events that are facts, not anybody's step: the overdue scan, a recomputed limit, an attached
# file or document, a case imported from a ledger, the note on the case another one was merged
# into.
SYSTEM_EVENTS = frozenset(
    {
        E.OVERDUE,
        E.DEADLINE_RECOMPUTED,
        E.ATTACHMENT_ADDED,
        E.DOCUMENT_LINKED,
        E.IMPORTED,
    }
)


def find_transition(state: ComplaintState | None, action: ComplaintAction) -> Transition | None:
    """The table row for ``action`` in ``state``, or None when the step does not exist."""
    return TRANSITIONS.get((state, action))


def check_transition(
    actor: Actor, state: ComplaintState | None, action: ComplaintAction
) -> Transition:
    """Is ``action`` legal in ``state``, and may ``actor`` take it?

    Raises TransitionNotAllowed (naming the state, the action and what is possible instead),
    then PermissionDenied when the actor lacks the role the step needs.
    """
    rule = find_transition(state, action)
    if rule is None:
        raise TransitionNotAllowed(refusal_message(state, action))
    require(actor, rule.permission)
    return rule


# Why the steps that follow the leader's instruction are refused before it.
NEED_INSTRUCTION = "尚无领导批示，请先呈批并由领导批示。"
# Steps that follow the leader's instruction, and the states in which it is still awaited.
_AFTER_INSTRUCTION = frozenset({A.ROUTE, A.REJECT})
_BEFORE_INSTRUCTION = frozenset({S.REGISTERED, S.AWAITING_INSTRUCTION})


def refusal_message(state: ComplaintState | None, action: ComplaintAction) -> str:
    """Why ``action`` does not exist in ``state``, with what is possible instead."""
    if state is None:
        return f"投诉件尚未登记，不能{action.label}。"
    possible = [a.label for a in ComplaintAction if (state, a) in TRANSITIONS and a != A.NOTE]
    hint = f"此状态下可以：{'、'.join(possible)}。" if possible else "此状态下只能添加办理记录。"
    if action in _AFTER_INSTRUCTION and state in _BEFORE_INSTRUCTION:
        hint = NEED_INSTRUCTION + hint
    return f"投诉件当前状态为「{state.label}」，不能{action.label}。{hint}"


def allowed_actions(actor: Actor, state: ComplaintState) -> list[ComplaintAction]:
    """Actions the table allows in ``state`` for this actor's roles.

    Case conditions (:data:`GUARDS`) are not checked here; :func:`offers` checks both.
    """
    return [
        a
        for a in ComplaintAction
        if (rule := TRANSITIONS.get((state, a))) is not None and allowed(actor, rule.permission)
    ]


# =========================================================================== case facts


class HasKind(Protocol):
    @property
    def kind(self) -> ComplaintEventKind: ...


K = TypeVar("K", bound=HasKind)


def open_extension_request(events: Sequence[K]) -> K | None:
    """The extension request (an EXTENSION_REQUESTED event) no leader has decided yet, if any.

    ``events`` oldest first: a request stays open until an approval or a refusal follows it.
    """
    latest = None
    for event in events:
        if event.kind == E.EXTENSION_REQUESTED:
            latest = event
        elif event.kind in (E.EXTENSION_APPROVED, E.EXTENSION_DENIED):
            latest = None
    return latest


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about one case, as plain values."""

    state: ComplaintState
    # The leader has instructed (批示): routing and rejecting follow it.
    has_instruction: bool = False
    # An extension request awaits the leader's decision.
    extension_pending: bool = False
    # The conclusion limit (办理时限) the case works against, if any.
    due_date: date | None = None
    # The return visit's satisfaction, if one was recorded.
    satisfaction: Satisfaction | None = None
    handling_mode: HandlingMode | None = None
    # A 催办 / 督办 is on record (their notices can be printed).
    reminded: bool = False
    supervised: bool = False

    @classmethod
    def of(cls, case: Complaint) -> CaseFacts:
        """The facts of a loaded case (its events are read for the extension and the chases)."""
        events = case.events  # in the order they were written
        kinds = {e.kind for e in events}
        return cls(
            state=case.state,
            has_instruction=bool(case.leader_instruction.strip()),
            extension_pending=open_extension_request(events) is not None,
            due_date=case.due_date,
            satisfaction=case.satisfaction,
            handling_mode=case.handling_mode,
            reminded=E.REMINDER in kinds,
            supervised=E.SUPERVISION in kinds,
        )


# =========================================================================== guards


@dataclass(frozen=True)
class Guard:
    """A condition over the case facts that refuses a step the table allows.

    ``reason`` is formatted with ``case`` (the case as the message names it: "投诉件 X" in a
    service error, "本件" on a button), ``action`` (its label) and ``due`` (the limit).
    ``hidden``: the button is left out rather than greyed (there is nothing to decide).
    """

    name: str
    actions: frozenset[ComplaintAction]
    refuses: Callable[[CaseFacts, Actor, date], bool]
    reason: str
    error: type[EffDeskError] = TransitionNotAllowed
    hidden: bool = False

    def message(self, facts: CaseFacts, action: ComplaintAction, case: str) -> str:
        return self.reason.format(case=case, action=action.label, due=facts.due_date)


def visit_allows_reopen(satisfaction: Satisfaction | None) -> bool:
    """A return visit leads to 重办 (the clerk's decision) only when the complainant is
    不满意; any other reopening is the leader's."""
    return satisfaction == Satisfaction.UNSATISFIED


# Why a return visit that is not 不满意 cannot reopen the case (the visit form's check box).
VISIT_REOPEN_REFUSAL = "只有回访不满意时才能重办。"


def _past_due(facts: CaseFacts, today: date) -> bool:
    return facts.due_date is not None and today > facts.due_date


# In the order the service checks them (the first that refuses is reported).
GUARDS: tuple[Guard, ...] = (
    Guard(
        "need_instruction",
        frozenset({A.ROUTE, A.REJECT}),
        lambda f, _a, _t: not f.has_instruction,
        "{case}尚无领导批示，不能{action}。请先由领导批示。",
    ),
    Guard(
        "extension_needs_limit",
        frozenset({A.REQUEST_EXTENSION}),
        lambda f, _a, _t: f.due_date is None,
        "{case}没有办理时限，无需延期。",
    ),
    Guard(
        "extension_before_limit",
        frozenset({A.REQUEST_EXTENSION}),
        lambda f, _a, today: _past_due(f, today),
        "{case}的办理时限{due:%Y-%m-%d}已过，不能再申请延期（延期须在时限届满前申请）。",
    ),
    Guard(
        "one_extension_request",
        frozenset({A.REQUEST_EXTENSION}),
        lambda f, _a, _t: f.extension_pending,
        "{case}已有待审批的延期申请，请等待领导审批。",
    ),
    Guard(
        "extension_decision_needs_request",
        frozenset({A.APPROVE_EXTENSION, A.DENY_EXTENSION}),
        lambda f, _a, _t: not f.extension_pending,
        "{case}没有待审批的延期申请。",
        hidden=True,
    ),
    Guard(
        "reopen_after_unsatisfied_visit",
        frozenset({A.REOPEN}),
        lambda f, actor, _t: (
            f.state == S.ANSWERED
            and not visit_allows_reopen(f.satisfaction)
            and not allowed(actor, P.INSTRUCT_COMPLAINT)
        ),
        "回访结果不是「不满意」，重办须由领导决定。",
        error=PermissionDenied,
    ),
)

# The actions some guard concerns (the others need no case facts).
GUARDED_ACTIONS = frozenset(a for g in GUARDS for a in g.actions)


def failing_guard(
    actor: Actor, facts: CaseFacts, action: ComplaintAction, today: date
) -> Guard | None:
    """The first guard that refuses ``action`` on this case, or None."""
    for guard in GUARDS:
        if action in guard.actions and guard.refuses(facts, actor, today):
            return guard
    return None


def check_guards(
    actor: Actor, facts: CaseFacts, action: ComplaintAction, today: date, case: str
) -> None:
    """Raise the error of the first guard that refuses ``action`` (``case`` names the case)."""
    guard = failing_guard(actor, facts, action, today)
    if guard is not None:
        raise guard.error(guard.message(facts, action, case))


@dataclass(frozen=True)
class Offer:
    """A step as a screen offers it: shown or not, and why it is greyed ("" = enabled)."""

    action: ComplaintAction
    shown: bool
    refusal: str = ""


# Steps shown greyed while the case still waits for what they need (the next step of the
# ordinary path): state, action → why; shown to actors holding the step's permission.
WAITING: dict[tuple[ComplaintState, ComplaintAction], tuple[ComplaintState, str]] = {
    (S.AWAITING_INSTRUCTION, A.ROUTE): (S.INSTRUCTED, NEED_INSTRUCTION),
    (S.AWAITING_INSTRUCTION, A.REJECT): (S.INSTRUCTED, NEED_INSTRUCTION),
}
# How a button's reason names the case it belongs to.
THIS_CASE = "本件"


def offer(actor: Actor, facts: CaseFacts, action: ComplaintAction, today: date) -> Offer:
    """Whether a screen shows ``action`` for this case and actor, and why it is greyed."""
    rule = TRANSITIONS.get((facts.state, action))
    if rule is not None and allowed(actor, rule.permission):
        guard = failing_guard(actor, facts, action, today)
        if guard is None:
            return Offer(action, True)
        if guard.hidden:
            return Offer(action, False)
        return Offer(action, True, guard.message(facts, action, THIS_CASE))
    waiting = WAITING.get((facts.state, action))
    if waiting is not None:
        later_state, why = waiting
        later = TRANSITIONS[(later_state, action)]
        if allowed(actor, later.permission):
            return Offer(action, True, why)
    return Offer(action, False)


def offers(actor: Actor, facts: CaseFacts, today: date) -> list[Offer]:
    """:func:`offer` for every action on an existing case (registration excluded)."""
    return [offer(actor, facts, a, today) for a in ComplaintAction if a != A.REGISTER]


# =========================================================================== forms


class ComplaintForm(LabeledEnum):
    """The printable forms; ``value`` is the name used on the command line."""

    REGISTRATION = ("registration", "投诉受理登记表")
    INSTRUCTION = ("instruction", "领导呈批单")
    ASSIGNMENT = ("assignment", "交办单")
    FORWARDING = ("forwarding", "转办函")
    REMINDER = ("reminder", "催办通知书")
    SUPERVISION = ("supervision", "督办通知书")
    REPLY = ("reply", "答复函")

    @property
    def for_units(self) -> bool:
        """Sent outside the office: never carries the complainant's identity."""
        return self in UNIT_FORMS


F = ComplaintForm
UNIT_FORMS = frozenset({F.ASSIGNMENT, F.FORWARDING, F.REMINDER, F.SUPERVISION})
# States in which the complainant can be answered by letter (答复函).
REPLY_LETTER_STATES = frozenset({S.CONCLUDED, S.ANSWERED, S.ARCHIVED, S.REJECTED})


@dataclass(frozen=True)
class FormRule:
    """When a case has no such form yet: ``short`` for a menu entry, ``message`` for an error
    (formatted with ``case`` and ``state``)."""

    form: ComplaintForm
    refuses: Callable[[CaseFacts], bool]
    short: str
    message: str


FORM_RULES: tuple[FormRule, ...] = (
    FormRule(
        F.ASSIGNMENT,
        lambda f: f.handling_mode != HandlingMode.ASSIGNED,
        "不是交办件",
        "{case} 不是交办件，没有交办单。",
    ),
    FormRule(
        F.FORWARDING,
        lambda f: f.handling_mode != HandlingMode.FORWARDED,
        "不是转办件",
        "{case} 不是转办件，没有转办函。",
    ),
    FormRule(F.REMINDER, lambda f: not f.reminded, "尚未催办", "{case} 尚无催办记录，请先催办。"),
    FormRule(
        F.SUPERVISION, lambda f: not f.supervised, "尚未督办", "{case} 尚无督办记录，请先督办。"
    ),
    FormRule(
        F.REPLY,
        lambda f: f.state not in REPLY_LETTER_STATES,
        "办结或不予受理后才能出具",
        "{case} 当前为「{state}」，办结（或不予受理）后才能出具答复函。",
    ),
)


def form_refusal(facts: CaseFacts, form: ComplaintForm) -> FormRule | None:
    """The rule by which this case has no ``form`` yet, or None when it can be printed."""
    for rule in FORM_RULES:
        if rule.form == form and rule.refuses(facts):
            return rule
    return None


def form_unavailable(facts: CaseFacts, form: ComplaintForm) -> str:
    """Why ``form`` cannot be printed for this case yet, in a few words ("" when it can)."""
    rule = form_refusal(facts, form)
    return rule.short if rule is not None else ""


def check_form(facts: CaseFacts, form: ComplaintForm, case: str) -> None:
    """Raise EffDeskError naming ``case`` when it has no ``form`` yet."""
    rule = form_refusal(facts, form)
    if rule is not None:
        raise EffDeskError(rule.message.format(case=case, state=facts.state.label))


# =========================================================================== identity

# The columns holding the complainant's identity (name, phone, company, address).
IDENTITY_FIELDS = (
    "complainant_name",
    "complainant_phone",
    "complainant_company",
    "complainant_address",
)
# An anonymous complainant is never named: these are never stored for them nor shown to anybody
# (a phone may be kept so the office can answer; it is identity like the others).
NOT_KEPT_WHEN_ANONYMOUS = ("complainant_name", "complainant_company", "complainant_address")
# In audit entries (before/after of any change): every complainant_* key and the identity search
# column count as identity.
_IDENTITY_KEY_PREFIX = "complainant"
_IDENTITY_KEYS = frozenset({"search_identity"})


def may_see_identity(actor: Actor) -> bool:
    """May this actor see complainants' names, phones, companies and addresses?"""
    return allowed(actor, P.VIEW_COMPLAINANT_IDENTITY)


def may_export_identity(actor: Actor) -> bool:
    """May this actor export ledgers with the identity columns filled in?"""
    return may_see_identity(actor) and allowed(actor, P.EXPORT_WITH_IDENTITY)


def is_identity_key(key: str) -> bool:
    """Does this key of an audit entry's before/after carry the complainant's identity?"""
    return key in _IDENTITY_KEYS or key.startswith(_IDENTITY_KEY_PREFIX)


AUDIT_MASK = "（已隐去）"


def mask_identity(value: Any) -> Any:
    """An audit before/after value with every identity key's value replaced by AUDIT_MASK."""
    if isinstance(value, dict):
        return {
            k: (AUDIT_MASK if is_identity_key(k) else mask_identity(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_identity(v) for v in value]
    return value


def redaction_for(actor: Actor) -> Callable[[Any], Any] | None:
    """What hides the complainant's identity from ``actor`` in an audit before/after value
    (None: the actor may see it), for code below the services that shows audit values."""
    return None if may_see_identity(actor) else mask_identity


def identity_search_values(
    anonymous: bool, name: str, phone: str, company: str, address: str
) -> list[str]:
    """The identity values only roles that may see them search by (``search_identity``)."""
    values = [phone]
    if not anonymous:
        values += [name, company, address]
    return [v.strip() for v in values if v and v.strip()]
