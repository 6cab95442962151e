"""效能投诉: the complaint service — intake, lifecycle, deadlines, search, 待办.

Import everything from here (``from effdesk.services import complaints``); the submodules are
an implementation detail:

- :mod:`.intake` — validation, numbering, registration and edits, drafts, duplicate hints
- :mod:`.policy` — THE rules of a case: transitions, guards over the case facts, printable
  forms, identity visibility, each with its Chinese refusal reason
- :mod:`.lifecycle` — 呈批 … 归档, one function per step of the policy's transition table
- :mod:`.deadlines` — working-day limits, 正常/临期/超期, overdue scan, recompute after the
  admin enters a year's holidays
- :mod:`.search` — the filtered list (FTS5 / pg_trgm), counts, the case view with history
- :mod:`.todo` — 待办
- :mod:`.privacy` — the complainant's identity masked in free text, for every output
- :mod:`.choices` — categories, handlers and names for the screens' pickers and timeline

Every mutating call takes ``expected_version`` (the version the user's screen showed; None
skips the check) and an optional ``at`` (the time of the step; default now). Domain errors:
ValidationErrors (``problems[i].field`` = argument or ComplaintInput attribute),
TransitionNotAllowed, PermissionDenied, ConcurrentEditError, NotFound.
"""

# The key under which an event records how a deadline was counted (start, working days): an
# importer that writes history in bulk records it the same way.
from effdesk.services.complaints._core import BASIS_KEY
from effdesk.services.complaints.choices import (
    CategoryWords,
    IdNames,
    NamedId,
    category_choices,
    category_words,
    handler_choices,
    names_for,
    suggest_category,
)
from effdesk.services.complaints.deadlines import (
    DeadlinePolicy,
    conclusion_limit,
    due_status,
    load_calendar,
    load_policy,
    near_limit,
    recompute_provisional_deadlines,
    running_deadline,
    scan_overdue,
)
from effdesk.services.complaints.intake import (
    check_input,
    discard_draft,
    find_possible_duplicates,
    format_complaint_number,
    identity_warnings,
    input_from_draft,
    input_to_draft,
    list_drafts,
    load_draft,
    register_complaint,
    save_draft,
    update_complaint,
)
from effdesk.services.complaints.lifecycle import (
    add_note,
    approve_extension,
    archive,
    deny_extension,
    draft_conclusion,
    instruct,
    merge_complaint,
    pending_extension,
    record_return_visit,
    reject,
    remind,
    reopen,
    reply,
    request_extension,
    route,
    send_back,
    sign_off,
    start_investigation,
    submit_for_instruction,
    supervise,
)
from effdesk.services.complaints.policy import (
    TRANSITIONS,
    CaseFacts,
    ComplaintAction,
    ComplaintForm,
    Offer,
    Transition,
    allowed_actions,
    check_transition,
    may_see_identity,
)
from effdesk.services.complaints.privacy import (
    TEXT_MASK,
    identity_masker,
    identity_maskers,
    text_masker_for,
    text_maskers_for,
)
from effdesk.services.complaints.schema import (
    ANONYMOUS,
    MASK,
    ComplaintDetail,
    ComplaintFilter,
    ComplaintInput,
    ComplaintPage,
    ComplaintRow,
    ComplaintSort,
    DraftInfo,
    DuplicateHint,
    EventRow,
    ExtensionRequest,
    OverdueScanResult,
    PersonRef,
    RunningDeadline,
    TodoItem,
    TodoKind,
)
from effdesk.services.complaints.search import (
    CountEstimate,
    count_complaints,
    estimate_complaints,
    event_rows,
    find_by_number,
    get_complaint_detail,
    search_complaints,
)
from effdesk.services.complaints.todo import todo_for

__all__ = [
    "ANONYMOUS",
    "BASIS_KEY",
    "MASK",
    "TEXT_MASK",
    "TRANSITIONS",
    "CaseFacts",
    "CategoryWords",
    "ComplaintAction",
    "ComplaintDetail",
    "ComplaintFilter",
    "ComplaintForm",
    "ComplaintInput",
    "ComplaintPage",
    "ComplaintRow",
    "ComplaintSort",
    "CountEstimate",
    "DeadlinePolicy",
    "DraftInfo",
    "DuplicateHint",
    "EventRow",
    "ExtensionRequest",
    "IdNames",
    "NamedId",
    "Offer",
    "OverdueScanResult",
    "PersonRef",
    "RunningDeadline",
    "TodoItem",
    "TodoKind",
    "Transition",
    "add_note",
    "allowed_actions",
    "approve_extension",
    "archive",
    "category_choices",
    "category_words",
    "check_input",
    "check_transition",
    "conclusion_limit",
    "count_complaints",
    "deny_extension",
    "discard_draft",
    "draft_conclusion",
    "due_status",
    "estimate_complaints",
    "event_rows",
    "find_by_number",
    "find_possible_duplicates",
    "format_complaint_number",
    "get_complaint_detail",
    "handler_choices",
    "identity_masker",
    "identity_maskers",
    "identity_warnings",
    "input_from_draft",
    "input_to_draft",
    "instruct",
    "list_drafts",
    "load_calendar",
    "load_draft",
    "load_policy",
    "may_see_identity",
    "merge_complaint",
    "names_for",
    "near_limit",
    "pending_extension",
    "recompute_provisional_deadlines",
    "record_return_visit",
    "register_complaint",
    "reject",
    "remind",
    "reopen",
    "reply",
    "request_extension",
    "route",
    "running_deadline",
    "save_draft",
    "scan_overdue",
    "search_complaints",
    "send_back",
    "sign_off",
    "start_investigation",
    "submit_for_instruction",
    "suggest_category",
    "supervise",
    "text_masker_for",
    "text_maskers_for",
    "todo_for",
    "update_complaint",
]
