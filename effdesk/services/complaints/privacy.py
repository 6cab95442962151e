"""The complainant's identity in FREE TEXT: one masking rule for every output.

The identity columns (name, phone, company, address) are masked by the services for roles
without ``VIEW_COMPLAINANT_IDENTITY``. But a clerk may also type the caller's name or phone into
内容摘要, 详细内容, a note or a result ("张三丰（13812345678）来电反映…"). Everything that shows a
case's text to such a role — the list, the search, the case view and its timeline, the printed
登记表/呈批单, the forms sent to units, Excel ledgers, bulletins, the audit viewer — must pass the
text through the masker of THIS module, so the rule is decided once:

- every occurrence of the complainant's name, company and address as recorded (two characters
  or more), and of the phone number (its digits, whatever spaces or dashes were typed between
  them, five digits or more), is replaced by :data:`TEXT_MASK` ("×××");
- the search index never holds them in the text every role searches (``search_text`` is masked
  when it is built, see :func:`search_columns`); only ``search_identity`` holds them, and only
  roles with the identity right search it. A search by the complainant's name or phone from
  any other role therefore finds nothing.

API for other outputs (exports, bulletins)::

    from effdesk.services.complaints.privacy import identity_masker, text_masker_for

    mask = identity_masker(case)            # Complaint -> Callable[[str], str]
    mask("张三丰来电")                        # "×××来电"
    mask = text_masker_for(actor, case)     # the identity function for roles that may see it
    masks = identity_maskers(session, ids)  # {complaint id: masker}, one query for a list

:func:`mentions_identity` tells intake which identity values a summary repeats (a warning to
the clerk, not a refusal).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import Complaint, ComplaintEvent
from effdesk.services.complaints.policy import (
    IDENTITY_FIELDS,
    identity_search_values,
    may_see_identity,
)

TEXT_MASK = "×××"
# Shorter values are not masked: one character (a surname) would blot ordinary words.
MIN_TEXT_CHARS = 2
MIN_PHONE_DIGITS = 5
# Between the digits of a phone typed in free text: up to this many spaces, dashes, dots,
# brackets (anything neither a letter, a Chinese character nor a digit).
MAX_PHONE_GAP = 3
_FULLWIDTH_DIGITS = {ord("０") + i: str(i) for i in range(10)}
_NOT_DIGIT = re.compile(r"[^0-9]")
_FULLWIDTH = re.compile("[０-９]")


def _ascii_digits(text: str) -> str:
    """Full-width digits (typed with a Chinese input method) as ASCII, same length."""
    return text.translate(_FULLWIDTH_DIGITS) if _FULLWIDTH.search(text) else text


Masker = Callable[[str], str]


def keep(text: str) -> str:
    """The masker for roles that may see the identity: the text unchanged."""
    return text


def _digits(value: str) -> str:
    return _NOT_DIGIT.sub("", _ascii_digits(value or ""))


def _phone_spans(text: str, phones: list[str]) -> list[tuple[int, int]]:
    """(start, end) of every place where one of ``phones`` (digit strings) is typed in
    ``text``, with at most MAX_PHONE_GAP separators between two of its digits."""
    plain = _ascii_digits(text)
    run = _NOT_DIGIT.sub("", plain)
    phones = [d for d in phones if d in run]  # the cheap test: most texts hold no phone
    if not phones:
        return []
    where = [i for i, ch in enumerate(plain) if "0" <= ch <= "9"]  # run[k] is plain[where[k]]
    spans = []
    for digits in phones:
        at = run.find(digits)
        while at != -1:
            idx = where[at : at + len(digits)]
            if all(
                b - a - 1 <= MAX_PHONE_GAP and not any(ch.isalnum() for ch in plain[a + 1 : b])
                for a, b in itertools.pairwise(idx)
            ):
                spans.append((idx[0], idx[-1] + 1))
            at = run.find(digits, at + 1)
    return spans


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    out = []
    pos = 0
    for start, end in merged:
        out.append(text[pos:start])
        out.append(TEXT_MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def masker_from_values(
    name: str = "",
    phone: str = "",
    company: str = "",
    address: str = "",
    *,
    more_names: Iterable[str] = (),
    more_phones: Iterable[str] = (),
) -> Masker:
    """A function masking these identity values wherever they occur in a text.

    ``more_names`` / ``more_phones``: earlier values of the same case (before an edit).
    Plain string searches, no regular expression to compile: a list page or a bulk load of a
    million cases pays microseconds per case.
    """
    phones = sorted(
        {d for d in (_digits(p) for p in (phone, *more_phones)) if len(d) >= MIN_PHONE_DIGITS},
        key=len,
        reverse=True,
    )
    values = sorted(
        {
            v.strip()
            for v in (name, company, address, *more_names)
            if len((v or "").strip()) >= MIN_TEXT_CHARS
        },
        key=len,
        reverse=True,  # "三丰商贸有限公司" before "三丰" if both are identity values
    )
    if not phones and not values:
        return keep

    def mask(text: str) -> str:
        if not text:
            return text
        if phones:
            spans = _phone_spans(text, phones)
            if spans:
                text = _mask_spans(text, spans)
        for value in values:
            if value in text:
                text = text.replace(value, TEXT_MASK)
        return text

    return mask


def _earlier_values(events: Iterable[Mapping[str, Any] | None]) -> tuple[list[str], list[str]]:
    names: list[str] = []
    phones: list[str] = []
    for changes in events:
        for key, pair in (changes or {}).items():
            if key not in IDENTITY_FIELDS or not isinstance(pair, list):
                continue
            for v in pair:
                if isinstance(v, str) and v:
                    (phones if key == "complainant_phone" else names).append(v)
    return names, phones


def identity_masker(case: Complaint, *, with_history: bool = True) -> Masker:
    """The masker of one case: its complainant's name, phone, company and address as recorded
    (and, ``with_history``, the values an edit replaced) become ×××."""
    names: list[str] = []
    phones: list[str] = []
    if with_history:
        names, phones = _earlier_values(e.changes for e in case.events)
    return masker_from_values(
        case.complainant_name,
        case.complainant_phone,
        case.complainant_company,
        case.complainant_address,
        more_names=names,
        more_phones=phones,
    )


def text_masker_for(actor: Actor, case: Complaint) -> Masker:
    """What ``actor`` may read of this case's free text: unchanged for roles with the identity
    right, masked (:func:`identity_masker`) for every other role."""
    return keep if may_see_identity(actor) else identity_masker(case)


def identity_maskers(
    session: Session, complaint_ids: Iterable[int], *, with_history: bool = True
) -> dict[int, Masker]:
    """Bulk :func:`identity_masker` for a list or an export: ``{complaint id: masker}``.

    Two queries whatever the number of cases (the identity columns, and the identity changes in
    the history when ``with_history``).
    """
    ids = sorted(set(complaint_ids))
    if not ids:
        return {}
    out: dict[int, Masker] = {}
    earlier: dict[int, list[Mapping[str, Any] | None]] = {}
    for chunk in _chunks(ids, 500):
        if with_history:
            for cid, changes in session.execute(
                select(ComplaintEvent.complaint_id, ComplaintEvent.changes).where(
                    ComplaintEvent.complaint_id.in_(chunk)
                )
            ):
                earlier.setdefault(cid, []).append(changes)
        rows = session.execute(
            select(
                Complaint.id,
                Complaint.complainant_name,
                Complaint.complainant_phone,
                Complaint.complainant_company,
                Complaint.complainant_address,
            ).where(Complaint.id.in_(chunk))
        )
        for r in rows:
            names, phones = _earlier_values(earlier.get(r.id, []))
            out[r.id] = masker_from_values(
                r.complainant_name,
                r.complainant_phone,
                r.complainant_company,
                r.complainant_address,
                more_names=names,
                more_phones=phones,
            )
    return out


def identity_maskers_by_uuid(session: Session, uuids: Iterable[str]) -> dict[str, Masker]:
    """:func:`identity_maskers` keyed by the cases' uuids (audit entries name cases by uuid)."""
    wanted = sorted(set(uuids))
    if not wanted:
        return {}
    ids = dict(
        session.execute(
            select(Complaint.id, Complaint.uuid).where(Complaint.uuid.in_(wanted))
        ).tuples()
    )
    by_id = identity_maskers(session, ids)
    return {uuid: by_id[cid] for cid, uuid in ids.items()}


