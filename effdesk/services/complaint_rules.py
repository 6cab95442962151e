"""The complaint state machine as data: (state, action) → (next state, permission, event kind).

One table, :data:`TRANSITIONS`, and one check, :func:`check_transition`. Services call the check
before every change; the UI asks :func:`allowed_actions` which buttons to enable. Conditions that
depend on the case itself (a route needs the leader's instruction, an extension must be requested
before the deadline …) are checked by the service after this table says the step exists.

``from_state is None`` stands for "no case yet" (registration).
"""

from __future__ import annotations

from dataclasses import dataclass

from effdesk.auth import Actor
from effdesk.enums import ComplaintEventKind, ComplaintState, LabeledEnum
from effdesk.errors import TransitionNotAllowed
from effdesk.permissions import Permission, allowed, require


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


S = ComplaintState
A = ComplaintAction
P = Permission
E = ComplaintEventKind

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
    # After an unsatisfied return visit the clerk may reopen (the service checks the visit);
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


def find_transition(state: ComplaintState | None, action: ComplaintAction) -> Transition | None:
    """The table row for ``action`` in ``state``, or None when the step does not exist."""
    return TRANSITIONS.get((state, action))


def check_transition(
    actor: Actor, state: ComplaintState | None, action: ComplaintAction
) -> Transition:
    """The single check: is ``action`` legal in ``state``, and may ``actor`` take it?

    Raises TransitionNotAllowed (naming the state, the action and what is possible instead),
    then PermissionDenied when the actor lacks the role the step needs.
    """
    rule = find_transition(state, action)
    if rule is None:
        raise TransitionNotAllowed(refusal_message(state, action))
    require(actor, rule.permission)
    return rule


def refusal_message(state: ComplaintState | None, action: ComplaintAction) -> str:
    if state is None:
        return f"投诉件尚未登记，不能{action.label}。"
    possible = [a.label for a in ComplaintAction if (state, a) in TRANSITIONS and a != A.NOTE]
    hint = f"此状态下可以：{'、'.join(possible)}。" if possible else "此状态下只能添加办理记录。"
    if action in _NEED_INSTRUCTION and state in (S.REGISTERED, S.AWAITING_INSTRUCTION):
        hint = "尚无领导批示，请先呈批并由领导批示。" + hint
    return f"投诉件当前状态为「{state.label}」，不能{action.label}。{hint}"


# Steps that follow the leader's instruction: refused before it with that reason.
_NEED_INSTRUCTION = frozenset({A.ROUTE, A.REJECT})


def allowed_actions(actor: Actor, state: ComplaintState) -> list[ComplaintAction]:
    """Actions the table allows in ``state`` for this actor's roles (for enabling buttons).

    Case-specific conditions (instruction present, pending extension …) are not checked here;
    the service still refuses those with a reason.
    """
    return [
        a
        for a in ComplaintAction
        if (rule := TRANSITIONS.get((state, a))) is not None and allowed(actor, rule.permission)
    ]