def text_maskers_for(
    session: Session, actor: Actor, complaint_ids: Iterable[int]
) -> dict[int, Masker]:
    """Bulk :func:`text_masker_for`: ``keep`` for every case when the actor may see identity."""
    ids = list(complaint_ids)
    if may_see_identity(actor):
        return dict.fromkeys(ids, keep)
    return identity_maskers(session, ids)


def search_columns(
    parts: Iterable[str | None],
    *,
    anonymous: bool,
    name: str = "",
    phone: str = "",
    company: str = "",
    address: str = "",
) -> tuple[str, str]:
    """``(search_text, search_identity)`` of a case from its searchable ``parts`` (number,
    texts, names of units and persons …) and its complainant.

    ``search_text`` is what every role searches: the identity is masked out of it (a clerk may
    have typed it into the summary); ``search_identity`` holds what only roles that may see the
    identity search by (:func:`effdesk.services.complaints.policy.identity_search_values`).
    The intake service and the demo's bulk loader both build the columns here.
    """
    text = " ".join(p.strip() for p in parts if p and p.strip())
    return (
        mask_text_values(text, name, phone, company, address),
        " ".join(identity_search_values(anonymous, name, phone, company, address)),
    )


def mask_text_values(
    text: str, name: str = "", phone: str = "", company: str = "", address: str = ""
) -> str:
    """``masker_from_values(name, phone, company, address)(text)`` (the bulk demo load)."""
    return masker_from_values(name, phone, company, address)(text)


def mentions_identity(
    text: str, name: str = "", phone: str = "", company: str = "", address: str = ""
) -> list[str]:
    """Which of the complainant's own identity fields ``text`` repeats ("姓名", "联系电话" …)."""
    found = []
    for label, value, is_phone in (
        ("姓名", name, False),
        ("联系电话", phone, True),
        ("单位", company, False),
        ("地址", address, False),
    ):
        m = masker_from_values(phone=value) if is_phone else masker_from_values(name=value)
        if m is not keep and m(text) != text:
            found.append(label)
    return found


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]
